import { and, desc, eq, isNull } from "drizzle-orm";
import { randomToken, sha256Base64Url } from "../../src/auth/index.ts";
import type { ApiKey, ApiScope, CreateApiKeyBody } from "../../src/model/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

const SECRET_PREFIX = "sbk_";
/** last_used_at is written at most this often per key, so a busy key costs no extra D1 write per call. */
const TOUCH_MS = 60_000;

export interface KeyCaller {
  id: string;
  workspace_id: string;
  name: string;
  scopes: ApiScope[];
}

export function isApiKeySecret(token: string): boolean {
  return token.startsWith(SECRET_PREFIX);
}

function toWire(row: typeof schema.apiKeys.$inferSelect): ApiKey {
  return {
    id: row.id,
    workspace_id: row.workspaceId,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as ApiScope[],
    created_by: row.createdBy,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
    revoked_at: row.revokedAt,
  };
}

export async function createApiKey(db: Database, workspaceId: string, createdBy: string, body: CreateApiKeyBody, now = Date.now()) {
  const secret = SECRET_PREFIX + randomToken(32);
  const rows = await db
    .insert(schema.apiKeys)
    .values({
      id: newId("apiKey", now),
      workspaceId,
      name: body.name,
      prefix: secret.slice(0, SECRET_PREFIX.length + 6),
      secretHash: await sha256Base64Url(secret),
      scopes: [...new Set(body.scopes)],
      createdBy,
      createdAt: now,
    })
    .returning();
  return { ...toWire(rows[0]!), secret };
}

export async function listApiKeys(db: Database, workspaceId: string): Promise<ApiKey[]> {
  const rows = await db.select().from(schema.apiKeys).where(eq(schema.apiKeys.workspaceId, workspaceId)).orderBy(desc(schema.apiKeys.createdAt));
  return rows.map(toWire);
}

export async function revokeApiKey(db: Database, workspaceId: string, id: string, now = Date.now()): Promise<ApiKey> {
  const t = schema.apiKeys;
  await db.update(t).set({ revokedAt: now }).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id), isNull(t.revokedAt)));
  const row = (await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", "no such API key");
  return toWire(row);
}

/**
 * The live key behind a secret, or null. Checked against D1 on every call (revocation is
 * immediate); last_used_at is refreshed when it is more than a minute old.
 */
export async function resolveApiKey(db: Database, secret: string, now = Date.now()): Promise<KeyCaller | null> {
  const t = schema.apiKeys;
  const row = (await db.select().from(t).where(and(eq(t.secretHash, await sha256Base64Url(secret)), isNull(t.revokedAt))).limit(1))[0];
  if (!row) return null;
  if (row.lastUsedAt === null || now - row.lastUsedAt > TOUCH_MS) {
    await db.update(t).set({ lastUsedAt: now }).where(eq(t.id, row.id));
  }
  return { id: row.id, workspace_id: row.workspaceId, name: row.name, scopes: row.scopes as ApiScope[] };
}
