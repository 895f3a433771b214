import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { ConversationContext, newId, SwitchboardError } from "../../../src/model/index.ts";
import { diffRuleSets, isValidTimezone, references, RuleSet, Schedule } from "../../../src/routing/index.ts";
import { database, type Database, schema } from "../../db.ts";
import { currentRuleSet, groupMemberIds, syncAgents, syncGroups, toPublished } from "../../directory/routing-config.ts";
import { forgetRoutingConfig } from "../../routing/config-cache.ts";
import { route } from "../../routing/router.ts";
import { groupStub } from "../../stubs.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson } from "../errors.ts";

const GroupBody = z.object({
  name: z.string().trim().min(1).max(100),
  policy: z.enum(["least_loaded", "round_robin"]).default("least_loaded"),
  requeue: z.enum(["front", "back"]).default("front"),
});
/** Without the create defaults: a patch that names only `name` must leave policy and requeue alone. */
const GroupPatch = z.object({
  name: GroupBody.shape.name,
  policy: GroupBody.shape.policy.removeDefault(),
  requeue: GroupBody.shape.requeue.removeDefault(),
}).partial();
const MembersBody = z.object({ user_ids: z.array(z.string().min(1).max(64)).max(1000) });
const ScheduleBody = z.object({ name: z.string().trim().min(1).max(100), schedule: Schedule });
const UserRoutingPatch = z
  .object({
    max_concurrent: z.int().min(0).max(100).optional(),
    shift_schedule_id: z.string().max(64).nullable().optional(),
  })
  .refine((p) => p.max_concurrent !== undefined || p.shift_schedule_id !== undefined, "change max_concurrent or shift_schedule_id");
const PublishBody = z.object({ rule_set: RuleSet, note: z.string().max(500).optional() });
const RestoreBody = z.object({ note: z.string().max(500).optional() });
const ExplainBody = z.object({
  /** A draft to try; without it, the live rule set. */
  rule_set: RuleSet.optional(),
  context: ConversationContext.partial({ channel: true }).default({}),
  contact_tags: z.array(z.string().max(50)).max(50).default([]),
  first_message: z.string().max(8000).optional(),
  /** Evaluate as if at this time (ms since epoch), to check schedules. */
  at: z.int().optional(),
});
const VersionParam = z.coerce.number().pipe(z.int().min(1));

/** D1 refuses a statement with more than 100 bound parameters. */
const D1_MAX_PARAMS = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function notFound(what: string): SwitchboardError {
  return new SwitchboardError("not_found", `no such ${what}`);
}

async function requireGroup(db: Database, workspaceId: string, id: string) {
  const row = (
    await db.select().from(schema.skillGroups).where(and(eq(schema.skillGroups.workspaceId, workspaceId), eq(schema.skillGroups.id, id))).limit(1)
  )[0];
  if (!row) throw notFound("skill group");
  return row;
}

/** Refuses a rule set that names groups, users or schedules the workspace does not have. */
export async function assertReferencesExist(db: Database, workspaceId: string, ruleSet: RuleSet): Promise<void> {
  const refs = references(ruleSet);
  const missing: string[] = [];
  const check = async (ids: Set<string>, table: typeof schema.skillGroups | typeof schema.users | typeof schema.schedules, kind: string) => {
    if (ids.size === 0) return;
    const rows = await db
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.workspaceId, workspaceId), inArray(table.id, [...ids])));
    const found = new Set(rows.map((r) => r.id));
    for (const id of ids) if (!found.has(id)) missing.push(`${kind} ${id}`);
  };
  await check(refs.groups, schema.skillGroups, "skill group");
  await check(refs.users, schema.users, "user");
  await check(refs.schedules, schema.schedules, "schedule");
  if (missing.length > 0) throw new SwitchboardError("invalid_request", "the rule set refers to things that do not exist", missing);
}

