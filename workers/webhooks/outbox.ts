import { asc, inArray } from "drizzle-orm";
import type { WebhookEvent } from "../../src/model/index.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { emitWebhookEvents } from "./emit.ts";

/** Rows per drain step; the cron takes up to `CRON_PAGES` steps a run. */
const PAGE = 100;
const CRON_PAGES = 20;

/**
 * The insert that puts `event` in the outbox: add it to the D1 batch that stores the change, so
 * the change and its event are stored together or not at all.
 */
export function outboxInsert(db: Database, event: WebhookEvent) {
  return db.insert(schema.webhookOutbox).values(outboxValues(event));
}

export function outboxValues(event: WebhookEvent): typeof schema.webhookOutbox.$inferInsert {
  return { workspaceId: event.workspace_id, eventId: event.id, event, createdAt: event.created_at };
}

/**
 * Turns outbox rows into deliveries, then deletes them: the ones named (right after their change
 * was stored, so receivers hear of it at once), or the oldest (the cron, for whatever a failed or
 * interrupted drain left). Deliveries are unique per (subscription, event id), so a drain that
 * runs twice — concurrently, or again after dying before its delete — delivers each event once.
 * Returns how many rows it drained.
 */
export async function drainOutbox(env: Env, eventIds?: string[]): Promise<number> {
  const db = database(env.DB);
  const o = schema.webhookOutbox;
  if (eventIds?.length === 0) return 0;
  const rows = await db
    .select()
    .from(o)
    .where(eventIds ? inArray(o.eventId, eventIds) : undefined)
    .orderBy(asc(o.id))
    .limit(PAGE);
  if (rows.length === 0) return 0;
  const byWorkspace = new Map<string, WebhookEvent[]>();
  for (const row of rows) byWorkspace.set(row.workspaceId, [...(byWorkspace.get(row.workspaceId) ?? []), row.event as WebhookEvent]);
  for (const [workspaceId, events] of byWorkspace) await emitWebhookEvents(env, workspaceId, events);
  await db.delete(o).where(inArray(o.id, rows.map((r) => r.id)));
  return rows.length;
}

/** After a change is stored: drain its events now. Best effort — the cron drains what this misses. */
export async function publishNow(env: Env, events: WebhookEvent[]): Promise<void> {
  try {
    await drainOutbox(env, events.map((e) => e.id));
  } catch (err) {
    console.error(`webhook events ${events.map((e) => e.id).join(", ")} stay in the outbox for the cron`, err);
  }
}

/** Cron: everything still in the outbox, oldest first. A failure waits for the next run without holding up the cron's other work. */
export async function drainOutboxBacklog(env: Env): Promise<number> {
  let drained = 0;
  try {
    for (let page = 0; page < CRON_PAGES; page++) {
      const n = await drainOutbox(env);
      drained += n;
      if (n < PAGE) break;
    }
  } catch (err) {
    console.error("the webhook outbox stays for the next cron run", err);
  }
  return drained;
}
