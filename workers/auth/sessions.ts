import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import { randomToken, sha256Base64Url } from "../../src/auth/index.ts";
import type { User, UserRole } from "../../src/model/index.ts";
import { LIMITS, newId } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

export interface SessionUser extends User {
  session_id: string;
  expires_at: number;
}

const TOKEN_PREFIX = "st1.";
/** Sessions are checked against D1 at most this often per isolate, keeping D1 off per-request paths. */
const CACHE_MS = 30_000;
const CACHE_MAX = 1000;
const cache = new Map<string, { user: SessionUser; until: number }>();

export function isSessionToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX);
}

export async function createSession(db: Database, user: User, now = Date.now()): Promise<{ token: string; expires_at: number }> {
  const token = TOKEN_PREFIX + randomToken(32);
  const expiresAt = now + LIMITS.sessionSeconds * 1000;
  await db.insert(schema.sessions).values({
    id: newId("session", now),
    tokenHash: await sha256Base64Url(token),
    userId: user.id,
    workspaceId: user.workspace_id,
    createdAt: now,
    expiresAt,
  });
  return { token, expires_at: expiresAt };
}

/** The active user behind a live session token, or null. */
export async function resolveSession(db: Database, token: string, now = Date.now()): Promise<SessionUser | null> {
  const cached = cache.get(token);
  if (cached && cached.until > now && cached.user.expires_at > now) return cached.user;
  const rows = await db
    .select({
      session_id: schema.sessions.id,
      expires_at: schema.sessions.expiresAt,
      id: schema.users.id,
      workspace_id: schema.users.workspaceId,
      email: schema.users.email,
      name: schema.users.name,
      role: schema.users.role,
    })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .where(
      and(
        eq(schema.sessions.tokenHash, await sha256Base64Url(token)),
        isNull(schema.sessions.revokedAt),
        gt(schema.sessions.expiresAt, now),
        eq(schema.users.active, true),
      ),
    )
    .limit(1);
  const row = rows[0];
  if (!row) {
    cache.delete(token);
    return null;
  }
  const user: SessionUser = { ...row, role: row.role as UserRole };
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(token, { user, until: now + CACHE_MS });
  return user;
}

export async function revokeSession(db: Database, token: string, now = Date.now()): Promise<void> {
  cache.delete(token);
  await db
    .update(schema.sessions)
    .set({ revokedAt: now })
    .where(eq(schema.sessions.tokenHash, await sha256Base64Url(token)));
}

/** Cron: sessions expired or revoked more than a day ago are only clutter. */
export async function purgeSessions(db: Database, now = Date.now()): Promise<void> {
  const dayAgo = now - 24 * 60 * 60 * 1000;
  await db.delete(schema.sessions).where(or(lt(schema.sessions.expiresAt, dayAgo), lt(schema.sessions.revokedAt, dayAgo)));
}

/**
 * Ends every session of a user (deactivation, password reset). This isolate forgets them at once;
 * other isolates within their 30-second cache window.
 */
export async function revokeUserSessions(db: Database, userId: string, now = Date.now()): Promise<void> {
  for (const [token, entry] of cache) if (entry.user.id === userId) cache.delete(token);
  await db
    .update(schema.sessions)
    .set({ revokedAt: now })
    .where(and(eq(schema.sessions.userId, userId), isNull(schema.sessions.revokedAt)));
}
