import { beforeAll, describe, expect, it } from "vitest";
import { allEvents, getEvents, json, post, postMessage } from "../support/api.ts";
import { createTeam, newVisitor, type Team, userId } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect } from "../support/socket.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

/** A conversation the first agent has joined (state serving) without a socket of its own. */
async function servedConversation() {
  const visitor = await newVisitor(team);
  await json(await post(`/api/conversations/${visitor.conversation_id}/state`, team.agent, { to: "serving" }), 200);
  return visitor;
}

describe("delivery state", () => {
  it("acks a message as queued when no other participant is connected", async () => {
    const visitor = await newVisitor(team);
    const v = await connect(visitor.conversation_id, visitor.token);
    v.sendText("alone", "anyone there?");
    expect(await v.waitForAck("alone")).toMatchObject({ status: "queued", duplicate: false });
  });

  it("acks a message as queued when the other participant has joined but is not connected", async () => {
    const visitor = await servedConversation();
    const v = await connect(visitor.conversation_id, visitor.token);
    v.sendText("m", "are you there?");
    expect(await v.waitForAck("m")).toMatchObject({ status: "queued" });
  });

  it("acks a message as dispatched when another participant is connected, in both directions", async () => {
    const visitor = await servedConversation();
    const v = await connect(visitor.conversation_id, visitor.token);
    const a = await connect(visitor.conversation_id, team.agent);
    v.sendText("v1", "hello");
    const visitorAck = await v.waitForAck("v1");
    a.sendText("a1", "hi, how can I help?");
    const agentAck = await a.waitForAck("a1");
    const http = await json(await postMessage(visitor.conversation_id, visitor.token, "v2", "over http"), 201);

    expect(visitorAck.status).toBe("dispatched");
    expect(agentAck.status).toBe("dispatched");
    expect(http.status).toBe("dispatched");
  });

  it("sends the sender a delivery frame when the recipient reports delivered, then read, and shows both watermarks in GET events", async () => {
    const visitor = await servedConversation();
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    v.sendText("q1", "first");
    v.sendText("q2", "second");
    const ack2 = await v.waitForAck("q2");
    await a.waitForMessage("q2");

    a.send({ type: "receipt", status: "delivered", up_to_seq: ack2.seq });
    const delivered = await v.waitFor("a delivered frame", (f) => f.type === "delivery" && f.status === "delivered");
    a.send({ type: "receipt", status: "read", up_to_seq: ack2.seq - 1 });
    const read = await v.waitFor("a read frame", (f) => f.type === "delivery" && f.status === "read");
    const page = await getEvents(conv, visitor.token, { after: ack2.seq });
    await a.barrier();

    const agent = { role: "agent", id: userId(team, "agent") };
    expect(delivered).toEqual({ type: "delivery", by: expect.objectContaining(agent), status: "delivered", up_to_seq: ack2.seq });
    expect(read).toEqual({ type: "delivery", by: expect.objectContaining(agent), status: "read", up_to_seq: ack2.seq - 1 });
    expect(page.participants.find((p: any) => p.id === agent.id)).toMatchObject({ delivered_seq: ack2.seq, read_seq: ack2.seq - 1 });
    // The reporter does not get its own delivery frames back.
    expect(a.ofType("delivery")).toEqual([]);
  });

  it("reports a re-sent message's current status in the duplicate ack", async () => {
    const visitor = await servedConversation();
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    v.sendText("m", "hello");
    const first = await v.waitForAck("m");
    await json(await post(`/api/conversations/${conv}/receipts`, team.agent, { status: "read", up_to_seq: first.seq }), 200);
    await v.waitFor("the read frame", (f) => f.type === "delivery" && f.status === "read");

    const from = v.frames.length;
    v.sendText("m", "hello");
    const again = await v.waitForAck("m", from);
    expect(first.status).toBe("queued");
    expect(again).toMatchObject({ seq: first.seq, duplicate: true, status: "read" });
  });

  it("never lowers a watermark and sends no frame for a receipt that moves nothing", async () => {
    const visitor = await servedConversation();
    const conv = visitor.conversation_id;
    for (let i = 0; i < 3; i++) await json(await postMessage(conv, visitor.token, `m${i}`, `m${i}`), 201);
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    const start = v.frames.length;

    a.send({ type: "receipt", status: "read", up_to_seq: 6 });
    await v.waitFor("the read frame", (f) => f.type === "delivery" && f.status === "read", start);
    a.send({ type: "receipt", status: "delivered", up_to_seq: 4 });
    a.send({ type: "receipt", status: "read", up_to_seq: 5 });
    await a.barrier();
    await v.barrier();

    expect(v.frames.slice(start).filter((f) => f.type === "delivery")).toEqual([
      { type: "delivery", by: expect.objectContaining({ id: userId(team, "agent") }), status: "read", up_to_seq: 6 },
    ]);
    const page = await getEvents(conv, team.agent, { after: 6 });
    expect(page.participants.find((p: any) => p.id === userId(team, "agent"))).toMatchObject({ delivered_seq: 6, read_seq: 6, dispatched_seq: 6 });
  });

  it("tells the sender its message was dispatched when the recipient reconnects and replays it", async () => {
    const visitor = await servedConversation();
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    v.sendText("while-away", "the agent is offline");
    const ack = await v.waitForAck("while-away");
    expect(ack.status).toBe("queued");

    const a = await connect(conv, team.agent);
    const frame = await v.waitFor("a dispatched frame", (f) => f.type === "delivery" && f.status === "dispatched");
    expect(frame).toMatchObject({ by: { id: userId(team, "agent") }, up_to_seq: ack.seq });
    expect(a.eventSeqs()).toEqual([1, 2, 3, 4]);
  });

  it("tells the sender its message was dispatched when the recipient fetches it over HTTP", async () => {
    const visitor = await servedConversation();
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    v.sendText("polled", "the agent polls over http");
    const ack = await v.waitForAck("polled");
    expect(ack.status).toBe("queued");

    const page = await getEvents(conv, team.agent, { after: 0 });
    const frame = await v.waitFor("a dispatched frame", (f) => f.type === "delivery" && f.status === "dispatched");
    expect(page.events.map((e: any) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(frame).toMatchObject({ by: { id: userId(team, "agent") }, up_to_seq: ack.seq });
    expect(page.participants.find((p: any) => p.id === userId(team, "agent"))).toMatchObject({ dispatched_seq: ack.seq });
  });

  it("ignores receipts from a supervisor who watches without taking part", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const s = await connect(conv, team.supervisor);
    v.sendText("m", "hello");
    const ack = await v.waitForAck("m");
    s.send({ type: "receipt", status: "read", up_to_seq: ack.seq });
    await s.barrier();
    await v.barrier();
    const page = await getEvents(conv, team.supervisor, { after: ack.seq });

    expect(ack.status).toBe("queued");
    expect(v.ofType("delivery")).toEqual([]);
    expect(page.participants.map((p: any) => p.id)).toEqual([visitor.contact_id]);
  });
});

describe("typing", () => {
  it("relays typing to the other participants without a seq and never logs it", async () => {
    const visitor = await servedConversation();
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    const headBefore = (await getEvents(conv, team.agent)).head_seq;

    v.send({ type: "typing", active: true });
    const toAgent = await a.waitForType("typing");
    a.send({ type: "typing", active: false });
    const toVisitor = await v.waitForType("typing");
    await v.barrier();
    await a.barrier();

    expect(toAgent).toEqual({ type: "typing", participant: { role: "visitor", id: visitor.contact_id }, active: true });
    expect(toVisitor).toEqual({ type: "typing", participant: expect.objectContaining({ role: "agent", id: userId(team, "agent") }), active: false });
    // Nobody gets their own typing back, and typing never takes a seq.
    expect(v.ofType("typing")).toHaveLength(1);
    expect(a.ofType("typing")).toHaveLength(1);
    const log = await allEvents(conv, team.agent);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(log[log.length - 1].seq).toBe(headBefore);
  });

  it("shows a watching supervisor's typing to staff but not to the visitor", async () => {
    const visitor = await servedConversation();
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    const s = await connect(conv, team.supervisor);
    s.send({ type: "typing", active: true });
    const toAgent = await a.waitForType("typing");
    await s.barrier();
    await v.barrier();
    expect(toAgent.participant).toMatchObject({ role: "supervisor", id: userId(team, "supervisor") });
    expect(v.ofType("typing")).toEqual([]);
  });
});
