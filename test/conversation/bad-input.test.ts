import { beforeAll, describe, expect, it } from "vitest";
import { call, json, messageLog, post, postMessage } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect, upgrade } from "../support/socket.ts";
import { LIMITS, newId } from "../../src/model/index.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

/**
 * Sends a valid message, then `bad`, then another valid message on one socket: the bad input gets
 * an error frame with `code`, the socket keeps working, and both valid messages are in the log.
 */
async function refusedOnSocket(as: "visitor" | "agent", bad: (conv: string, head: number) => unknown, code: string) {
  const visitor = await newVisitor(team);
  const conv = visitor.conversation_id;
  const s = await connect(conv, as === "visitor" ? visitor.token : team.agent);
  s.sendText("before", "accepted before");
  const before = await s.waitForAck("before");
  const from = s.frames.length;
  s.send(bad(conv, before.seq));
  const error = await s.waitForError(code, from);
  s.sendText("after", "accepted after");
  const after = await s.waitForAck("after");

  expect(s.closed).toBeNull();
  expect(after.seq).toBe(before.seq + 1);
  // Exactly one frame answered the bad input: its error.
  expect(s.frames.slice(from, s.frames.indexOf(after)).map((f) => f.type)).toEqual(["error"]);
  expect((await messageLog(conv, team.agent)).map((e) => e.client_msg_id)).toEqual(["before", "after"]);
  return error;
}

const text = (clientMsgId: string, body: string) => ({ type: "message", client_msg_id: clientMsgId, content: { kind: "text", text: body } });

describe("bad socket input", () => {
  it("answers text that is not JSON with invalid_json and keeps the socket usable", async () => {
    await refusedOnSocket("visitor", () => '{"type":"message",', "invalid_json");
  });

  it("answers an unknown frame type with unknown_frame_type and keeps the socket usable", async () => {
    await refusedOnSocket("visitor", () => ({ type: "shout", text: "HELLO" }), "unknown_frame_type");
  });

  it("answers a message with empty text with invalid_frame naming its client_msg_id", async () => {
    const error = await refusedOnSocket("visitor", () => text("blank", "   "), "invalid_frame");
    expect(error.client_msg_id).toBe("blank");
  });

  it("answers a message without a client_msg_id with invalid_frame", async () => {
    const error = await refusedOnSocket("visitor", () => ({ type: "message", content: { kind: "text", text: "hi" } }), "invalid_frame");
    expect(error.client_msg_id).toBeUndefined();
  });

  it("answers a JSON value that is not an object with invalid_frame", async () => {
    await refusedOnSocket("visitor", () => "[1,2,3]", "invalid_frame");
  });

  it("answers a binary frame with binary_not_supported", async () => {
    await refusedOnSocket("visitor", () => new TextEncoder().encode(JSON.stringify(text("bin", "binary"))), "binary_not_supported");
  });

  it("answers a frame over 64 KiB with frame_too_large", async () => {
    await refusedOnSocket("visitor", () => JSON.stringify(text("huge", "a".repeat(LIMITS.maxFrameBytes))), "frame_too_large");
  });

  it("counts a frame's size in UTF-8 bytes, not characters", async () => {
    const body = "€".repeat(Math.ceil(LIMITS.maxFrameBytes / 3) + 10);
    expect(body.length).toBeLessThan(LIMITS.maxFrameBytes);
    await refusedOnSocket("visitor", () => JSON.stringify(text("euro", body)), "frame_too_large");
  });

  it("answers a frame addressed to another conversation with wrong_conversation", async () => {
    const error = await refusedOnSocket("visitor", () => ({ ...text("elsewhere", "hi"), conversation_id: newId("conversation") }), "wrong_conversation");
    expect(error.client_msg_id).toBe("elsewhere");
  });

  it("answers a visitor's internal note with forbidden", async () => {
    await refusedOnSocket("visitor", () => ({ ...text("sneaky", "psst"), visibility: "internal" }), "forbidden");
  });

  it("answers a receipt beyond the head with seq_out_of_range", async () => {
    await refusedOnSocket("agent", (_conv, head) => ({ type: "receipt", status: "read", up_to_seq: head + 1 }), "seq_out_of_range");
  });

  it("answers a sync beyond the head with seq_out_of_range", async () => {
    await refusedOnSocket("agent", (_conv, head) => ({ type: "sync", after_seq: head + 5 }), "seq_out_of_range");
  });

  it("accepts a frame that names its own conversation", async () => {
    const visitor = await newVisitor(team);
    const s = await connect(visitor.conversation_id, visitor.token);
    s.send({ ...text("addressed", "hi"), conversation_id: visitor.conversation_id });
    expect(await s.waitForAck("addressed")).toMatchObject({ seq: 2, duplicate: false });
  });
});

