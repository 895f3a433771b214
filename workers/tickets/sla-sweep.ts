import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import type { Actor, SlaBreach, WebhookEvent } from "../../src/model/index.ts";
import { breachesAt } from "../../src/tickets/index.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { agentStub } from "../stubs.ts";
import { webhookEvents } from "../webhooks/notify.ts";
import { publishNow } from "../webhooks/outbox.ts";
import { eventRow, insertIfChanged, outboxIfChanged, toTicket } from "./tickets.ts";

/** Tickets examined per sweep; a longer backlog is taken up by the next run (every 5 minutes). */
const SWEEP_LIMIT = 200;
const SYSTEM: Actor = { role: "system", id: "sla", name: "SLA" };

export interface Breach {
  ticket: ReturnType<typeof toTicket>;
  breach: SlaBreach;
  due_at: number;
}

/**
 * Cron: finds active tickets with a deadline passed and not yet recorded, records each broken
 * promise once (the column is set only where still null), and tells the owner's workstation
 * and the `ticket.breached` webhook subscribers.
 * `due_at` keeps the missed deadline, so lists show how overdue a ticket is.
 */
export async function sweepTicketSla(env: Env, now = Date.now()): Promise<Breach[]> {
  const db = database(env.DB);
  const t = schema.tickets;
  const candidates = await db
    .select()
    .from(t)
    .where(
      and(
        inArray(t.status, ["open", "pending"]),
        or(
          and(isNull(t.firstRepliedAt), isNull(t.firstReplyBreachedAt), lte(t.firstReplyDueAt, now)),
          and(isNull(t.resolutionBreachedAt), lte(t.resolutionDueAt, now)),
        ),
      ),
    )
    .orderBy(t.dueAt)
    .limit(SWEEP_LIMIT);
  const found: Breach[] = [];
  const published: WebhookEvent[] = [];
  for (const row of candidates) {
    const state = { status: row.status, first_reply_due_at: row.firstReplyDueAt, resolution_due_at: row.resolutionDueAt, first_replied_at: row.firstRepliedAt };
    let current = row;
    for (const breach of breachesAt(state, now)) {
      const column = breach === "first_reply" ? t.firstReplyBreachedAt : t.resolutionBreachedAt;
      const dueAt = breach === "first_reply" ? row.firstReplyDueAt : row.resolutionDueAt;
      const mark = breach === "first_reply" ? { firstReplyBreachedAt: now } : { resolutionBreachedAt: now };
      const after = { ...current, ...mark };
      const event = webhookEvents.ticketBreached(toTicket(after), breach, dueAt, now);
      // The mark, its history entry and its webhook event together, and only by the run that marks it.
      const [marked] = await db.batch([
        db.update(t).set(mark).where(and(eq(t.id, row.id), isNull(column))).returning({ id: t.id }),
        insertIfChanged(db, eventRow(row.workspaceId, row.id, "breached", SYSTEM, { breach, due_at: dueAt }, now)),
        outboxIfChanged(db, event, row.id),
      ] as const);
      if (marked.length === 0) continue;
      current = after;
      found.push({ ticket: toTicket(after), breach, due_at: dueAt });
      published.push(event);
    }
  }
  await Promise.all(found.map((b) => notifyOwner(env, b, now)));
  await publishNow(env, published);
  return found;
}

/** Best effort: the breach is recorded either way; a workstation that is offline sees it in the list. */
export async function notifyOwner(env: Env, b: Breach, now: number): Promise<void> {
  if (!b.ticket.owner_id) return;
  try {
    await agentStub(env, b.ticket.workspace_id, b.ticket.owner_id).notify({
      type: "ticket_breached",
      ticket_id: b.ticket.id,
      summary: b.ticket.summary,
      breach: b.breach,
      due_at: b.due_at,
      at: now,
    });
  } catch (err) {
    console.error(`could not notify ${b.ticket.owner_id} of the breach of ${b.ticket.id}`, err);
  }
}
