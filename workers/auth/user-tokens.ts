import { and, eq, gt, isNull } from "drizzle-orm";
import { hashPassword, randomToken, sha256Base64Url } from "../../src/auth/index.ts";
import type { User, UserRole } from "../../src/model/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";
import { revokeUserSessions } from "./sessions.ts";

const PREFIX = "ut1.";
export const INVITATION_MS = 7 * 24 * 60 * 60 * 1000;
export const RESET_MS = 60 * 60 * 1000;

export interface Issued {
  id: string;
  kind: "invitation" | "password_reset";
  email: string;
  token: string;
  link: string;
  expires_at: number;
}

type Kind = Issued["kind"];

/** Where the person opens the token: the web app's page for it, on the origin the admin used. */
function linkFor(origin: string, kind: Kind, token: string): string {
  return `${origin}/${kind === "invitation" ? "accept-invitation" : "reset-password"}#token=${encodeURIComponent(token)}`;
}

async function issue(
  db: Database,
  values: { workspaceId: string; kind: Kind; userId: string | null; email: string; name: string | null; role: UserRole | null; createdBy: string },
  origin: string,
  now: number,
): Promise<Issued> {
  const token = PREFIX + randomToken(32);
  const expiresAt = now + (values.kind === "invitation" ? INVITATION_MS : RESET_MS);
  const id = newId("invitation", now);
  await db.insert(schema.userTokens).values({ id, ...values, tokenHash: await sha256Base64Url(token), createdAt: now, expiresAt });
  return { id, kind: values.kind, email: values.email, token, link: linkFor(origin, values.kind, token), expires_at: expiresAt };
}

export async function inviteUser(db: Database, workspaceId: string, createdBy: string, body: { email: string; name: string; role: UserRole }, origin: string, now = Date.now()) {
  const email = body.email.toLowerCase();
  const existing = await db.select({ id: schema.users.id }).from(schema.users).where(and(eq(schema.users.workspaceId, workspaceId), eq(schema.users.email, email))).limit(1);
  if (existing.length > 0) throw new SwitchboardError("invalid_request", `${email} already has an account in this workspace`);
  return issue(db, { workspaceId, kind: "invitation", userId: null, email, name: body.name, role: body.role, createdBy }, origin, now);
}

export async function issuePasswordReset(db: Database, workspaceId: string, createdBy: string, userId: string, origin: string, now = Date.now()) {
  const user = (await db.select().from(schema.users).where(and(eq(schema.users.workspaceId, workspaceId), eq(schema.users.id, userId))).limit(1))[0];
  if (!user) throw new SwitchboardError("not_found", "no such user");
  return issue(db, { workspaceId, kind: "password_reset", userId, email: user.email, name: null, role: null, createdBy }, origin, now);
}

/** Marks a live token of this kind used and returns it; a second use, an expired or unknown token fails alike. */
async function consume(db: Database, kind: Kind, token: string, now: number) {
  const t = schema.userTokens;
  const rows = await db
    .update(t)
    .set({ usedAt: now })
    .where(and(eq(t.tokenHash, await sha256Base64Url(token)), eq(t.kind, kind), isNull(t.usedAt), gt(t.expiresAt, now)))
    .returning();
  const row = rows[0];
  if (!row) throw new SwitchboardError("unauthorized", `the ${kind === "invitation" ? "invitation" : "reset"} link is invalid, expired or already used`);
  return row;
}

export async function acceptInvitation(db: Database, token: string, password: string, now = Date.now()): Promise<User> {
  const row = await consume(db, "invitation", token, now);
  const id = newId("user", now);
  const inserted = await db
    .insert(schema.users)
    .values({ id, workspaceId: row.workspaceId, email: row.email, name: row.name ?? row.email, role: row.role ?? "agent", passwordHash: await hashPassword(password), createdAt: now })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) throw new SwitchboardError("invalid_request", `${row.email} already has an account in this workspace`);
  await db.update(schema.userTokens).set({ userId: id }).where(eq(schema.userTokens.id, row.id));
  const u = inserted[0]!;
  return { id: u.id, workspace_id: u.workspaceId, email: u.email, name: u.name, role: u.role as UserRole };
}

/** Sets the new password and ends every session the user had: whoever knew the old one is out. */
export async function resetPassword(db: Database, token: string, password: string, now = Date.now()): Promise<void> {
  const row = await consume(db, "password_reset", token, now);
  await db.update(schema.users).set({ passwordHash: await hashPassword(password) }).where(eq(schema.users.id, row.userId!));
  await revokeUserSessions(db, row.userId!, now);
}
