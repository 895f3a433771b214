import { and, asc, eq, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { InvitationBody, SwitchboardError, UserId, UserPatch } from "../../../src/model/index.ts";
import { deactivateUser, reactivateUser } from "../../auth/deactivate.ts";
import { inviteUser, issuePasswordReset, type Issued } from "../../auth/user-tokens.ts";
import { database, type Database, schema } from "../../db.ts";
import { syncAgents } from "../../directory/routing-config.ts";
import { visibleTo } from "../../directory/visibility.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson } from "../errors.ts";

function userIdParam(id: string | undefined): string {
  if (!id || !UserId.safeParse(id).success) throw new SwitchboardError("not_found", "no such user");
  return id;
}

async function managedUsers(db: Database, workspaceId: string, condition: SQL | undefined) {
  const u = schema.users;
  const rows = await db.select().from(u).where(and(eq(u.workspaceId, workspaceId), condition)).orderBy(asc(u.createdAt));
  const members = await db.select().from(schema.groupMembers).where(eq(schema.groupMembers.workspaceId, workspaceId));
  return rows.map((r) => ({
    id: r.id,
    workspace_id: r.workspaceId,
    email: r.email,
    name: r.name,
    role: r.role,
    active: r.active,
    created_at: r.createdAt,
    group_ids: members.filter((m) => m.userId === r.id).map((m) => m.groupId),
  }));
}

/** Shown to the admin, and logged in development where no mail goes out (docs/permissions.md). */
function handOver(env: AppEnv["Bindings"], issued: Issued): Issued {
  if (env.ENVIRONMENT === "development") console.log(`${issued.kind} link for ${issued.email}: ${issued.link}`);
  return issued;
}

/** User management: admins configure; supervisors see the people of their groups (docs/permissions.md). */
export const userRoutes = new Hono<AppEnv>()
  .use("*", authenticate)
  .get("/", requireUser("admin", "supervisor"), async (c) => {
    const db = database(c.env.DB);
    const user = c.get("user")!;
    return c.json({ items: await managedUsers(db, user.workspace_id, visibleTo(db, user, schema.users.id)) });
  })
  .use("*", requireUser("admin"))
  .post("/invitations", async (c) => {
    const body = await readJson(c, InvitationBody);
    const user = c.get("user")!;
    const issued = await inviteUser(database(c.env.DB), user.workspace_id, user.id, body, new URL(c.req.url).origin);
    return c.json(handOver(c.env, issued), 201);
  })
  .patch("/:id", async (c) => {
    const body = await readJson(c, UserPatch);
    const admin = c.get("user")!;
    const id = userIdParam(c.req.param("id"));
    if (id === admin.id && body.role && body.role !== "admin") throw new SwitchboardError("forbidden", "admins cannot take away their own admin role");
    const db = database(c.env.DB);
    const u = schema.users;
    const updated = await db.update(u).set(body).where(and(eq(u.workspaceId, admin.workspace_id), eq(u.id, id))).returning({ id: u.id });
    if (updated.length === 0) throw new SwitchboardError("not_found", "no such user");
    await syncAgents(c.env, db, admin.workspace_id, [id]);
    return c.json((await managedUsers(db, admin.workspace_id, eq(schema.users.id, id)))[0]);
  })
  .post("/:id/deactivate", async (c) => {
    const admin = c.get("user")!;
    const id = userIdParam(c.req.param("id"));
    if (id === admin.id) throw new SwitchboardError("forbidden", "admins cannot deactivate themselves");
    const result = await deactivateUser(c.env, admin.workspace_id, id);
    return c.json({ ...(await managedUsers(database(c.env.DB), admin.workspace_id, eq(schema.users.id, id)))[0], ...result });
  })
  .post("/:id/reactivate", async (c) => {
    const admin = c.get("user")!;
    const id = userIdParam(c.req.param("id"));
    await reactivateUser(c.env, admin.workspace_id, id);
    return c.json((await managedUsers(database(c.env.DB), admin.workspace_id, eq(schema.users.id, id)))[0]);
  })
  .post("/:id/password-reset", async (c) => {
    const admin = c.get("user")!;
    const issued = await issuePasswordReset(database(c.env.DB), admin.workspace_id, admin.id, userIdParam(c.req.param("id")), new URL(c.req.url).origin);
    return c.json(handOver(c.env, issued), 201);
  });