export async function publish(db: Database, workspaceId: string, body: RuleSet, publishedBy: string, note: string | undefined, restoredFrom: number | null) {
  const t = schema.ruleSetVersions;
  // The next version is computed inside the insert, so two publishers cannot take the same number.
  const rows = await db
    .insert(t)
    .values({
      workspaceId,
      version: sql`(SELECT COALESCE(MAX(${t.version}), 0) + 1 FROM ${t} WHERE ${t.workspaceId} = ${workspaceId})`,
      body,
      note: note ?? null,
      publishedBy,
      publishedAt: Date.now(),
      restoredFrom,
    })
    .returning();
  return toPublished(rows[0]!);
}

async function version(db: Database, workspaceId: string, v: number) {
  const row = (
    await db
      .select()
      .from(schema.ruleSetVersions)
      .where(and(eq(schema.ruleSetVersions.workspaceId, workspaceId), eq(schema.ruleSetVersions.version, v)))
      .limit(1)
  )[0];
  if (!row) throw notFound("rule set version");
  return toPublished(row);
}

/**
 * Routing configuration: skill groups and members, schedules, agents' capacity and shifts, and
 * the versioned rule set with explain (dry-run), diff and restore. Admins change; supervisors read and explain.
 */
export const routingAdminRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser("admin", "supervisor"))
  .use("*", async (c, next) => {
    if (c.req.method !== "GET" && !c.req.path.endsWith("/explain") && c.get("user")?.role !== "admin") {
      throw new SwitchboardError("forbidden", "only admins change routing configuration");
    }
    await next();
    // Rules, schedules and groups are what routing caches: a change here is seen by the next decision.
    if (c.req.method !== "GET" && !c.req.path.endsWith("/explain")) forgetRoutingConfig(c.get("caller").workspace_id);
  })

  // ---- skill groups ---------------------------------------------------------------------------
  .get("/skill-groups", async (c) => {
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    const groups = await db.select().from(schema.skillGroups).where(eq(schema.skillGroups.workspaceId, ws)).orderBy(asc(schema.skillGroups.createdAt));
    const members = await db.select().from(schema.groupMembers).where(eq(schema.groupMembers.workspaceId, ws));
    return c.json({
      items: groups.map((g) => ({
        id: g.id,
        name: g.name,
        policy: g.policy,
        requeue: g.requeue,
        member_ids: members.filter((m) => m.groupId === g.id).map((m) => m.userId),
      })),
    });
  })
  .post("/skill-groups", async (c) => {
    const body = await readJson(c, GroupBody);
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    const now = Date.now();
    const id = newId("skillGroup", now);
    const inserted = await db.insert(schema.skillGroups).values({ id, workspaceId: ws, ...body, createdAt: now, updatedAt: now }).onConflictDoNothing().returning();
    if (inserted.length === 0) throw new SwitchboardError("invalid_request", `a skill group named ${body.name} already exists`);
    await syncGroups(c.env, db, ws, [id]);
    return c.json({ id, ...body, member_ids: [] }, 201);
  })
  .patch("/skill-groups/:id", async (c) => {
    const body = await readJson(c, GroupPatch);
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    await requireGroup(db, ws, c.req.param("id"));
    await db.update(schema.skillGroups).set({ ...body, updatedAt: Date.now() }).where(eq(schema.skillGroups.id, c.req.param("id")));
    await syncGroups(c.env, db, ws, [c.req.param("id")]);
    const g = await requireGroup(db, ws, c.req.param("id"));
    return c.json({ id: g.id, name: g.name, policy: g.policy, requeue: g.requeue });
  })
  .put("/skill-groups/:id/members", async (c) => {
    const body = await readJson(c, MembersBody);
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    const groupId = c.req.param("id");
    await requireGroup(db, ws, groupId);
    const wanted = [...new Set(body.user_ids)];
    const users = (
      await Promise.all(
        chunks(wanted, D1_MAX_PARAMS - 1).map((ids) =>
          db.select({ id: schema.users.id }).from(schema.users).where(and(eq(schema.users.workspaceId, ws), inArray(schema.users.id, ids))),
        ),
      )
    ).flat();
    if (users.length !== wanted.length) {
      const found = new Set(users.map((u) => u.id));
      throw new SwitchboardError("invalid_request", "unknown users", wanted.filter((id) => !found.has(id)));
    }
    const before = await groupMemberIds(db, [groupId]);
    const now = Date.now();
    await db.batch([
      db.delete(schema.groupMembers).where(eq(schema.groupMembers.groupId, groupId)),
      ...wanted.map((userId) => db.insert(schema.groupMembers).values({ workspaceId: ws, groupId, userId, createdAt: now })),
    ]);
    await syncGroups(c.env, db, ws, [groupId]);
    await syncAgents(c.env, db, ws, [...new Set([...before, ...wanted])]);
    return c.json({ id: groupId, member_ids: wanted });
  })
  .get("/skill-groups/:id/stats", async (c) => {
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    await requireGroup(db, ws, c.req.param("id"));
    return c.json(await groupStub(c.env, ws, c.req.param("id")).stats());
  })

  // ---- schedules and agents' routing settings ------------------------------------------------
  .get("/schedules", async (c) => {
    const rows = await database(c.env.DB).select().from(schema.schedules).where(eq(schema.schedules.workspaceId, c.get("caller").workspace_id));
    return c.json({ items: rows.map((r) => ({ id: r.id, name: r.name, schedule: r.body })) });
  })
  .post("/schedules", async (c) => {
    const body = await readJson(c, ScheduleBody);
    if (body.schedule.timezone && !isValidTimezone(body.schedule.timezone)) throw new SwitchboardError("invalid_request", `unknown time zone ${body.schedule.timezone}`);
    const db = database(c.env.DB);
    const id = newId("schedule");
    const inserted = await db
      .insert(schema.schedules)
      .values({ id, workspaceId: c.get("caller").workspace_id, name: body.name, body: body.schedule, updatedAt: Date.now() })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) throw new SwitchboardError("invalid_request", `a schedule named ${body.name} already exists`);
    return c.json({ id, ...body }, 201);
  })
  .put("/schedules/:id", async (c) => {
    const body = await readJson(c, ScheduleBody);
    if (body.schedule.timezone && !isValidTimezone(body.schedule.timezone)) throw new SwitchboardError("invalid_request", `unknown time zone ${body.schedule.timezone}`);
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    const updated = await db
      .update(schema.schedules)
      .set({ name: body.name, body: body.schedule, updatedAt: Date.now() })
      .where(and(eq(schema.schedules.workspaceId, ws), eq(schema.schedules.id, c.req.param("id"))))
      .returning();
    if (updated.length === 0) throw notFound("schedule");
    const users = await db.select({ id: schema.users.id }).from(schema.users).where(and(eq(schema.users.workspaceId, ws), eq(schema.users.shiftScheduleId, c.req.param("id"))));
    await syncAgents(c.env, db, ws, users.map((u) => u.id));
    return c.json({ id: c.req.param("id"), ...body });
  })
  .patch("/users/:id/routing", async (c) => {
    const body = await readJson(c, UserRoutingPatch);
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    if (body.shift_schedule_id) {
      const found = await db.select({ id: schema.schedules.id }).from(schema.schedules).where(and(eq(schema.schedules.workspaceId, ws), eq(schema.schedules.id, body.shift_schedule_id)));
      if (found.length === 0) throw new SwitchboardError("invalid_request", `no schedule ${body.shift_schedule_id}`);
    }
    const updated = await db
      .update(schema.users)
      .set({
        ...(body.max_concurrent === undefined ? {} : { maxConcurrent: body.max_concurrent }),
        ...(body.shift_schedule_id === undefined ? {} : { shiftScheduleId: body.shift_schedule_id }),
      })
      .where(and(eq(schema.users.workspaceId, ws), eq(schema.users.id, c.req.param("id"))))
      .returning({ id: schema.users.id, max_concurrent: schema.users.maxConcurrent, shift_schedule_id: schema.users.shiftScheduleId });
    if (updated.length === 0) throw notFound("user");
    await syncAgents(c.env, db, ws, [c.req.param("id")]);
    return c.json(updated[0]);
  })

  // ---- rule sets ------------------------------------------------------------------------------
  .get("/routing/rules", async (c) => {
    const current = await currentRuleSet(database(c.env.DB), c.get("caller").workspace_id);
    if (!current) throw new SwitchboardError("not_found", "no rule set has been published; conversations go to the oldest skill group");
    return c.json(current);
  })
  .get("/routing/rules/versions", async (c) => {
    const rows = await database(c.env.DB)
      .select({
        version: schema.ruleSetVersions.version,
        note: schema.ruleSetVersions.note,
        published_by: schema.ruleSetVersions.publishedBy,
        published_at: schema.ruleSetVersions.publishedAt,
        restored_from: schema.ruleSetVersions.restoredFrom,
      })
      .from(schema.ruleSetVersions)
      .where(eq(schema.ruleSetVersions.workspaceId, c.get("caller").workspace_id))
      .orderBy(desc(schema.ruleSetVersions.version));
    return c.json({ items: rows });
  })
  .get("/routing/rules/versions/:v", async (c) => {
    const v = VersionParam.safeParse(c.req.param("v"));
    if (!v.success) throw notFound("rule set version");
    return c.json(await version(database(c.env.DB), c.get("caller").workspace_id, v.data));
  })
  .get("/routing/rules/diff", async (c) => {
    const from = VersionParam.safeParse(c.req.query("from"));
    const to = VersionParam.safeParse(c.req.query("to"));
    if (!from.success || !to.success) throw new SwitchboardError("invalid_request", "diff needs ?from=<version>&to=<version>");
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    const [a, b] = await Promise.all([version(db, ws, from.data), version(db, ws, to.data)]);
    return c.json({ from: a.version, to: b.version, ...diffRuleSets(a.body, b.body) });
  })
  .post("/routing/rules", async (c) => {
    const body = await readJson(c, PublishBody);
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    await assertReferencesExist(db, ws, body.rule_set);
    return c.json(await publish(db, ws, body.rule_set, c.get("caller").actor.id, body.note, null), 201);
  })
  .post("/routing/rules/versions/:v/restore", async (c) => {
    const body = await readJson(c, RestoreBody);
    const v = VersionParam.safeParse(c.req.param("v"));
    if (!v.success) throw notFound("rule set version");
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    const old = await version(db, ws, v.data);
    await assertReferencesExist(db, ws, old.body);
    return c.json(await publish(db, ws, old.body, c.get("caller").actor.id, body.note ?? `restored version ${v.data}`, v.data), 201);
  })
  .post("/routing/rules/explain", async (c) => {
    const body = await readJson(c, ExplainBody);
    const ws = c.get("caller").workspace_id;
    if (body.rule_set) await assertReferencesExist(database(c.env.DB), ws, body.rule_set);
    const outcome = await route(
      c.env,
      {
        workspace_id: ws,
        context: { ...body.context, channel: body.context.channel ?? "web" },
        // A live conversation's contact tags are its context tags (see runRouting): a dry run reads them too.
        contact_tags: [...new Set([...(body.context.tags ?? []), ...body.contact_tags])],
        first_message: body.first_message,
        ...(body.at === undefined ? {} : { now: body.at }),
      },
      body.rule_set,
    );
    if (!outcome) throw new SwitchboardError("invalid_request", "the workspace has no skill groups and no rule set: there is nothing to explain");
    return c.json(outcome);
  });
