import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { hashPassword, verifyPassword } from "../../../src/auth/index.ts";
import type { User, UserRole } from "../../../src/model/index.ts";
import { LIMITS, LoginBody, SwitchboardError } from "../../../src/model/index.ts";
import { createSession, revokeSession } from "../../auth/sessions.ts";
import { database, schema } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser, SESSION_COOKIE } from "../authenticate.ts";
import { readJson } from "../errors.ts";

/** Verified against when the email is unknown, so a wrong email costs as long as a wrong password. */
let decoyHash: Promise<string> | undefined;

export const authRoutes = new Hono<AppEnv>()
  .post("/login", async (c) => {
    const body = await readJson(c, LoginBody);
    const db = database(c.env.DB);
    const rows = await db
      .select({ user: schema.users })
      .from(schema.users)
      .innerJoin(schema.workspaces, eq(schema.workspaces.id, schema.users.workspaceId))
      .where(and(eq(schema.workspaces.slug, body.workspace), eq(schema.users.email, body.email.toLowerCase())))
      .limit(1);
    const found = rows[0]?.user;
    decoyHash ??= hashPassword("decoy-password");
    const ok = await verifyPassword(body.password, found?.passwordHash ?? (await decoyHash));
    if (!found || !ok || !found.active) {
      throw new SwitchboardError("unauthorized", "wrong workspace, email or password, or the account is deactivated");
    }
    const user: User = { id: found.id, workspace_id: found.workspaceId, email: found.email, name: found.name, role: found.role as UserRole };
    const session = await createSession(db, user);
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: "Lax",
      secure: new URL(c.req.url).protocol === "https:",
      path: "/",
      maxAge: LIMITS.sessionSeconds,
    });
    return c.json({ ...session, user });
  })
  .use("/logout", authenticate, requireUser())
  .post("/logout", async (c) => {
    await revokeSession(database(c.env.DB), c.get("token"));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  })
  .use("/me", authenticate, requireUser())
  .get("/me", (c) => {
    const { session_id: _s, expires_at, ...user } = c.get("user")!;
    return c.json({ user, expires_at });
  });
