import { beforeAll, describe, expect, it } from "vitest";
import { call, json, postMessage } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect, openSocket } from "../support/socket.ts";
import { LIMITS, PING_TEXT } from "../../src/model/index.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

describe("a conversation socket", () => {
  it("opens with a welcome naming the caller, the state, the head, the resume point, the participants and the limits", async () => {
    const visitor = await newVisitor(team);
    await json(await postMessage(visitor.conversation_id, visitor.token, "m1", "hi"), 201);
    const s = await openSocket(visitor.conversation_id, visitor.token, 1);
    await s.waitForSynced(true);
    expect(s.frames[0]).toEqual({
      type: "welcome",
      workspace_id: team.workspaceId,
      conversation_id: visitor.conversation_id,
      you: { role: "visitor", id: visitor.contact_id },
      state: "queued",
      head_seq: 2,
      resume_from: 1,
      participants: [expect.objectContaining({ role: "visitor", id: visitor.contact_id })],
      limits: { max_frame_bytes: LIMITS.maxFrameBytes, text_chars: LIMITS.textChars, replay_page: LIMITS.replayPage },
    });
    expect(s.frames.map((f) => f.type)).toEqual(["welcome", "event", "synced"]);
  });

  it("answers the exact keep-alive text with a pong and nothing else", async () => {
    const visitor = await newVisitor(team);
    const s = await connect(visitor.conversation_id, visitor.token);
    const from = s.frames.length;
    s.send(PING_TEXT);
    await s.waitForType("pong", from);
    await s.barrier();
    expect(s.frames.slice(from).map((f) => f.type)).toEqual(["pong", "pong"]);
    const snapshot = await json(await call(`/api/conversations/${visitor.conversation_id}`, { token: visitor.token }), 200);
    expect(snapshot.head_seq).toBe(1);
  });

  it("delivers a message to the sender's other sockets but not back to the socket that sent it", async () => {
    const visitor = await newVisitor(team);
    const tab1 = await connect(visitor.conversation_id, visitor.token);
    const tab2 = await connect(visitor.conversation_id, visitor.token);
    tab1.sendText("from-tab-1", "hello");
    const ack = await tab1.waitForAck("from-tab-1");
    const seen = await tab2.waitForMessage("from-tab-1");
    await tab1.barrier();
    expect(seen).toMatchObject({ seq: ack.seq, server_msg_id: ack.server_msg_id });
    expect(tab1.messageEvents()).toEqual([]);
    expect(tab2.ofType("ack")).toEqual([]);
  });

  it("delivers a message the sender posted over HTTP to the sender's open socket", async () => {
    const visitor = await newVisitor(team);
    const s = await connect(visitor.conversation_id, visitor.token);
    const ack = await json(await postMessage(visitor.conversation_id, visitor.token, "http", "from http"), 201);
    expect(await s.waitForMessage("http")).toMatchObject({ seq: ack.seq, server_msg_id: ack.server_msg_id });
  });

  it("completes the closing handshake when the client closes", async () => {
    const visitor = await newVisitor(team);
    const s = await connect(visitor.conversation_id, visitor.token);
    s.ws.close(4000, "bye");
    expect(await s.waitForClose()).toEqual({ code: 4000, reason: "bye" });
  });
});
