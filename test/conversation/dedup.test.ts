import { beforeAll, describe, expect, it } from "vitest";
import { call, json, messageLog, postMessage } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect } from "../support/socket.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

describe("re-sending a client_msg_id", () => {
  it("returns the original seq and server_msg_id flagged duplicate over the socket, and the agent sees the message once", async () => {
    const visitor = await newVisitor(team);
    const v = await connect(visitor.conversation_id, visitor.token);
    const a = await connect(visitor.conversation_id, team.agent);

    v.sendText("m1", "hello");
    const first = await v.waitForAck("m1");
    const resendFrom = v.frames.length;
    v.sendText("m1", "hello again, same id");
    const again = await v.waitForAck("m1", resendFrom);
    v.sendText("m2", "marker");
    await v.waitForAck("m2");
    await a.waitForMessage("m2");

    expect(first).toMatchObject({ seq: 2, duplicate: false });
    expect(again).toEqual({ ...first, duplicate: true, status: again.status });
    expect(a.messageEvents().map((e) => [e.client_msg_id, e.seq])).toEqual([
      ["m1", 2],
      ["m2", 3],
    ]);
    const log = await messageLog(visitor.conversation_id, team.agent);
    expect(log.map((e) => [e.client_msg_id, e.seq, e.server_msg_id, e.content.text])).toEqual([
      ["m1", 2, first.server_msg_id, "hello"],
      ["m2", 3, expect.any(String), "marker"],
    ]);
  });

  it("answers 201 then 200 duplicate=true with the same ids over HTTP, and the agent sees the message once", async () => {
    const visitor = await newVisitor(team);
    const a = await connect(visitor.conversation_id, team.agent);

    const first = await json(await postMessage(visitor.conversation_id, visitor.token, "h1", "over http"), 201);
    const again = await json(await postMessage(visitor.conversation_id, visitor.token, "h1", "over http"), 200);
    await json(await postMessage(visitor.conversation_id, visitor.token, "h2", "marker"), 201);
    await a.waitForMessage("h2");

    expect(first).toMatchObject({ client_msg_id: "h1", seq: 2, duplicate: false });
    expect(again).toEqual({ ...first, duplicate: true, status: again.status });
    expect(a.messageEvents().map((e) => e.client_msg_id)).toEqual(["h1", "h2"]);
    const log = await messageLog(visitor.conversation_id, team.agent);
    expect(log.map((e) => [e.client_msg_id, e.seq, e.server_msg_id])).toEqual([
      ["h1", 2, first.server_msg_id],
      ["h2", 3, expect.any(String)],
    ]);
  });

  it("over HTTP after sending it over the socket returns the socket's ack as a duplicate", async () => {
    const visitor = await newVisitor(team);
    const v = await connect(visitor.conversation_id, visitor.token);
    const a = await connect(visitor.conversation_id, team.agent);

    v.sendText("x1", "first over the socket");
    const ack = await v.waitForAck("x1");
    const res = await postMessage(visitor.conversation_id, visitor.token, "x1", "retried over http");
    const dup = await json(res, 200);
    v.sendText("x2", "marker");
    await a.waitForMessage("x2");

    expect(dup).toEqual({
      client_msg_id: "x1",
      server_msg_id: ack.server_msg_id,
      seq: ack.seq,
      at: ack.at,
      duplicate: true,
      status: dup.status,
    });
    expect(a.messageEvents().map((e) => e.client_msg_id)).toEqual(["x1", "x2"]);
    // The visitor's own socket must not get its HTTP retry echoed back either.
    expect(v.messageEvents()).toEqual([]);
    const log = await messageLog(visitor.conversation_id, team.agent);
    expect(log.map((e) => [e.client_msg_id, e.content.text])).toEqual([
      ["x1", "first over the socket"],
      ["x2", "marker"],
    ]);
  });

  it("over the socket after posting it over HTTP is acked as a duplicate of the HTTP message", async () => {
    const visitor = await newVisitor(team);
    const a = await connect(visitor.conversation_id, team.agent);
    const posted = await json(await postMessage(visitor.conversation_id, visitor.token, "y1", "posted"), 201);

    const v = await connect(visitor.conversation_id, visitor.token);
    v.sendText("y1", "posted");
    const ack = await v.waitForAck("y1");
    v.sendText("y2", "marker");
    await a.waitForMessage("y2");

    expect(ack).toMatchObject({ seq: posted.seq, server_msg_id: posted.server_msg_id, at: posted.at, duplicate: true });
    expect(a.messageEvents().map((e) => e.client_msg_id)).toEqual(["y1", "y2"]);
    expect((await messageLog(visitor.conversation_id, team.agent)).map((e) => e.client_msg_id)).toEqual(["y1", "y2"]);
  });

  it("many times without waiting stores the message once and acks every copy with the same seq", async () => {
    const visitor = await newVisitor(team);
    const v = await connect(visitor.conversation_id, visitor.token);
    const a = await connect(visitor.conversation_id, team.agent);

    for (let i = 0; i < 5; i++) v.sendText("burst", "same message");
    const acks = await v.waitForCount("ack of burst", (f) => f.type === "ack" && f.client_msg_id === "burst", 5);
    v.sendText("after", "marker");
    await a.waitForMessage("after");

    expect(acks.map((f) => f.duplicate)).toEqual([false, true, true, true, true]);
    expect(new Set(acks.map((f) => `${f.seq}/${f.server_msg_id}`)).size).toBe(1);
    expect(a.messageEvents().map((e) => e.client_msg_id)).toEqual(["burst", "after"]);
    expect((await messageLog(visitor.conversation_id, team.agent)).map((e) => [e.client_msg_id, e.seq])).toEqual([
      ["burst", 2],
      ["after", 3],
    ]);
  });

  it("by a different participant gets client_msg_id_conflict on the socket and over HTTP, and nothing is stored", async () => {
    const visitor = await newVisitor(team);
    const v = await connect(visitor.conversation_id, visitor.token);
    const a = await connect(visitor.conversation_id, team.agent);
    v.sendText("shared", "the visitor's");
    await v.waitForAck("shared");
    await a.waitForMessage("shared");
    const framesBefore = v.frames.length;

    a.sendText("shared", "the agent's");
    const error = await a.waitForError("client_msg_id_conflict");
    const res = await postMessage(visitor.conversation_id, team.agent, "shared", "the agent's, over http");
    const body = await json(res, 409);
    await v.barrier();

    expect(error.client_msg_id).toBe("shared");
    expect(body.error.code).toBe("client_msg_id_conflict");
    expect(a.ofType("ack")).toEqual([]);
    // Nothing reached the visitor: no message, and the agent did not join through the refused send.
    expect(v.frames.slice(framesBefore).map((f) => f.type)).toEqual(["pong"]);
    const log = await messageLog(visitor.conversation_id, team.agent);
    expect(log.map((e) => [e.client_msg_id, e.sender.role, e.content.text])).toEqual([["shared", "visitor", "the visitor's"]]);
    const snapshot = await json(await call(`/api/conversations/${visitor.conversation_id}`, { token: team.agent }), 200);
    expect(snapshot.head_seq).toBe(2);
    expect(snapshot.participants.map((p: any) => p.role)).toEqual(["visitor"]);
  });
});

