import { beforeAll, describe, expect, it } from "vitest";
import { allEvents, call, json, post, postMessage } from "../support/api.ts";
import { createTeam, newVisitor, type Team, userId } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect } from "../support/socket.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

function setState(conversationId: string, token: string, to: string) {
  return post(`/api/conversations/${conversationId}/state`, token, { to });
}

describe("the conversation state machine", () => {
  it("adds an agent who takes a queued conversation to serving as a participant, with participant_joined before state_changed", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    a.send({ type: "state", to: "serving" });
    await v.waitForEvent(3);
    const snapshot = await json(await call(`/api/conversations/${conv}`, { token: visitor.token }), 200);

    const agent = expect.objectContaining({ role: "agent", id: userId(team, "agent") });
    expect(v.frames.filter((f) => f.type === "event").map((f) => f.event)).toEqual([
      expect.objectContaining({ seq: 1, type: "conversation_started" }),
      expect.objectContaining({ seq: 2, type: "participant_joined", participant: agent }),
      expect.objectContaining({ seq: 3, type: "state_changed", from: "queued", to: "serving", by: agent }),
    ]);
    expect(snapshot.state).toBe("serving");
    expect(snapshot.participants.map((p: any) => [p.role, p.id])).toEqual([
      ["visitor", visitor.contact_id],
      ["agent", userId(team, "agent")],
    ]);
  });

  it("does not add an agent who already joined a second time when it takes the conversation", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    await json(await postMessage(conv, team.agent, "hello", "hello, I'll take this"), 201);
    await json(await setState(conv, team.agent, "serving"), 200);
    expect((await allEvents(conv, team.agent)).map((e) => e.type)).toEqual([
      "conversation_started",
      "participant_joined",
      "message",
      "state_changed",
    ]);
  });

  it("goes through serving, transferring, serving, queued and ended when staff ask in that order", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const steps: Array<[string, string]> = [
      [team.agent, "serving"],
      [team.agent, "transferring"],
      [team.agent2, "serving"],
      [team.agent2, "queued"],
      [team.supervisor, "offline"],
      [team.supervisor, "serving"],
      [team.agent, "ended"],
    ];
    const states: string[] = [];
    for (const [token, to] of steps) states.push((await json(await setState(conv, token, to), 200)).state);
    expect(states).toEqual(steps.map(([, to]) => to));
    const changes = (await allEvents(conv, team.agent)).filter((e) => e.type === "state_changed").map((e) => `${e.from}>${e.to}`);
    expect(changes).toEqual([
      "queued>serving",
      "serving>transferring",
      "transferring>serving",
      "serving>queued",
      "queued>offline",
      "offline>serving",
      "serving>ended",
    ]);
  });

  it("refuses an invalid transition with invalid_transition on the socket and 409 over HTTP, changing nothing", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const a = await connect(conv, team.agent);
    a.send({ type: "state", to: "transferring" });
    const socketError = await a.waitForError("invalid_transition");
    await json(await setState(conv, team.agent, "serving"), 200);
    const httpError = await json(await setState(conv, team.agent, "serving"), 409);

    expect(socketError.message).toMatch(/queued/);
    expect(httpError.error).toMatchObject({
      code: "invalid_transition",
      details: { from: "serving", to: "serving", allowed: ["transferring", "queued", "ended"] },
    });
    const log = await allEvents(conv, team.agent);
    expect(log.filter((e) => e.type === "state_changed").map((e) => e.to)).toEqual(["serving"]);
  });

  it("refuses a visitor asking for serving with forbidden, on the socket and over HTTP", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    v.send({ type: "state", to: "serving" });
    await v.waitForError("forbidden");
    const http = await json(await setState(conv, visitor.token, "serving"), 403);
    expect(http.error.code).toBe("forbidden");
    const snapshot = await json(await call(`/api/conversations/${conv}`, { token: visitor.token }), 200);
    expect(snapshot).toMatchObject({ state: "queued", head_seq: 1 });
  });

  it("refuses an agent moving a conversation offline with forbidden", async () => {
    const visitor = await newVisitor(team);
    const http = await json(await setState(visitor.conversation_id, team.agent, "offline"), 403);
    expect(http.error.code).toBe("forbidden");
  });

  it("lets the visitor end the conversation, after which messages get conversation_ended on the socket and 409 over HTTP", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    v.sendText("before", "bye");
    const before = await v.waitForAck("before");
    v.send({ type: "state", to: "ended" });
    await a.waitFor("the ended event", (f) => f.type === "event" && f.event.type === "state_changed" && f.event.to === "ended");

    v.sendText("after", "one more thing");
    const socketError = await v.waitForError("conversation_ended");
    const httpVisitor = await json(await postMessage(conv, visitor.token, "after-http", "hello?"), 409);
    const httpAgent = await json(await postMessage(conv, team.agent, "agent-after", "sorry"), 409);
    a.sendText("agent-socket-after", "sorry again");
    await a.waitForError("conversation_ended");
    const reopen = await json(await setState(conv, team.agent, "serving"), 409);

    expect(socketError.client_msg_id).toBe("after");
    expect(httpVisitor.error.code).toBe("conversation_ended");
    expect(httpAgent.error.code).toBe("conversation_ended");
    expect(reopen.error.code).toBe("invalid_transition");
    const log = await allEvents(conv, team.agent);
    expect(log.map((e) => e.type)).toEqual(["conversation_started", "message", "state_changed"]);
    expect(log[2]).toMatchObject({ from: "queued", to: "ended", by: { role: "visitor" } });
    expect(before.seq).toBe(2);
  });

  it("still acks a re-send of a message accepted before the end as the original, not as an error", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const first = await json(await postMessage(conv, visitor.token, "last-words", "thanks"), 201);
    await json(await setState(conv, visitor.token, "ended"), 200);
    const again = await json(await postMessage(conv, visitor.token, "last-words", "thanks"), 200);
    expect(again).toMatchObject({ seq: first.seq, server_msg_id: first.server_msg_id, duplicate: true });
  });
});
