import { and, between, eq, inArray } from "drizzle-orm";
import { buildSeries, totalsOf, type MetricsQuery } from "../../src/metrics/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import type { SessionUser } from "../auth/sessions.ts";
import { type Database, schema } from "../db.ts";
import { timezones, toFact } from "./store.ts";

/** The skill groups a supervisor belongs to (group_members): the only ones whose figures they see. */
async function supervisedGroups(db: Database, workspaceId: string, userId: string): Promise<string[]> {
  const m = schema.groupMembers;
  const rows = await db.select({ groupId: m.groupId }).from(m).where(and(eq(m.workspaceId, workspaceId), eq(m.userId, userId)));
  return rows.map((r) => r.groupId);
}

/**
 * Dashboard figures for one workspace from its rollups: admins see everything; supervisors only
 * the rows of their own skill groups (so conversations in no group, or in another group, are
 * not theirs to see).
 */
/** `viewer`: a supervisor sees only their groups' figures; admins and API keys the whole workspace. */
export async function metricsReport(db: Database, workspaceId: string, viewer: Pick<SessionUser, "id" | "role">, query: MetricsQuery) {
  let groups: string[] | undefined;
  if (viewer.role === "supervisor") {
    groups = await supervisedGroups(db, workspaceId, viewer.id);
    if (query.group_id && !groups.includes(query.group_id)) throw new SwitchboardError("forbidden", "supervisors see only the skill groups they belong to");
  }
  const r = schema.metricRollups;
  const where = and(
    eq(r.workspaceId, workspaceId),
    between(r.day, query.from, query.to),
    query.group_id ? eq(r.groupId, query.group_id) : undefined,
    query.agent_id ? eq(r.agentId, query.agent_id) : undefined,
    query.channel ? eq(r.channel, query.channel) : undefined,
    groups ? inArray(r.groupId, groups) : undefined,
  );
  // A supervisor in no group sees nothing.
  const rows = groups?.length === 0 ? [] : await db.select().from(r).where(where);
  const facts = rows.map(toFact);
  let capacity: Map<string, number> | undefined;
  if (query.by === "agent") {
    const u = schema.users;
    capacity = new Map((await db.select({ id: u.id, max: u.maxConcurrent }).from(u).where(eq(u.workspaceId, workspaceId))).map((x) => [x.id, x.max]));
  }
  const timezone = (await timezones(db, [workspaceId])).get(workspaceId) ?? "UTC";
  return {
    from: query.from,
    to: query.to,
    timezone,
    bucket: query.bucket,
    by: query.by,
    series: buildSeries(facts, query, capacity),
    totals: totalsOf(facts, query),
  };
}
