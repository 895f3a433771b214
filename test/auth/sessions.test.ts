import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createSession } from "../../workers/auth/sessions.ts";
import { database, schema } from "../../workers/db.ts";
import { call, json, post, startVisitor } from "../support/api.ts";
import { createWorkspace, TEST_PASSWORD, userOf } from "../support/workspace.ts";
import type { SeedWorkspace } from "../../src/db/demo-seed.ts";

let seed: SeedWorkspace;
let otherSeed: SeedWorkspace;
beforeAll(async () => {
  [seed, otherSeed] = await Promise.all([createWorkspace(), createWorkspace()]);
});

function loginAs(body: Record<string, unknown>) {
  return post("/api/auth/login", undefined, body);
}

/** The value of one cookie set by a response. */
function setCookie(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

describe("signing in", () => {
  it("returns a session token and the user, and sets an HttpOnly sb_session cookie", async () => {
    const agent = userOf(seed, "agent");
    const res = await loginAs({ workspace: seed.workspace.slug, email: agent.email, password: TEST_PASSWORD });
    const body = await json(res, 200);
    const cookie = setCookie(res, "sb_session");

    expect(body).toEqual({
      token: expect.stringMatching(/^st1\./),
      expires_at: expect.any(Number),
      user: { id: agent.id, workspace_id: seed.workspace.id, email: agent.email, name: agent.name, role: "agent" },
    });
    expect(body.expires_at).toBeGreaterThan(Date.now() + 11 * 60 * 60 * 1000);
    expect(cookie).toBeDefined();
    expect(cookie!.split(";")[0]).toBe(`sb_session=${body.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it("accepts the email in any letter case", async () => {
    const agent = userOf(seed, "agent");
    const res = await loginAs({ workspace: seed.workspace.slug, email: agent.email.toUpperCase(), password: TEST_PASSWORD });
    expect((await json(res, 200)).user.id).toBe(agent.id);
  });

  it("answers a wrong password, an unknown email and a wrong workspace with the same 401", async () => {
    const agent = userOf(seed, "agent");
    const attempts = {
      wrongPassword: { workspace: seed.workspace.slug, email: agent.email, password: "not the password" },
      unknownEmail: { workspace: seed.workspace.slug, email: `nobody@${agent.email.split("@")[1]}`, password: TEST_PASSWORD },
      otherWorkspace: { workspace: otherSeed.workspace.slug, email: agent.email, password: TEST_PASSWORD },
      noSuchWorkspace: { workspace: "no-such-workspace", email: agent.email, password: TEST_PASSWORD },
    };
    const answers: Record<string, unknown> = {};
    for (const [name, body] of Object.entries(attempts)) {
      const res = await loginAs(body);
      answers[name] = { status: res.status, body: await res.json(), cookie: setCookie(res, "sb_session") ?? null };
    }
    const expected = {
      status: 401,
      body: { error: { code: "unauthorized", message: "wrong workspace, email or password, or the account is deactivated" } },
      cookie: null,
    };
    expect(answers).toEqual({ wrongPassword: expected, unknownEmail: expected, otherWorkspace: expected, noSuchWorkspace: expected });
  });

  it("refuses a deactivated account with the same 401 as a wrong password", async () => {
    const fresh = await createWorkspace();
    const agent = userOf(fresh, "agent");
    await database(env.DB).update(schema.users).set({ active: false }).where(eq(schema.users.id, agent.id));
    const res = await loginAs({ workspace: fresh.workspace.slug, email: agent.email, password: TEST_PASSWORD });
    expect((await json(res, 401)).error.message).toBe("wrong workspace, email or password, or the account is deactivated");
  });

  it("answers a malformed login body with 400 invalid_request", async () => {
    const res = await loginAs({ workspace: "X", email: "not-an-email", password: "" });
    const body = await json(res, 400);
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.details.map((d: any) => d.path).sort()).toEqual(["email", "password", "workspace"]);
  });
});

describe("a session", () => {
  it("identifies the user on GET /api/auth/me with a bearer token", async () => {
    const admin = userOf(seed, "admin");
    const { token } = await json(await loginAs({ workspace: seed.workspace.slug, email: admin.email, password: TEST_PASSWORD }), 200);
    const me = await json(await call("/api/auth/me", { token }), 200);
    expect(me).toEqual({
      user: { id: admin.id, workspace_id: seed.workspace.id, email: admin.email, name: admin.name, role: "admin" },
      expires_at: expect.any(Number),
    });
  });

  it("identifies the user on GET /api/auth/me with the session cookie alone", async () => {
    const supervisor = userOf(seed, "supervisor");
    const res = await loginAs({ workspace: seed.workspace.slug, email: supervisor.email, password: TEST_PASSWORD });
    await res.body?.cancel();
    const cookie = setCookie(res, "sb_session")!.split(";")[0]!;
    const me = await json(await call("/api/auth/me", { headers: { cookie } }), 200);
    expect(me.user).toMatchObject({ id: supervisor.id, role: "supervisor" });
  });

  it("is revoked by logout: the token and the cookie stop working at once", async () => {
    const agent = userOf(seed, "agent", 1);
    const res = await loginAs({ workspace: seed.workspace.slug, email: agent.email, password: TEST_PASSWORD });
    const { token } = await json(res, 200);
    const cookie = setCookie(res, "sb_session")!.split(";")[0]!;
    await json(await call("/api/auth/me", { token }), 200);

    const logout = await call("/api/auth/logout", { method: "POST", token });
    const cleared = setCookie(logout, "sb_session");
    const afterBearer = await call("/api/auth/me", { token });
    const afterCookie = await call("/api/auth/me", { headers: { cookie } });
    const conversations = await call("/api/conversations", { token });

    expect(logout.status).toBe(204);
    expect(cleared).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect((await json(afterBearer, 401)).error.code).toBe("unauthorized");
    expect((await json(afterCookie, 401)).error.code).toBe("unauthorized");
    expect((await json(conversations, 401)).error.code).toBe("unauthorized");
  });

  it("is refused with 401 once it has expired", async () => {
    const agent = userOf(seed, "agent");
    const user = { id: agent.id, workspace_id: seed.workspace.id, email: agent.email, name: agent.name, role: agent.role };
    const { token } = await createSession(database(env.DB), user, Date.now() - 13 * 60 * 60 * 1000);
    expect((await json(await call("/api/auth/me", { token }), 401)).error.code).toBe("unauthorized");
  });

  it("is accepted only from a header or cookie on POST, never from the query string", async () => {
    const visitor = await startVisitor(seed);
    const res = await call(`/api/conversations/${visitor.conversation_id}/messages?token=${encodeURIComponent(visitor.token)}`, {
      method: "POST",
      json: { client_msg_id: "q", content: { kind: "text", text: "hi" } },
    });
    expect((await json(res, 401)).error.code).toBe("unauthorized");
  });

  it("leaves other sessions of the same user signed in when one logs out", async () => {
    const agent = userOf(seed, "agent");
    const body = { workspace: seed.workspace.slug, email: agent.email, password: TEST_PASSWORD };
    const first = (await json(await loginAs(body), 200)).token;
    const second = (await json(await loginAs(body), 200)).token;
    expect((await call("/api/auth/logout", { method: "POST", token: first })).status).toBe(204);
    expect((await call("/api/auth/me", { token: second })).status).toBe(200);
  });

  it("refuses /api/auth/me to a visitor token with 403 and to no token with 401", async () => {
    const visitor = await startVisitor(seed);
    expect((await json(await call("/api/auth/me", { token: visitor.token }), 403)).error.code).toBe("forbidden");
    expect((await json(await call("/api/auth/me"), 401)).error.code).toBe("unauthorized");
  });
});

describe("visitor sessions", () => {
  it("creates a contact and a queued conversation for a first visit with 201", async () => {
    const res = await post("/api/widget/sessions", undefined, { widget_key: seed.workspace.widgetKey, name: "Vera" });
    const body = await json(res, 201);
    expect(body).toMatchObject({
      token: expect.stringMatching(/^vt1\./),
      workspace_id: seed.workspace.id,
      visitor_id: expect.stringMatching(/^vis_/),
      contact_id: expect.stringMatching(/^ct_/),
      conversation_id: expect.stringMatching(/^cv_/),
      resumed: false,
      state: "queued",
      head_seq: 1,
      websocket_url: `ws://switchboard.test/api/conversations/${body.conversation_id}/ws`,
      events_url: `http://switchboard.test/api/conversations/${body.conversation_id}/events`,
    });
    const events = await json(await call(`/api/conversations/${body.conversation_id}/events`, { token: body.token }), 200);
    expect(events.events).toEqual([
      expect.objectContaining({ seq: 1, type: "conversation_started", contact: { role: "visitor", id: body.contact_id, name: "Vera" } }),
    ]);
  });

  it("resumes the open conversation for a returning visitor_id with 200 resumed=true", async () => {
    const first = await startVisitor(seed);
    const res = await post("/api/widget/sessions", undefined, { widget_key: seed.workspace.widgetKey, visitor_id: first.visitor_id });
    const again = await json(res, 200);
    expect(again).toMatchObject({
      resumed: true,
      visitor_id: first.visitor_id,
      contact_id: first.contact_id,
      conversation_id: first.conversation_id,
      state: "queued",
    });
    // The new token works for the same conversation.
    expect((await call(`/api/conversations/${first.conversation_id}`, { token: again.token })).status).toBe(200);
  });

  it("starts a new conversation (201) for a visitor whose last conversation ended", async () => {
    const first = await startVisitor(seed);
    await json(await post(`/api/conversations/${first.conversation_id}/state`, first.token, { to: "ended" }), 200);
    const res = await post("/api/widget/sessions", undefined, { widget_key: seed.workspace.widgetKey, visitor_id: first.visitor_id });
    const next = await json(res, 201);
    expect(next).toMatchObject({ resumed: false, contact_id: first.contact_id, state: "queued", head_seq: 1 });
    expect(next.conversation_id).not.toBe(first.conversation_id);

    // And the visitor comes back to the new one after that.
    const third = await json(await post("/api/widget/sessions", undefined, { widget_key: seed.workspace.widgetKey, visitor_id: first.visitor_id }), 200);
    expect(third).toMatchObject({ resumed: true, conversation_id: next.conversation_id });
  });

  it("refuses an unknown widget key with 401", async () => {
    const res = await post("/api/widget/sessions", undefined, { widget_key: "wk_no_such_key" });
    expect((await json(res, 401)).error.code).toBe("unauthorized");
  });

  it("keeps the same visitor_id apart in two workspaces", async () => {
    const here = await startVisitor(seed);
    const res = await post("/api/widget/sessions", undefined, { widget_key: otherSeed.workspace.widgetKey, visitor_id: here.visitor_id });
    const there = await json(res, 201);
    expect(there.resumed).toBe(false);
    expect(there.contact_id).not.toBe(here.contact_id);
    expect(there.conversation_id).not.toBe(here.conversation_id);
  });
});
