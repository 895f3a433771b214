import { and, asc, eq } from "drizzle-orm";
import { Hono } from "hono";
import { type CannedReply, CannedReplyBody, newId, SwitchboardError } from "../../../src/model/index.ts";
import { database, type Database, schema } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson } from "../errors.ts";

type Row = typeof schema.cannedReplies.$inferSelect;
const view = (r: Row): CannedReply => ({ id: r.id, title: r.title, body: r.body, updated_at: r.updatedAt });

async function requireReply(db: Database, workspaceId: string, id: string): Promise<Row> {
  const row = (
    await db
      .select()
      .from(schema.cannedReplies)
      .where(and(eq(schema.cannedReplies.workspaceId, workspaceId), eq(schema.cannedReplies.id, id)))
      .limit(1)
  )[0];
  if (!row) throw new SwitchboardError("not_found", "no such canned reply");
  return row;
}

const duplicate = (title: string) => new SwitchboardError("invalid_request", `a canned reply titled "${title}" already exists`);

/** The workspace's saved answers: every user reads them, supervisors and admins keep them. */
export const cannedReplyRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser())
  .use("*", async (c, next) => {
    if (c.req.method !== "GET" && c.get("user")!.role === "agent") {
      throw new SwitchboardError("forbidden", "only supervisors and admins change canned replies");
    }
    await next();
  })
  .get("/", async (c) => {
    const rows = await database(c.env.DB)
      .select()
      .from(schema.cannedReplies)
      .where(eq(schema.cannedReplies.workspaceId, c.get("caller").workspace_id))
      .orderBy(asc(schema.cannedReplies.title));
    return c.json({ items: rows.map(view) });
  })
  .post("/", async (c) => {
    const body = await readJson(c, CannedReplyBody);
    const now = Date.now();
    const row = {
      id: newId("cannedReply", now),
      workspaceId: c.get("caller").workspace_id,
      ...body,
      createdBy: c.get("caller").actor.id,
      createdAt: now,
      updatedAt: now,
    };
    const inserted = await database(c.env.DB).insert(schema.cannedReplies).values(row).onConflictDoNothing().returning();
    if (inserted.length === 0) throw duplicate(body.title);
    return c.json(view(inserted[0]!), 201);
  })
  .put("/:id", async (c) => {
    const body = await readJson(c, CannedReplyBody);
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    await requireReply(db, ws, c.req.param("id"));
    const clash = await db
      .select({ id: schema.cannedReplies.id })
      .from(schema.cannedReplies)
      .where(and(eq(schema.cannedReplies.workspaceId, ws), eq(schema.cannedReplies.title, body.title)))
      .limit(1);
    if (clash[0] && clash[0].id !== c.req.param("id")) throw duplicate(body.title);
    const updated = await db
      .update(schema.cannedReplies)
      .set({ ...body, updatedAt: Date.now() })
      .where(and(eq(schema.cannedReplies.workspaceId, ws), eq(schema.cannedReplies.id, c.req.param("id"))))
      .returning();
    return c.json(view(updated[0]!));
  })
  .delete("/:id", async (c) => {
    const db = database(c.env.DB);
    const ws = c.get("caller").workspace_id;
    await requireReply(db, ws, c.req.param("id"));
    await db.delete(schema.cannedReplies).where(and(eq(schema.cannedReplies.workspaceId, ws), eq(schema.cannedReplies.id, c.req.param("id"))));
    return c.body(null, 204);
  });
