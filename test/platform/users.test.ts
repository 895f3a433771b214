import { beforeAll, describe, expect, it } from "vitest";
import { call, json, post, waitUntil } from "../support/api.ts";
import { createTeam, newVisitor, userId, type Team } from "../support/fixture.ts";
import { createGroup, openWorkstation, routedVisitor, waitServedBy } from "../support/routing.ts";
import { closeSocketsAfterEach, connect, upgrade } from "../support/socket.ts";
import { createWorkspace, TEST_PASSWORD } from "../support/workspace.ts";
import { inOneRateWindow } from "../support/rate-window.ts";

closeSocketsAfterEach();

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

function signIn(owner: Team, email: string, password: string) {
  return post("/api/auth/login", undefined, { workspace: owner.seed.workspace.slug, email, password });
}

async function invite(owner: Team, email: string, role = "agent") {
  return json(await post("/api/users/invitations", owner.admin, { email, name: "New Person", role }), 201);
}

describe("invitations", () => {
  it("create the account once, signed in, with the invited role", async () => {
    const invitation = await invite(team, "new.agent@example.com", "supervisor");
    expect(invitation.link).toContain(`#token=${encodeURIComponent(invitation.token)}`);
    const accepted = await json(await post("/api/account/invitations/accept", undefined, { token: invitation.token, password: "new password 123" }), 201);
    expect(accepted.user).toMatchObject({ email: "new.agent@example.com", role: "supervisor", workspace_id: team.workspaceId });
    expect((await json(await call("/api/auth/me", { token: accepted.token }), 200)).user.id).toBe(accepted.user.id);
    await json(await signIn(team, "new.agent@example.com", "new password 123"), 200);
  });

  it("are single-use", async () => {
    const invitation = await invite(team, "once@example.com");
    await json(await post("/api/account/invitations/accept", undefined, { token: invitation.token, password: "new password 123" }), 201);
    const again = await post("/api/account/invitations/accept", undefined, { token: invitation.token, password: "other password 123" });
    expect((await json(again, 401)).error.code).toBe("unauthorized");
  });

  it("refuse an email that already has an account", async () => {
    const existing = team.seed.users[0]!.email;
    expect((await json(await post("/api/users/invitations", team.admin, { email: existing, name: "Dup", role: "agent" }), 400)).error.code).toBe("invalid_request");
  });

  it("refuse a short password", async () => {
    const invitation = await invite(team, "short@example.com");
    expect((await json(await post("/api/account/invitations/accept", undefined, { token: invitation.token, password: "short" }), 400)).error.code).toBe("invalid_request");
  });
});

describe("password resets", () => {
  it("set the new password, end the old sessions, and work once", async () => {
    const own = await createTeam();
    const agent = own.seed.users.find((u) => u.role === "agent")!;
    const reset = await json(await post(`/api/users/${agent.id}/password-reset`, own.admin, {}), 201);
    expect(reset.kind).toBe("password_reset");
    expect((await call("/api/account/password-reset", { method: "POST", json: { token: reset.token, password: "brand new password" } })).status).toBe(204);
    expect((await json(await call("/api/auth/me", { token: own.agent }), 401)).error.code).toBe("unauthorized");
    expect((await signIn(own, agent.email, TEST_PASSWORD)).status).toBe(401);
    await json(await signIn(own, agent.email, "brand new password"), 200);
    const again = await call("/api/account/password-reset", { method: "POST", json: { token: reset.token, password: "another password 1" } });
    expect(again.status).toBe(401);
  });

  it("cannot be issued for another workspace's user", async () => {
    const res = await post(`/api/users/${userId(other, "agent")}/password-reset`, team.admin, {});
    expect((await json(res, 404)).error.code).toBe("not_found");
  });
});

