import { and, eq, sql } from "drizzle-orm";
import { isSealed, keyId, MIN_KEY_CHARS, openSealed, seal } from "../../src/auth/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";

/**
 * Webhook signing secrets are stored sealed (src/auth/secret-box.ts) under WEBHOOK_SECRET_KEY;
 * WEBHOOK_SECRET_KEY_PREVIOUS still opens what the key before it sealed, while the cron re-seals.
 */
function keysOf(env: Env): string[] {
  const current = env.WEBHOOK_SECRET_KEY;
  if (!current || current.length < MIN_KEY_CHARS) {
    throw new SwitchboardError("misconfigured", `WEBHOOK_SECRET_KEY is not set (at least ${MIN_KEY_CHARS} characters): see docs/operations.md`);
  }
  const previous = env.WEBHOOK_SECRET_KEY_PREVIOUS;
  return previous && previous.length >= MIN_KEY_CHARS ? [current, previous] : [current];
}

/** The sealed value is bound to its row: copied to another webhook it does not open. */
function context(workspaceId: string, webhookId: string): string {
  return `webhook:${workspaceId}/${webhookId}`;
}

export function sealWebhookSecret(env: Env, workspaceId: string, webhookId: string, secret: string): Promise<string> {
  return seal(secret, keysOf(env)[0]!, context(workspaceId, webhookId));
}

/** The secret to sign with. Rows from before sealing hold it as is (`whsec_…`) until the cron seals them. */
export async function openWebhookSecret(env: Env, row: { workspaceId: string; id: string; secret: string }): Promise<string> {
  if (!isSealed(row.secret)) return row.secret;
  return openSealed(row.secret, keysOf(env), context(row.workspaceId, row.id));
}

/**
 * Stored responses kept for idempotent replays (workers/v1/middleware.ts) may carry a webhook
 * secret, so they are sealed too, under the same key, when it is configured.
 */
export async function sealStoredResponse(env: Env, context: string, body: string): Promise<string> {
  return env.WEBHOOK_SECRET_KEY ? seal(body, keysOf(env)[0]!, `response:${context}`) : body;
}

export async function openStoredResponse(env: Env, context: string, body: string): Promise<string> {
  return isSealed(body) ? openSealed(body, keysOf(env), `response:${context}`) : body;
}

/** At most this many rows per cron run: each is one D1 write. */
const RESEAL_LIMIT = 50;

/**
 * Cron: seals secrets stored before sealing existed, and re-seals those an older key sealed, so
 * the previous key can be retired. Does nothing once every row is sealed under the current key.
 */
export async function resealWebhookSecrets(env: Env): Promise<number> {
  if (!env.WEBHOOK_SECRET_KEY) return 0;
  try {
    return await reseal(env);
  } catch (err) {
    console.error("re-sealing webhook secrets waits for the next cron run", err);
    return 0;
  }
}

async function reseal(env: Env): Promise<number> {
  const db = database(env.DB);
  const w = schema.webhooks;
  const current = `sb1.${await keyId(keysOf(env)[0]!)}.`;
  const rows = await db
    .select({ id: w.id, workspaceId: w.workspaceId, secret: w.secret })
    .from(w)
    .where(sql`substr(${w.secret}, 1, ${current.length}) <> ${current}`)
    .limit(RESEAL_LIMIT);
  for (const row of rows) {
    try {
      const sealed = await sealWebhookSecret(env, row.workspaceId, row.id, await openWebhookSecret(env, row));
      // Only if nobody rotated it meanwhile.
      await db.update(w).set({ secret: sealed }).where(and(eq(w.id, row.id), eq(w.secret, row.secret)));
    } catch (err) {
      console.error(`could not re-seal the secret of webhook ${row.id}`, err);
    }
  }
  return rows.length;
}
