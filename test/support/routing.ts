import { env, exports } from "cloudflare:workers";
import type { RuleSet } from "../../src/routing/index.ts";
import { call, json } from "./api.ts";
import { TestSocket } from "./socket.ts";

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