describe("deactivation", () => {
  it("revokes sessions and closes the workstation and conversation sockets, and the conversation goes back to the queue", async () => {
    const own = await createTeam();
    const agentId = userId(own, "agent");
    await createGroup(own.admin, "Support", [agentId]);
    const workstation = await openWorkstation(own.agent);
    const visitor = await routedVisitor(own);
    await waitServedBy(visitor.conversation_id, own.admin, agentId);
    const conversationSocket = await connect(visitor.conversation_id, own.agent);

    const result = await json(await post(`/api/users/${agentId}/deactivate`, own.admin, {}), 200);
    expect(result).toMatchObject({ id: agentId, active: false, closed_conversations: 1 });
    await waitUntil("the workstation socket to close", async () => workstation.closed ?? undefined);
    await waitUntil("the conversation socket to close", async () => conversationSocket.closed ?? undefined);
    expect(workstation.closed!.code).toBe(4403);
    expect(conversationSocket.closed!.code).toBe(4403);
    expect((await json(await call("/api/auth/me", { token: own.agent }), 401)).error.code).toBe("unauthorized");
    const agent = own.seed.users.find((u) => u.id === agentId)!;
    expect((await signIn(own, agent.email, TEST_PASSWORD)).status).toBe(401);
    const snapshot = await json(await call(`/api/conversations/${visitor.conversation_id}`, { token: own.admin }), 200);
    expect(snapshot.routing.owner?.id).not.toBe(agentId);
  });

  it("closes a supervisor's socket on a conversation they only watch, and it receives nothing more", async () => {
    const own = await createTeam();
    const supervisorId = userId(own, "supervisor");
    const visitor = await newVisitor(own);
    const visitorSocket = await connect(visitor.conversation_id, visitor.token);
    const watching = await connect(visitor.conversation_id, own.supervisor);

    const result = await json(await post(`/api/users/${supervisorId}/deactivate`, own.admin, {}), 200);
    expect(result).toMatchObject({ active: false, closed_conversations: 0, closed_sockets: 1 });
    const closed = await watching.waitForClose();
    expect(closed).toEqual({ code: 4403, reason: "account deactivated" });
    const framesAtClose = watching.frames.length;
    visitorSocket.sendText("after-deactivation", "anyone there?");
    await visitorSocket.waitForType("ack");
    const log = await json(await call(`/api/conversations/${visitor.conversation_id}/events`, { token: own.admin }), 200);
    expect(log.events.some((e: any) => e.client_msg_id === "after-deactivation")).toBe(true);
    expect(watching.frames.length).toBe(framesAtClose);
    expect((await upgrade(visitor.conversation_id, own.supervisor)).status).toBe(401);
  });

  it("lets a reactivated user open conversation sockets again", async () => {
    const own = await createTeam();
    const supervisor = own.seed.users.find((u) => u.role === "supervisor")!;
    const visitor = await newVisitor(own);
    await json(await post(`/api/users/${supervisor.id}/deactivate`, own.admin, {}), 200);
    await json(await post(`/api/users/${supervisor.id}/reactivate`, own.admin, {}), 200);
    const session = await json(await signIn(own, supervisor.email, TEST_PASSWORD), 200);
    const watching = await connect(visitor.conversation_id, session.token);
    await watching.barrier();
    expect(watching.closed).toBeNull();
  });

  it("can be undone by reactivation", async () => {
    const own = await createTeam();
    const agent = own.seed.users.find((u) => u.role === "agent")!;
    await json(await post(`/api/users/${agent.id}/deactivate`, own.admin, {}), 200);
    await json(await post(`/api/users/${agent.id}/reactivate`, own.admin, {}), 200);
    await json(await signIn(own, agent.email, TEST_PASSWORD), 200);
  });

  it("is refused for yourself and for another workspace's user", async () => {
    expect((await json(await post(`/api/users/${userId(team, "admin")}/deactivate`, team.admin, {}), 403)).error.code).toBe("forbidden");
    expect((await json(await post(`/api/users/${userId(other, "agent")}/deactivate`, team.admin, {}), 404)).error.code).toBe("not_found");
  });
});

describe("team views", () => {
  it("show a supervisor the people and tickets of their groups only; an agent their own tickets and unowned ones", async () => {
    const own = await createTeam();
    const [agentA, agentB, supervisor] = [userId(own, "agent", 0), userId(own, "agent", 1), userId(own, "supervisor")];
    await createGroup(own.admin, "Team A", [agentA, supervisor]);
    await createGroup(own.admin, "Team B", [agentB]);
    const users = await json(await call("/api/users", { token: own.supervisor }), 200);
    expect(users.items.map((u: any) => u.id).sort()).toEqual([agentA, supervisor].sort());

    const ofA = await json(await post("/api/tickets", own.admin, { summary: "A's", owner_id: agentA }), 201);
    const ofB = await json(await post("/api/tickets", own.admin, { summary: "B's", owner_id: agentB }), 201);
    const unowned = await json(await post("/api/tickets", own.admin, { summary: "nobody's" }), 201);
    const listed = async (token: string) => (await json(await call("/api/tickets", { token }), 200)).items.map((t: any) => t.id).sort();
    expect(await listed(own.supervisor)).toEqual([ofA.id, unowned.id].sort());
    expect(await listed(own.agent)).toEqual([ofA.id, unowned.id].sort());
    expect(await listed(own.agent2)).toEqual([ofB.id, unowned.id].sort());
    expect(await listed(own.admin)).toEqual([ofA.id, ofB.id, unowned.id].sort());
    expect((await json(await call(`/api/tickets/${ofB.id}`, { token: own.supervisor }), 404)).error.code).toBe("not_found");
  });

  it("never list another workspace's users", async () => {
    const users = await json(await call("/api/users", { token: team.admin }), 200);
    for (const u of users.items) expect(u.workspace_id).toBe(team.workspaceId);
  });
});

describe("rate limits", () => {
  it("refuse the 11th sign-in to one account within a minute with 429 and Retry-After", async () => {
    const seed = await createWorkspace();
    const agent = seed.users.find((u) => u.role === "agent")!;
    const attempt = (password: string) => post("/api/auth/login", undefined, { workspace: seed.workspace.slug, email: agent.email, password });
    await inOneRateWindow(15);
    for (let i = 0; i < 10; i++) expect((await attempt("wrong password")).status).toBe(401);
    const res = await attempt(TEST_PASSWORD);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect((await json(res)).error.code).toBe("rate_limited");
  }, 45_000);

  it("refuse a client address that opens more than 60 widget sessions a minute, and no other address", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    const attempt = (from: string) => call("/api/widget/sessions", { method: "POST", headers: { "cf-connecting-ip": from }, json: { widget_key: "wk_unknown_key" } });
    await inOneRateWindow(15);
    for (let i = 0; i < 60; i++) expect((await attempt(ip)).status).toBe(401);
    const refused = await attempt(ip);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect((await attempt("198.51.100.7")).status).toBe(401);
  }, 45_000);
});
