import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { RuleSet, Schedule } from "../../src/routing/index.ts";
import type { UserRole } from "../../src/model/index.ts";
import type { AgentProfile } from "../agent/agent-do.ts";
import { type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import type { GroupConfig } from "../skill-group/skill-group-do.ts";
import { agentStub, groupStub } from "../stubs.ts";

export interface PublishedRuleSet {
  version: number;
  body: RuleSet;
  note: string | null;
  published_by: string;
  published_at: number;
  restored_from: number | null;
}

/** The live routing policy, if one was ever published. */
export async function currentRuleSet(db: Database, workspaceId: string): Promise<PublishedRuleSet | null> {
  const row = (
    await db
      .select()
      .from(schema.ruleSetVersions)
      .where(eq(schema.ruleSetVersions.workspaceId, workspaceId))
      .orderBy(desc(schema.ruleSetVersions.version))
      .limit(1)
  )[0];
  return row ? toPublished(row) : null;
}

export function toPublished(row: typeof schema.ruleSetVersions.$inferSelect): PublishedRuleSet {
  return {
    version: row.version,
    body: RuleSet.parse(row.body),
    note: row.note,
    published_by: row.publishedBy,
    published_at: row.publishedAt,
    restored_from: row.restoredFrom,
  };
}

/** Without a published rule set: everything to the oldest group, or null (manual pick) when there is none. */
export async function defaultRuleSet(db: Database, workspaceId: string): Promise<RuleSet | null> {
  const first = (
    await db
      .select({ id: schema.skillGroups.id })
      .from(schema.skillGroups)
      .where(eq(schema.skillGroups.workspaceId, workspaceId))
      .orderBy(asc(schema.skillGroups.createdAt))
      .limit(1)
  )[0];
  return first ? RuleSet.parse({ rules: [], fallback: [{ type: "enqueue", group: first.id }] }) : null;
}

export async function workspaceSchedules(db: Database, workspaceId: string): Promise<Record<string, Schedule>> {
  const rows = await db.select().from(schema.schedules).where(eq(schema.schedules.workspaceId, workspaceId));
  return Object.fromEntries(rows.map((r) => [r.id, Schedule.parse(r.body)]));
}

export async function workspaceTimezone(db: Database, workspaceId: string): Promise<string> {
  const row = (await db.select({ tz: schema.workspaces.timezone }).from(schema.workspaces).where(eq(schema.workspaces.id, workspaceId)).limit(1))[0];
  return row?.tz ?? "UTC";
}

/** Whether the workspace has this skill group (a transfer target must exist before anything moves). */
export async function groupExists(db: Database, workspaceId: string, groupId: string): Promise<boolean> {
  const rows = await db
    .select({ id: schema.skillGroups.id })
    .from(schema.skillGroups)
    .where(and(eq(schema.skillGroups.workspaceId, workspaceId), eq(schema.skillGroups.id, groupId)))
    .limit(1);
  return rows.length > 0;
}

export async function groupConfig(db: Database, workspaceId: string, groupId: string): Promise<GroupConfig | null> {
  const group = (
    await db
      .select()
      .from(schema.skillGroups)
      .where(and(eq(schema.skillGroups.workspaceId, workspaceId), eq(schema.skillGroups.id, groupId)))
      .limit(1)
  )[0];
  if (!group) return null;
  const members = await db
    .select({ user_id: schema.users.id, name: schema.users.name, role: schema.users.role })
    .from(schema.groupMembers)
    .innerJoin(schema.users, eq(schema.users.id, schema.groupMembers.userId))
    .where(and(eq(schema.groupMembers.groupId, groupId), eq(schema.users.active, true)));
  return {
    workspace_id: workspaceId,
    group_id: group.id,
    name: group.name,
    policy: group.policy,
    requeue: group.requeue,
    members: members.map((m) => ({ ...m, role: m.role as UserRole })),
  };
}

export async function agentProfile(db: Database, workspaceId: string, userId: string): Promise<AgentProfile | null> {
  const user = (
    await db
      .select()
      .from(schema.users)
      .where(and(eq(schema.users.workspaceId, workspaceId), eq(schema.users.id, userId)))
      .limit(1)
  )[0];
  if (!user) return null;
  const groups = await db.select({ id: schema.groupMembers.groupId }).from(schema.groupMembers).where(eq(schema.groupMembers.userId, userId));
  const shift = user.shiftScheduleId
    ? (await db.select().from(schema.schedules).where(eq(schema.schedules.id, user.shiftScheduleId)).limit(1))[0]
    : undefined;
  return {
    workspace_id: workspaceId,
    user_id: user.id,
    name: user.name,
    role: user.role as UserRole,
    max_concurrent: user.active ? user.maxConcurrent : 0,
    shift: shift ? Schedule.parse(shift.body) : null,
    timezone: await workspaceTimezone(db, workspaceId),
    groups: groups.map((g) => g.id),
  };
}

/** Pushes D1's view of groups and their members into the Durable Objects that act on it. */
export async function syncGroups(env: Env, db: Database, workspaceId: string, groupIds: string[]): Promise<void> {
  const configs = await Promise.all(groupIds.map((id) => groupConfig(db, workspaceId, id)));
  await Promise.all(configs.map((c) => (c ? groupStub(env, workspaceId, c.group_id).configure(c) : undefined)));
}

export async function syncAgents(env: Env, db: Database, workspaceId: string, userIds: string[]): Promise<void> {
  const profiles = await Promise.all(userIds.map((id) => agentProfile(db, workspaceId, id)));
  await Promise.all(profiles.map((p) => (p ? agentStub(env, workspaceId, p.user_id).configure(p) : undefined)));
}

export async function groupMemberIds(db: Database, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const rows = await db.select({ id: schema.groupMembers.userId }).from(schema.groupMembers).where(inArray(schema.groupMembers.groupId, groupIds));
  return [...new Set(rows.map((r) => r.id))];
}
