import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import { z } from "zod";
import { randomToken } from "../../src/auth/index.ts";
import type { CreateWebhookBody, DeliveryListQuery, WebhookEventType, WebhookPatch } from "../../src/model/index.ts";
import { newId, SwitchboardError, type WebhookDelivery } from "../../src/model/index.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { decodeCursor, page } from "../v1/cursor.ts";
import { enqueue } from "./emit.ts";
import { sealWebhookSecret } from "./secret.ts";

type Row = typeof schema.webhooks.$inferSelect;

function toWebhook(r: Row) {
  return { id: r.id, url: r.url, event_types: r.eventTypes as WebhookEventType[], description: r.description, active: r.active, created_at: r.createdAt };
}

function toDelivery(r: typeof schema.webhookDeliveries.$inferSelect): WebhookDelivery {
  return {
    id: r.id,
    webhook_id: r.webhookId,
    event_id: r.eventId,
    event_type: r.eventType as WebhookEventType,
    status: r.status,
    attempts: r.attempts,
    last_status_code: r.lastStatusCode,
    next_attempt_at: r.nextAttemptAt,
    created_at: r.createdAt,
    delivered_at: r.deliveredAt,
    log: r.log,
  };
}

async function row(db: Database, workspaceId: string, id: string): Promise<Row> {
  const w = schema.webhooks;
  const found = (await db.select().from(w).where(and(eq(w.workspaceId, workspaceId), eq(w.id, id))).limit(1))[0];
  if (!found) throw new SwitchboardError("not_found", "no such webhook");
  return found;
}

export async function listWebhooks(db: Database, workspaceId: string) {
  const w = schema.webhooks;
  return (await db.select().from(w).where(eq(w.workspaceId, workspaceId)).orderBy(desc(w.createdAt))).map(toWebhook);
}

export async function getWebhook(db: Database, workspaceId: string, id: string) {
  return toWebhook(await row(db, workspaceId, id));
}

/** The secret (`whsec_…`) is in this response only, and stored sealed; it signs every delivery (docs/webhooks.md). */
export async function createWebhook(env: Env, workspaceId: string, body: z.infer<typeof CreateWebhookBody>, now = Date.now()) {
  const id = newId("webhook", now);
  const secret = `whsec_${randomToken(32)}`;
  const rows = await database(env.DB)
    .insert(schema.webhooks)
    .values({
      id,
      workspaceId,
      url: body.url,
      eventTypes: [...new Set(body.event_types)],
      description: body.description ?? null,
      secret: await sealWebhookSecret(env, workspaceId, id, secret),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return { ...toWebhook(rows[0]!), secret };
}

/** A new secret replaces the old one at once; like on create, this response is the only time it is shown. */
export async function rotateWebhookSecret(env: Env, workspaceId: string, id: string, now = Date.now()) {
  const db = database(env.DB);
  await row(db, workspaceId, id);
  const secret = `whsec_${randomToken(32)}`;
  const w = schema.webhooks;
  await db
    .update(w)
    .set({ secret: await sealWebhookSecret(env, workspaceId, id, secret), updatedAt: now })
    .where(and(eq(w.workspaceId, workspaceId), eq(w.id, id)));
  return { ...(await getWebhook(db, workspaceId, id)), secret };
}

export async function updateWebhook(db: Database, workspaceId: string, id: string, patch: z.infer<typeof WebhookPatch>) {
  await row(db, workspaceId, id);
  const w = schema.webhooks;
  await db
    .update(w)
    .set({
      ...(patch.url === undefined ? {} : { url: patch.url }),
      ...(patch.event_types === undefined ? {} : { eventTypes: [...new Set(patch.event_types)] }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.active === undefined ? {} : { active: patch.active }),
      updatedAt: Date.now(),
    })
    .where(and(eq(w.workspaceId, workspaceId), eq(w.id, id)));
  return getWebhook(db, workspaceId, id);
}

/** Deleting stops deliveries and drops the log with the subscription. */
export async function deleteWebhook(db: Database, workspaceId: string, id: string) {
  await row(db, workspaceId, id);
  await db.batch([
    db.delete(schema.webhookDeliveries).where(and(eq(schema.webhookDeliveries.workspaceId, workspaceId), eq(schema.webhookDeliveries.webhookId, id))),
    db.delete(schema.webhooks).where(and(eq(schema.webhooks.workspaceId, workspaceId), eq(schema.webhooks.id, id))),
  ]);
}

/** The delivery log, newest first. */
export async function listDeliveries(db: Database, workspaceId: string, webhookId: string, q: z.infer<typeof DeliveryListQuery>) {
  await row(db, workspaceId, webhookId);
  const d = schema.webhookDeliveries;
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const rows = await db
    .select()
    .from(d)
    .where(
      and(
        eq(d.workspaceId, workspaceId),
        eq(d.webhookId, webhookId),
        q.status ? eq(d.status, q.status) : undefined,
        after ? or(lt(d.createdAt, after.k), and(eq(d.createdAt, after.k), lt(d.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(d.createdAt), desc(d.id))
    .limit(q.limit + 1);
  return page(rows, q.limit, toDelivery, (r) => ({ k: r.createdAt, id: r.id }));
}

/**
 * Manual replay: the same payload and event id again, as a fresh series of attempts. The
 * receiver's dedupe by event id keeps a replay of a delivered event harmless.
 */
export async function replayDelivery(env: Env, workspaceId: string, deliveryId: string) {
  const db = database(env.DB);
  const d = schema.webhookDeliveries;
  const updated = await db
    .update(d)
    .set({ status: "pending", attempts: 0, nextAttemptAt: Date.now(), deliveredAt: null })
    .where(and(eq(d.workspaceId, workspaceId), eq(d.id, deliveryId)))
    .returning();
  if (updated.length === 0) throw new SwitchboardError("not_found", "no such delivery");
  await enqueue(env, [deliveryId]);
  return toDelivery(updated[0]!);
}

/** How long a queued attempt may be overdue before the cron queues it again (a lost send). */
const STUCK_MS = 15 * 60 * 1000;
const STUCK_LIMIT = 100;

/** Cron: deliveries whose queue message was lost (the Worker died between the insert and the send). */
export async function requeueStuckDeliveries(env: Env, now = Date.now()): Promise<void> {
  const db = database(env.DB);
  const d = schema.webhookDeliveries;
  const stuck = await db
    .select({ id: d.id })
    .from(d)
    .where(and(inArray(d.status, ["pending", "retrying"]), lt(d.nextAttemptAt, now - STUCK_MS)))
    .limit(STUCK_LIMIT);
  if (stuck.length === 0) return;
  const ids = stuck.map((s) => s.id);
  await db.update(d).set({ nextAttemptAt: now }).where(inArray(d.id, ids));
  await enqueue(env, ids);
}