describe("bad HTTP input", () => {
  it("answers a body that is not JSON with 400 invalid_json and stores nothing", async () => {
    const visitor = await newVisitor(team);
    await json(await postMessage(visitor.conversation_id, visitor.token, "ok", "fine"), 201);
    const res = await call(`/api/conversations/${visitor.conversation_id}/messages`, {
      method: "POST",
      token: visitor.token,
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect((await json(res, 400)).error.code).toBe("invalid_json");
    expect((await messageLog(visitor.conversation_id, team.agent)).map((e) => e.client_msg_id)).toEqual(["ok"]);
  });

  it("answers a schema-invalid body with 400 invalid_request and details naming the field", async () => {
    const visitor = await newVisitor(team);
    const res = await post(`/api/conversations/${visitor.conversation_id}/messages`, visitor.token, { content: { kind: "text", text: "hi" } });
    const body = await json(res, 400);
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details).toEqual([expect.objectContaining({ path: "client_msg_id" })]);
  });

  it("answers a body over 64 KiB with 413 frame_too_large and stores nothing", async () => {
    const visitor = await newVisitor(team);
    const res = await postMessage(visitor.conversation_id, visitor.token, "huge", "a".repeat(LIMITS.maxFrameBytes));
    expect((await json(res, 413)).error.code).toBe("frame_too_large");
    expect(await messageLog(visitor.conversation_id, team.agent)).toEqual([]);
  });

  it("answers a message addressed to another conversation with 400 wrong_conversation", async () => {
    const visitor = await newVisitor(team);
    const res = await post(`/api/conversations/${visitor.conversation_id}/messages`, visitor.token, {
      ...text("x", "hi"),
      type: undefined,
      conversation_id: newId("conversation"),
    });
    expect((await json(res, 400)).error.code).toBe("wrong_conversation");
  });

  it("answers an invalid events query with 400 invalid_request", async () => {
    const visitor = await newVisitor(team);
    for (const query of ["after=-1", "limit=0", `limit=${LIMITS.replayPage + 1}`, `wait=${LIMITS.maxLongPollSeconds + 1}`, "after=abc"]) {
      const res = await call(`/api/conversations/${visitor.conversation_id}/events?${query}`, { token: visitor.token });
      expect({ query, code: (await json(res, 400)).error.code }).toEqual({ query, code: "invalid_request" });
    }
  });

  it("answers an unknown route with 404 not_found", async () => {
    const res = await call("/api/nothing-here");
    expect((await json(res, 404)).error.code).toBe("not_found");
  });

  it("answers a conversation that does not exist with 404 not_found", async () => {
    const visitor = await newVisitor(team);
    for (const id of [newId("conversation"), "not-an-id"]) {
      const res = await call(`/api/conversations/${id}/events`, { token: team.agent });
      expect({ id, code: (await json(res, 404)).error.code }).toEqual({ id, code: "not_found" });
    }
    expect(visitor.conversation_id).toMatch(/^cv_/);
  });

  it("answers a request without a token with 401 unauthorized", async () => {
    const visitor = await newVisitor(team);
    const res = await call(`/api/conversations/${visitor.conversation_id}/events`);
    expect((await json(res, 401)).error.code).toBe("unauthorized");
  });

  it("answers a garbage token with 401 unauthorized", async () => {
    const visitor = await newVisitor(team);
    for (const token of ["garbage", "st1.garbage", "vt1.garbage.garbage"]) {
      const res = await call(`/api/conversations/${visitor.conversation_id}/events`, { token });
      expect({ token, code: (await json(res, 401)).error.code }).toEqual({ token, code: "unauthorized" });
    }
  });

  it("refuses a WebSocket upgrade with last_seq beyond the head with 400 seq_out_of_range", async () => {
    const visitor = await newVisitor(team);
    for (const lastSeq of ["2", "-1", "1.5", "abc"]) {
      const res = await upgrade(visitor.conversation_id, visitor.token, { last_seq: lastSeq });
      expect(res.webSocket).toBeNull();
      expect({ lastSeq, code: (await json(res, 400)).error.code }).toEqual({ lastSeq, code: "seq_out_of_range" });
    }
  });

  it("answers GET /ws without an upgrade with 426 upgrade_required", async () => {
    const visitor = await newVisitor(team);
    const res = await upgrade(visitor.conversation_id, visitor.token, {}, {});
    expect((await json(res, 426)).error.code).toBe("upgrade_required");
  });

  it("refuses a WebSocket upgrade without a token with 401", async () => {
    const visitor = await newVisitor(team);
    const res = await upgrade(visitor.conversation_id, undefined);
    expect(res.webSocket).toBeNull();
    expect((await json(res, 401)).error.code).toBe("unauthorized");
  });
});
