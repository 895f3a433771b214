import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { signVisitorToken } from "../../src/auth/index.ts";
import { call, json, messageLog, post, postMessage } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect, upgrade } from "../support/socket.ts";

closeSocketsAfterEach();

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

/** Every way to read or write a conversation, as [name, request]. */
function everyRoute(conv: string, token: string): Array<[string, () => Promise<Response>]> {
  return [
    ["snapshot", () => call(`/api/conversations/${conv}`, { token })],
    ["events", () => call(`/api/conversations/${conv}/events`, { token })],
    ["socket", () => upgrade(conv, token)],
    ["message", () => postMessage(conv, token, "intruder", "hi")],
    ["state", () => post(`/api/conversations/${conv}/state`, token, { to: "ended" })],
    ["receipt", () => post(`/api/conversations/${conv}/receipts`, token, { status: "read", up_to_seq: 1 })],
  ];
}

async function statuses(conv: string, token: string) {
  const out: Record<string, string> = {};
  for (const [name, request] of everyRoute(conv, token)) {
    const res = await request();
    out[name] = `${res.status} ${(await json(res)).error?.code}`;
  }
  return out;
}

describe("access to a conversation", () => {
  it("refuses another visitor of the same workspace every read and write with 403 forbidden", async () => {
    const owner = await newVisitor(team);
    const stranger = await newVisitor(team);
    const s = await connect(owner.conversation_id, owner.token);
    const result = await statuses(owner.conversation_id, stranger.token);
    await s.barrier();

    expect(result).toEqual({
      snapshot: "403 forbidden",
      events: "403 forbidden",
      socket: "403 forbidden",
      message: "403 forbidden",
      state: "403 forbidden",
      receipt: "403 forbidden",
    });
    expect(s.frames.filter((f) => f.type === "event").map((f) => f.event.seq)).toEqual([1]);
    const snapshot = await json(await call(`/api/conversations/${owner.conversation_id}`, { token: owner.token }), 200);
    expect(snapshot).toMatchObject({ state: "queued", head_seq: 1 });
  });

  it("answers a user of another workspace 404 not_found on every route, as if the conversation did not exist", async () => {
    const visitor = await newVisitor(team);
    const result = await statuses(visitor.conversation_id, other.agent);
    expect(result).toEqual({
      snapshot: "404 not_found",
      events: "404 not_found",
      socket: "404 not_found",
      message: "404 not_found",
      state: "404 not_found",
      receipt: "404 not_found",
    });
    expect(await messageLog(visitor.conversation_id, team.agent)).toEqual([]);
  });

  it("answers a visitor of another workspace 404 not_found", async () => {
    const visitor = await newVisitor(team);
    const foreign = await newVisitor(other);
    const res = await call(`/api/conversations/${visitor.conversation_id}/events`, { token: foreign.token });
    expect((await json(res, 404)).error.code).toBe("not_found");
  });

  it("refuses a visitor the conversation list with 403", async () => {
    const visitor = await newVisitor(team);
    const res = await call("/api/conversations", { token: visitor.token });
    expect((await json(res, 403)).error.code).toBe("forbidden");
  });

  it("refuses a visitor token whose payload was tampered with 401", async () => {
    const owner = await newVisitor(team);
    const stranger = await newVisitor(team);
    // Swap the stranger's claims into the owner's token: the signature no longer matches.
    const [prefix, , sig] = owner.token.split(".");
    const [, strangerClaims] = stranger.token.split(".");
    const tampered = `${prefix}.${strangerClaims}.${sig}`;
    for (const token of [tampered, owner.token.slice(0, -2) + (owner.token.endsWith("AA") ? "BB" : "AA")]) {
      const res = await call(`/api/conversations/${stranger.conversation_id}/events`, { token });
      expect((await json(res, 401)).error.code).toBe("unauthorized");
    }
  });

  it("refuses an expired visitor token with 401", async () => {
    const owner = await newVisitor(team);
    const expired = await signVisitorToken(
      { ws: team.workspaceId, ct: owner.contact_id, vid: owner.visitor_id, exp: Math.floor(Date.now() / 1000) - 1 },
      env.TOKEN_SECRET!,
    );
    const fresh = await signVisitorToken(
      { ws: team.workspaceId, ct: owner.contact_id, vid: owner.visitor_id, exp: Math.floor(Date.now() / 1000) + 60 },
      env.TOKEN_SECRET!,
    );
    const refused = await call(`/api/conversations/${owner.conversation_id}/events`, { token: expired });
    const socket = await upgrade(owner.conversation_id, expired);
    const accepted = await call(`/api/conversations/${owner.conversation_id}/events`, { token: fresh });
    expect((await json(refused, 401)).error.code).toBe("unauthorized");
    expect(socket.status).toBe(401);
    await socket.body?.cancel();
    expect(accepted.status).toBe(200);
    await accepted.body?.cancel();
  });

  it("refuses a visitor token signed with another secret with 401", async () => {
    const owner = await newVisitor(team);
    const forged = await signVisitorToken(
      { ws: team.workspaceId, ct: owner.contact_id, vid: owner.visitor_id, exp: Math.floor(Date.now() / 1000) + 60 },
      "not-the-server-secret-0123456789abcdef",
    );
    const res = await call(`/api/conversations/${owner.conversation_id}/events`, { token: forged });
    expect((await json(res, 401)).error.code).toBe("unauthorized");
  });
});
