import { beforeAll, describe, expect, it } from "vitest";
import { call, getEvents, json, post, postMessage } from "../support/api.ts";
import { createTeam, newVisitor, type Team, userId } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect } from "../support/socket.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

describe("the HTTP fallback", () => {
  it("stores a POSTed message with 201 and the same seq and server_msg_id a socket receives", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const a = await connect(conv, team.agent);
    const res = await postMessage(conv, visitor.token, "h1", "hello over http");
    const ack = await json(res, 201);
    const seen = await a.waitForMessage("h1");

    expect(ack).toEqual({
      client_msg_id: "h1",
      server_msg_id: expect.stringMatching(/^msg_[0-9a-z]+$/),
      seq: 2,
      at: expect.any(Number),
      duplicate: false,
      status: "queued",
    });
    expect(seen).toMatchObject({ seq: ack.seq, server_msg_id: ack.server_msg_id, at: ack.at, sender: { role: "visitor", id: visitor.contact_id } });
  });

  it("lists the same events over GET /events as a socket received, with identical seq and server_msg_id", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    v.sendText("s1", "socket one");
    await json(await postMessage(conv, visitor.token, "h1", "http one"), 201);
    a.sendText("s2", "agent socket");
    await a.waitForAck("s2");
    await json(await postMessage(conv, team.agent, "h2", "agent http"), 201);
    await v.waitForMessage("h2");

    const page = await getEvents(conv, team.agent, { after: 1 });
    const viaHttp = page.events.filter((e: any) => e.type === "message").map((e: any) => [e.seq, e.server_msg_id, e.client_msg_id]);
    // The agent's socket got the visitor's messages as events and its own socket message as an ack.
    const viaAgentSocket = [
      ...a.messageEvents().map((e) => [e.seq, e.server_msg_id, e.client_msg_id]),
      ...a.ofType("ack").map((f) => [f.seq, f.server_msg_id, f.client_msg_id]),
    ].sort((x, y) => (x[0] as number) - (y[0] as number));
    const viaVisitorSocket = [
      ...v.messageEvents().map((e) => [e.seq, e.server_msg_id, e.client_msg_id]),
      ...v.ofType("ack").map((f) => [f.seq, f.server_msg_id, f.client_msg_id]),
    ].sort((x, y) => (x[0] as number) - (y[0] as number));

    expect(viaHttp.map((m: any) => m[2])).toEqual(["s1", "h1", "s2", "h2"]);
    expect(viaAgentSocket).toEqual(viaHttp);
    expect(viaVisitorSocket).toEqual(viaHttp);
    expect(page).toMatchObject({ conversation_id: conv, state: "queued", head_seq: 6, next_after: 6, complete: true });
  });

  it("pages GET /events with limit and next_after until complete", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    for (let i = 0; i < 5; i++) await json(await postMessage(conv, visitor.token, `p${i}`, `page ${i}`), 201);

    const first = await getEvents(conv, visitor.token, { after: 0, limit: 4 });
    const second = await getEvents(conv, visitor.token, { after: first.next_after, limit: 4 });
    const empty = await getEvents(conv, visitor.token, { after: second.next_after });

    expect(first.events.map((e: any) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(first).toMatchObject({ next_after: 4, complete: false, head_seq: 6 });
    expect(second.events.map((e: any) => e.seq)).toEqual([5, 6]);
    expect(second).toMatchObject({ next_after: 6, complete: true });
    expect(empty).toMatchObject({ events: [], next_after: 6, complete: true });
  });

  it("answers GET /events with after beyond the head with 400 seq_out_of_range", async () => {
    const visitor = await newVisitor(team);
    const res = await call(`/api/conversations/${visitor.conversation_id}/events?after=2`, { token: visitor.token });
    expect((await json(res, 400)).error.code).toBe("seq_out_of_range");
  });

  it("holds a long-poll open until a message arrives over a socket and returns just that event", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const a = await connect(conv, team.agent);
    let settled = false;
    const started = Date.now();
    const poll = getEvents(conv, visitor.token, { after: 1, wait: 10 }).finally(() => {
      settled = true;
    });
    // A round trip through the object: the poll has had every chance to answer early if it was going to.
    await a.barrier();
    await json(await call(`/api/conversations/${conv}`, { token: team.agent }), 200);
    expect(settled).toBe(false);

    a.sendText("wake", "wake up");
    const ack = await a.waitForAck("wake");
    const page = await poll;

    expect(Date.now() - started).toBeLessThan(10_000);
    // The agent's public message: its join (2) and the message (3).
    expect(page.events.map((e: any) => [e.seq, e.type])).toEqual([
      [2, "participant_joined"],
      [3, "message"],
    ]);
    expect(page.events[1].server_msg_id).toBe(ack.server_msg_id);
    expect(page).toMatchObject({ next_after: 3, complete: true, head_seq: 3 });
  });

  it("keeps a visitor's long-poll waiting through an internal note and answers with the next public event", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const a = await connect(conv, team.agent);
    a.sendText("hello", "hello");
    await a.waitForAck("hello");
    const poll = getEvents(conv, visitor.token, { after: 3, wait: 10 });
    // Round trips through the object, so the poll is waiting before the note is written.
    await json(await call(`/api/conversations/${conv}`, { token: team.agent }), 200);
    await a.barrier();

    a.sendText("note", "the visitor must not see this", { visibility: "internal" });
    await a.waitForAck("note");
    await a.barrier();
    a.sendText("reply", "a public reply");
    const reply = await a.waitForAck("reply");
    const page = await poll;

    expect(page.events.map((e: any) => [e.seq, e.client_msg_id])).toEqual([[reply.seq, "reply"]]);
    expect(page).toMatchObject({ next_after: reply.seq, complete: true });
  });

  it("returns an empty page when a long-poll's wait runs out with nothing new", async () => {
    const visitor = await newVisitor(team);
    const started = Date.now();
    const page = await getEvents(visitor.conversation_id, visitor.token, { after: 1, wait: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(page).toMatchObject({ events: [], next_after: 1, complete: true, head_seq: 1 });
  });

  it("records receipts from POST /receipts in the participants' watermarks and tells the sender's socket", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    await json(await post(`/api/conversations/${conv}/state`, team.agent, { to: "serving" }), 200);
    v.sendText("q", "question");
    const ack = await v.waitForAck("q");

    const delivered = await json(await post(`/api/conversations/${conv}/receipts`, team.agent, { status: "delivered", up_to_seq: ack.seq }), 200);
    const deliveredFrame = await v.waitFor("a delivered frame", (f) => f.type === "delivery" && f.status === "delivered");
    const read = await json(await post(`/api/conversations/${conv}/receipts`, team.agent, { status: "read", up_to_seq: ack.seq }), 200);
    const readFrame = await v.waitFor("a read frame", (f) => f.type === "delivery" && f.status === "read");
    const events = await getEvents(conv, visitor.token, { after: ack.seq });

    const agentId = userId(team, "agent");
    expect(delivered.participants.find((p: any) => p.id === agentId)).toMatchObject({ delivered_seq: ack.seq, read_seq: 0 });
    expect(read.participants.find((p: any) => p.id === agentId)).toMatchObject({ delivered_seq: ack.seq, read_seq: ack.seq });
    expect(deliveredFrame).toMatchObject({ by: { role: "agent", id: agentId }, up_to_seq: ack.seq });
    expect(readFrame).toMatchObject({ by: { role: "agent", id: agentId }, up_to_seq: ack.seq });
    expect(events.participants.find((p: any) => p.id === agentId)).toMatchObject({ delivered_seq: ack.seq, read_seq: ack.seq });
  });

  it("changes state with POST /state and fans the state_changed event out to sockets", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const snapshot = await json(await post(`/api/conversations/${conv}/state`, team.agent, { to: "serving", reason: "picked up" }), 200);
    const changed = await v.waitFor("the state_changed event", (f) => f.type === "event" && f.event.type === "state_changed");

    expect(snapshot).toMatchObject({ state: "serving", head_seq: 3 });
    expect(snapshot.participants.map((p: any) => p.id)).toEqual([visitor.contact_id, userId(team, "agent")]);
    expect(changed.event).toMatchObject({ seq: 3, from: "queued", to: "serving", reason: "picked up", by: { id: userId(team, "agent") } });
    expect(v.eventSeqs()).toEqual([1, 2, 3]);
  });
});
