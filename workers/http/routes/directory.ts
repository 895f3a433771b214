import { and, asc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { Directory } from "../../../src/model/index.ts";
import { database, schema } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";

/**
 * Who works here and which skill groups exist: what a transfer dialog offers and an admin's
 * member list shows. Any signed-in user may read it; routing administration changes it.
 */
export const directoryRoutes = new Hono<AppEnv>().use("*", authenticate, requireUser()).get("/", async (c) => {
  const db = database(c.env.DB);
  const ws = c.get("caller").workspace_id;
  const [users, groups] = await db.batch([
    db
      .select()
      .from(schema.users)
      .where(and(eq(schema.users.workspaceId, ws), eq(schema.users.active, true)))
      .orderBy(asc(schema.users.name)),
    db.select().from(schema.skillGroups).where(eq(schema.skillGroups.workspaceId, ws)).orderBy(asc(schema.skillGroups.createdAt)),
  ]);
  const body: Directory = {
    users: users.map((u) => ({
      id: u.id,
      name: u.name,
      email: u.email,
      role: u.role,
      max_concurrent: u.maxConcurrent,
      shift_schedule_id: u.shiftScheduleId,
    })),
    groups: groups.map((g) => ({ id: g.id, name: g.name })),
  };
  return c.json(body);
});
