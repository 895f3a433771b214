import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { newId } from "../../src/model/index.ts";
import type { RuleSet } from "../../src/routing/index.ts";
import { database, schema } from "../../workers/db.ts";
import { call, json, postMessage, startVisitor, type VisitorSession, waitUntil } from "./api.ts";
import type { Team } from "./fixture.ts";
import { TestSocket } from "./socket.ts";
import { TEST_PASSWORD } from "./workspace.ts";

/** A skill group made through the admin API, with these members. */
export async function createGroup(
  adminToken: string,
  name: string,
  memberIds: string[],
  options: { policy?: "least_loaded" | "round_robin"; requeue?: "front" | "back" } = {},
): Promise<string> {
  const created = await json<{ id: string }>(
    await call("/api/admin/skill-groups", { method: "POST", token: adminToken, json: { name, ...options } }),
    201,
  );
  await json(await call(`/api/admin/skill-groups/${created.id}/members`, { method: "PUT", token: adminToken, json: { user_ids: memberIds } }), 200);
  return created.id;
}

export async function publishRules(adminToken: string, ruleSet: unknown, note?: string): Promise<{ version: number; body: RuleSet }> {
  return json(await call("/api/admin/routing/rules", { method: "POST", token: adminToken, json: { rule_set: ruleSet, note } }), 201);
}

export async function setCapacity(adminToken: string, userId: string, maxConcurrent: number, shiftScheduleId?: string | null) {
  return json(
    await call(`/api/admin/users/${userId}/routing`, {
      method: "PATCH",
      token: adminToken,
      json: { max_concurrent: maxConcurrent, ...(shiftScheduleId === undefined ? {} : { shift_schedule_id: shiftScheduleId }) },
    }),
    200,
  );
}

/** The agent workstation's socket: presence, assignments, assistance requests. */
export async function openWorkstation(token: string): Promise<TestSocket> {
  const res = await exports.default.fetch(`http://switchboard.test/api/agent/ws?token=${encodeURIComponent(token)}`, {
    headers: { Upgrade: "websocket" },
  });
  if (!res.webSocket) throw new Error(`expected a workstation socket, got HTTP ${res.status}: ${await res.text()}`);
  const socket = new TestSocket(res.webSocket);
  await socket.waitForType("status" as never);
  return socket;
}

export function groupObject(workspaceId: string, groupId: string) {
  return env.SKILL_GROUPS.get(env.SKILL_GROUPS.idFromName(`${workspaceId}/${groupId}`));
}

export function agentObject(workspaceId: string, userId: string) {
  return env.AGENTS.get(env.AGENTS.idFromName(`${workspaceId}/${userId}`));
}

// ---- helpers for the routing integration tests ------------------------------------------------

/** A signed-in member of staff: user ID and session token. */
export interface Staff {
  id: string;
  token: string;
}

/**
 * More staff in the team's workspace (the seed has two agents and one supervisor), inserted into
 * D1 with the seed's password and signed in through the public login endpoint.
 */
export async function addStaff(team: Team, n: number, role: "agent" | "supervisor" = "agent"): Promise<Staff[]> {
  const db = database(env.DB);
  const template = team.seed.users[0]!;
  const domain = template.email.split("@")[1]!;
  const now = Date.now();
  const people = Array.from({ length: n }, (_, i) => ({
    id: newId("user", now),
    email: `extra-${role}-${i}-${crypto.randomUUID().slice(0, 6)}@${domain}`,
    name: `Extra ${role} ${i}`,
  }));
  await db.insert(schema.users).values(
    people.map((p) => ({
      id: p.id,
      workspaceId: team.workspaceId,
      email: p.email,
      name: p.name,
      role,
      passwordHash: template.passwordHash,
      createdAt: now,
    })),
  );
  return Promise.all(
    people.map(async (p) => {
      const res = await call("/api/auth/login", { method: "POST", json: { workspace: team.seed.workspace.slug, email: p.email, password: TEST_PASSWORD } });
      return { id: p.id, token: (await json<{ token: string }>(res, 200)).token };
    }),
  );
}

/**
 * A new visitor whose first message (over HTTP) starts routing. `tags` and `entry_page` feed the
 * rules; returns the visitor session (token and conversation).
 */
export async function routedVisitor(
  team: Team,
  options: { tags?: string[]; entry_page?: string; text?: string } = {},
): Promise<VisitorSession> {
  const session = await startVisitor(team.seed, {
    context: { channel: "web", entry_page: options.entry_page ?? "https://shop.example/help", ...(options.tags ? { tags: options.tags } : {}) },
  });
  await json(await postMessage(session.conversation_id, session.token, "first", options.text ?? "Hello, anyone there?"), 201);
  return session;
}

/** The conversation as a member of staff sees it over HTTP. */
export async function snapshotOf(conversationId: string, token: string): Promise<any> {
  return json(await call(`/api/conversations/${conversationId}`, { token }), 200);
}

/** Waits until the conversation waits in this group's queue; resolves with its queue status. */
export function waitQueued(team: Team, groupId: string, conversationId: string) {
  return waitUntil(`${conversationId} to wait in ${groupId}`, async () => (await groupObject(team.workspaceId, groupId).position(conversationId)) ?? undefined);
}

/** Waits until the conversation is served by this user (routing owner and state serving). */
export function waitServedBy(conversationId: string, token: string, userId: string) {
  return waitUntil(`${conversationId} to be served by ${userId}`, async () => {
    const s = await snapshotOf(conversationId, token);
    return s.state === "serving" && s.routing.owner?.id === userId ? s : undefined;
  });
}

/** Conversation IDs of the `assigned` frames a workstation received, in arrival order. */
export function assignedTo(workstation: TestSocket, from = 0): string[] {
  return workstation.frames
    .slice(from)
    .filter((f) => f.type === ("assigned" as never))
    .map((f) => (f as any).conversation_id as string);
}

/** Waits for the `n`-th assignment frame (counting from frame `from`) on a workstation. */
export async function waitAssignments(workstation: TestSocket, n: number, from = 0): Promise<string[]> {
  await workstation.waitForCount(`${n} assignment(s)`, (f) => f.type === ("assigned" as never), n, from);
  return assignedTo(workstation, from);
}

/**
 * Takes an agent whose workstation sockets are all closed offline now instead of after the
 * 15 s grace: runs the agent object's alarm until it reports offline (bounded).
 */
export async function runOfflineGrace(workspaceId: string, userId: string): Promise<void> {
  const stub = agentObject(workspaceId, userId);
  await waitUntil(`${userId} to go offline`, async () => {
    await runDurableObjectAlarm(stub);
    return (await stub.status()).presence === "offline";
  });
}

/** Moves a conversation to another state over HTTP, as the given caller. */
export async function setState(conversationId: string, token: string, to: string, status = 200): Promise<any> {
  return json(await call(`/api/conversations/${conversationId}/state`, { method: "POST", token, json: { to } }), status);
}

/** The group's assignment loop run until idle, then its counters. */
export async function drained(team: Team, groupId: string) {
  const stub = groupObject(team.workspaceId, groupId);
  await stub.drain();
  return stub.stats();
}

/** Every assignment a workstation was sent so far: a ping round trip first, so none is still on its way. */
export async function assignmentsSoFar(workstation: TestSocket): Promise<string[]> {
  await workstation.barrier();
  return assignedTo(workstation);
}
