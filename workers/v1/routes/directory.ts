import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { describeIssues } from "../../../src/conversation/index.ts";
import { Agent, PageQuery, pageOf, SkillGroup, SwitchboardError, UserRole } from "../../../src/model/index.ts";
import { RuleSet } from "../../../src/routing/index.ts";
import { database, schema } from "../../db.ts";
import { currentRuleSet } from "../../directory/routing-config.ts";
import { assertReferencesExist, publish } from "../../http/routes/routing-admin.ts";
import { decodeCursor, page } from "../cursor.ts";
import { idempotent, requireScope } from "../middleware.ts";
import { errors, IdempotencyHeaders, jsonBody, ok, security, v1Router } from "../openapi.ts";

/**
 * RuleSet's conditions are recursive (z.lazy), which the OpenAPI generator cannot walk: the
 * document shows a rule set as an object described in docs/routing.md, and the handler checks it
 * against RuleSet itself.
 */
const RuleSetDoc = z.looseObject({}).describe("A routing rule set (docs/routing.md), validated against the RuleSet schema");

const PublishedRuleSet = z.object({
  version: z.int(),
  body: RuleSetDoc,
  note: z.string().nullable(),
  published_by: z.string(),
  published_at: z.int(),
  restored_from: z.int().nullable(),
});
const PublishBody = z.object({ rule_set: RuleSetDoc, note: z.string().max(500).optional() });
const AgentQuery = PageQuery.extend({ role: UserRole.optional() });

/** The workspace's people, queues and routing policy: read, and publish a new policy version. */
export const directoryV1 = v1Router()
  .openapi(
    createRoute({
      method: "get",
      path: "/skill-groups",
      tags: ["Routing"],
      summary: "Skill groups (技能组) with their members",
      security,
      middleware: [requireScope("skill_groups:read")] as const,
      responses: { 200: ok(pageOf(SkillGroup)), ...errors },
    }),
    async (c) => {
      const db = database(c.env.DB);
      const ws = c.get("key").workspace_id;
      const groups = await db.select().from(schema.skillGroups).where(eq(schema.skillGroups.workspaceId, ws)).orderBy(asc(schema.skillGroups.createdAt));
      const members = await db.select().from(schema.groupMembers).where(eq(schema.groupMembers.workspaceId, ws));
      const items = groups.map((g) => ({
        id: g.id,
        name: g.name,
        policy: g.policy,
        requeue: g.requeue,
        member_ids: members.filter((m) => m.groupId === g.id).map((m) => m.userId),
      }));
      return c.json({ items, next_cursor: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/agents",
      tags: ["Routing"],
      summary: "The workspace's users (agents, supervisors, admins) and their groups",
      security,
      middleware: [requireScope("agents:read")] as const,
      request: { query: AgentQuery },
      responses: { 200: ok(pageOf(Agent)), ...errors },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const db = database(c.env.DB);
      const ws = c.get("key").workspace_id;
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const t = schema.users;
      const rows = await db
        .select()
        .from(t)
        .where(and(eq(t.workspaceId, ws), q.role ? eq(t.role, q.role) : undefined, after ? gt(t.id, after.id) : undefined))
        .orderBy(asc(t.id))
        .limit(q.limit + 1);
      const members = await db.select().from(schema.groupMembers).where(eq(schema.groupMembers.workspaceId, ws));
      return c.json(
        page(
          rows,
          q.limit,
          (u) => ({
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role,
            active: u.active,
            max_concurrent: u.maxConcurrent,
            group_ids: members.filter((m) => m.userId === u.id).map((m) => m.groupId),
          }),
          (u) => ({ k: 0, id: u.id }),
        ),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/routing/rules",
      tags: ["Routing"],
      summary: "The live routing rule set",
      security,
      middleware: [requireScope("routing:read")] as const,
      responses: { 200: ok(PublishedRuleSet), ...errors },
    }),
    async (c) => {
      const current = await currentRuleSet(database(c.env.DB), c.get("key").workspace_id);
      if (!current) throw new SwitchboardError("not_found", "no rule set has been published; conversations go to the oldest skill group");
      return c.json(current, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/routing/rules",
      tags: ["Routing"],
      summary: "Publish a new rule-set version (live at once)",
      security,
      middleware: [requireScope("routing:write"), idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(PublishBody) },
      responses: { 201: ok(PublishedRuleSet, "Published"), ...errors },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const ruleSet = RuleSet.safeParse(body.rule_set);
      if (!ruleSet.success) throw new SwitchboardError("invalid_request", "invalid rule_set", describeIssues(ruleSet.error));
      const db = database(c.env.DB);
      const key = c.get("key");
      await assertReferencesExist(db, key.workspace_id, ruleSet.data);
      return c.json(await publish(db, key.workspace_id, ruleSet.data, key.id, body.note, null), 201);
    },
  );
