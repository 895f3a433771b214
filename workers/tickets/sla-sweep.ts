import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import type { Actor, SlaBreach } from "../../src/model/index.ts";
import { breachesAt } from "../../src/tickets/index.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { agentStub } from "../stubs.ts";
import { webhookEvents } from "../webhooks/notify.ts";
import { eventRow, toTicket } from "./tickets.ts";

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
  for (const row of candidates) {
    const state = { status: row.status, first_reply_due_at: row.firstReplyDueAt, resolution_due_at: row.resolutionDueAt, first_replied_at: row.firstRepliedAt };
    for (const breach of breachesAt(state, now)) {
      const column = breach === "first_reply" ? t.firstReplyBreachedAt : t.resolutionBreachedAt;
      const dueAt = breach === "first_reply" ? row.firstReplyDueAt : row.resolutionDueAt;
      const marked = await db
        .update(t)
        .set(breach === "first_reply" ? { firstReplyBreachedAt: now } : { resolutionBreachedAt: now })
        .where(and(eq(t.id, row.id), isNull(column)))
        .returning({ id: t.id });
      if (marked.length === 0) continue;
      found.push({ ticket: toTicket({ ...row, ...(breach === "first_reply" ? { firstReplyBreachedAt: now } : { resolutionBreachedAt: now }) }), breach, due_at: dueAt });
      await db.insert(schema.ticketEvents).values(eventRow(row.workspaceId, row.id, "breached", SYSTEM, { breach, due_at: dueAt }, now));
    }
  }
  await Promise.all(found.map(async (b) => {
    await notifyOwner(env, b, now);
    await webhookEvents.ticketBreached(env, b.ticket, b.breach, b.due_at);
  }));
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
