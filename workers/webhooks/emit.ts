import { and, eq } from "drizzle-orm";
import type { WebhookEvent } from "../../src/model/index.ts";
import { newId } from "../../src/model/index.ts";
import { type ConversationEventRun, conversationWebhookEvents } from "../../src/webhooks/index.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";

/** What the webhook queue carries: which delivery to attempt. The row holds the rest. */
export interface WebhookJob {
  delivery_id: string;
}

/** Queue sendBatch takes at most 100 messages. */
const QUEUE_BATCH = 100;

async function activeWebhooks(db: Database, workspaceId: string) {
  const w = schema.webhooks;
  return db.select({ id: w.id, eventTypes: w.eventTypes }).from(w).where(and(eq(w.workspaceId, workspaceId), eq(w.active, true)));
}

/**
 * Records one delivery per (subscription, event) and queues it. The delivery table's unique key
 * makes this idempotent: an event emitted twice (a redelivered batch) is delivered once.
 */
export async function emitWebhookEvents(env: Env, workspaceId: string, events: WebhookEvent[], now = Date.now()): Promise<void> {
  if (events.length === 0) return;
  const db = database(env.DB);
  const subscriptions = await activeWebhooks(db, workspaceId);
  const inserts = [];
  for (const event of events) {
    const payload = JSON.stringify(event);
    for (const sub of subscriptions) {
      if (!sub.eventTypes.includes(event.type)) continue;
      inserts.push(
        db
          .insert(schema.webhookDeliveries)
          .values({
            id: newId("delivery", now),
            workspaceId,
            webhookId: sub.id,
            eventId: event.id,
            eventType: event.type,
            payload,
            status: "pending",
            log: [],
            nextAttemptAt: now,
            createdAt: now,
          })
          .onConflictDoNothing()
          .returning({ id: schema.webhookDeliveries.id }),
      );
    }
  }
  if (inserts.length === 0) return;
  const [first, ...rest] = inserts;
  const created = (await db.batch([first!, ...rest])).flat();
  await enqueue(env, created.map((r) => r.id));
}

export async function enqueue(env: Env, deliveryIds: string[], delaySeconds = 0): Promise<void> {
  for (let i = 0; i < deliveryIds.length; i += QUEUE_BATCH) {
    await env.WEBHOOKS.sendBatch(deliveryIds.slice(i, i + QUEUE_BATCH).map((id) => ({ body: { delivery_id: id } satisfies WebhookJob, delaySeconds })));
  }
}

/** From the archive consumer: the webhook events in newly archived conversation events, per workspace. */
export async function emitConversationWebhooks(env: Env, batches: ConversationEventRun[]): Promise<void> {
  const byWorkspace = new Map<string, WebhookEvent[]>();
  for (const batch of batches) {
    const events = conversationWebhookEvents(batch);
    if (events.length > 0) byWorkspace.set(batch.workspace_id, [...(byWorkspace.get(batch.workspace_id) ?? []), ...events]);
  }
  for (const [workspaceId, events] of byWorkspace) await emitWebhookEvents(env, workspaceId, events);
}

/** An event raised by this Worker (tickets, contacts): a fresh id, fixed when the event is written to the outbox. */
export function newWebhookEvent(type: WebhookEvent["type"], workspaceId: string, data: Record<string, unknown>, now = Date.now()): WebhookEvent {
  return { id: newId("event", now), type, workspace_id: workspaceId, created_at: now, data };
}
