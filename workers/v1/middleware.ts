import type { MiddlewareHandler } from "hono";
import { and, eq, lt } from "drizzle-orm";
import { sha256Base64Url } from "../../src/auth/index.ts";
import type { ApiScope } from "../../src/model/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import { isApiKeySecret, resolveApiKey } from "../auth/api-keys.ts";
import { database, type Database, schema } from "../db.ts";
import type { V1Env } from "./env.ts";
import { openStoredResponse, sealStoredResponse } from "../webhooks/secret.ts";

/** Resolves the API key in `Authorization: Bearer sbk_…` or answers 401. */
export const authenticateKey: MiddlewareHandler<V1Env> = async (c, next) => {
  const header = c.req.header("authorization");
  const secret = header?.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : undefined;
  if (!secret || !isApiKeySecret(secret)) throw new SwitchboardError("unauthorized", "pass an API key as 'Authorization: Bearer sbk_…'");
  const key = await resolveApiKey(database(c.env.DB), secret);
  if (!key) throw new SwitchboardError("unauthorized", "the API key is unknown or revoked");
  c.set("key", key);
  await next();
};

export function requireScope(scope: ApiScope): MiddlewareHandler<V1Env> {
  return async (c, next) => {
    if (!c.get("key").scopes.includes(scope)) throw new SwitchboardError("forbidden", `this API key lacks the scope ${scope}`);
    await next();
  };
}

/** How long a create's response is kept for retries with the same Idempotency-Key. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * `Idempotency-Key` on a create: the first request runs and its response is stored; a retry with
 * the same key and the same body gets that response again (header `Idempotent-Replayed: true`);
 * the same key with another body, or while the first is still running, is a 409.
 */
export const idempotent: MiddlewareHandler<V1Env> = async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return next();
  if (key.length < 1 || key.length > 255) throw new SwitchboardError("invalid_request", "Idempotency-Key must be 1–255 characters");
  const db = database(c.env.DB);
  const apiKey = c.get("key");
  const route = `${c.req.method} ${new URL(c.req.url).pathname}`;
  const requestHash = await sha256Base64Url(`${route}\n${await c.req.text()}`);
  const t = schema.idempotencyKeys;
  const claimed = await db
    .insert(t)
    .values({ apiKeyId: apiKey.id, key, workspaceId: apiKey.workspace_id, route, requestHash, status: 0, createdAt: Date.now() })
    .onConflictDoNothing()
    .returning({ key: t.key });
  if (claimed.length === 0) return replay(c.env, db, apiKey.id, key, requestHash);

  const where = and(eq(t.apiKeyId, apiKey.id), eq(t.key, key));
  await next();
  if (c.res.status >= 500) {
    // A failure worth retrying: let the retry run again rather than replay the failure.
    await db.delete(t).where(where);
    return;
  }
  // Sealed: the response to a webhook create carries its signing secret (docs/webhooks.md).
  const body = await sealStoredResponse(c.env, `${apiKey.id}/${key}`, await c.res.clone().text());
  await db.update(t).set({ status: c.res.status, body }).where(where);
};

async function replay(env: V1Env["Bindings"], db: Database, apiKeyId: string, key: string, requestHash: string): Promise<Response> {
  const t = schema.idempotencyKeys;
  const row = (await db.select().from(t).where(and(eq(t.apiKeyId, apiKeyId), eq(t.key, key))).limit(1))[0];
  if (!row) throw new SwitchboardError("idempotency_conflict", "this Idempotency-Key was just released; retry the request");
  if (row.requestHash !== requestHash) {
    throw new SwitchboardError("idempotency_conflict", "this Idempotency-Key was used with a different request; use a new key for a new request");
  }
  if (row.status === 0) throw new SwitchboardError("idempotency_conflict", "a request with this Idempotency-Key is still running; retry shortly");
  return new Response(await openStoredResponse(env, `${apiKeyId}/${key}`, row.body ?? ""), { status: row.status, headers: { "content-type": "application/json", "idempotent-replayed": "true" } });
}

/** Cron: stored responses past their retry window. */
export async function purgeIdempotencyKeys(db: Database, now = Date.now()): Promise<void> {
  await db.delete(schema.idempotencyKeys).where(lt(schema.idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS));
}
