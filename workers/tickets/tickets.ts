import { and, asc, desc, eq, isNotNull, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { Actor, CommentBody, CreateTicketBody, SlaBreach, SlaPolicy, Ticket, TicketComment, TicketEvent, TicketListQuery, TicketPatch, WebhookEvent } from "../../src/model/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { assertTicketTransition, deadlines, dueAt, policyFor } from "../../src/tickets/index.ts";
import { unwrap } from "../conversation/rpc.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { conversationStub } from "../stubs.ts";
import { decodeCursor, page } from "../v1/cursor.ts";
import { webhookEvents } from "../webhooks/notify.ts";
import { outboxValues, publishNow } from "../webhooks/outbox.ts";
import { linkToConversation } from "./conversation-link.ts";

type Row = typeof schema.tickets.$inferSelect;
type EventRow = typeof schema.ticketEvents.$inferInsert;

export function toTicket(r: Row): Ticket {
  const breaches: SlaBreach[] = [];
  if (r.firstReplyBreachedAt !== null) breaches.push("first_reply");
  if (r.resolutionBreachedAt !== null) breaches.push("resolution");
  return {
    id: r.id,
    workspace_id: r.workspaceId,
    summary: r.summary,
    description: r.description,
    problem_type: r.problemType,
    priority: r.priority,
    status: r.status,
    owner_id: r.ownerId,
    contact_id: r.contactId,
    conversation_id: r.conversationId,
    expected_reply_at: r.expectedReplyAt,
    first_reply_due_at: r.firstReplyDueAt,
    resolution_due_at: r.resolutionDueAt,
    first_replied_at: r.firstRepliedAt,
    due_at: r.dueAt,
    breached: breaches.length > 0,
    breaches,
    created_by: r.createdBy as Actor,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    solved_at: r.solvedAt,
    closed_at: r.closedAt,
  };
}

function toComment(r: typeof schema.ticketComments.$inferSelect): TicketComment {
  return { id: r.id, ticket_id: r.ticketId, kind: r.kind, body: r.body, author: r.author as Actor, created_at: r.createdAt, conversation_seq: r.conversationSeq };
}

/**
 * An event insert that happens only if the statement before it in the batch changed a row: a
 * guarded update that lost a race records no history. (`changes()` counts the rows of the
 * previous statement on the connection, and a batch runs its statements in order on one.)
 */
export function insertIfChanged(db: Database, e: EventRow) {
  const t = schema.tickets;
  return db.insert(schema.ticketEvents).select(
    db
      .select({
        // NULL into an INTEGER PRIMARY KEY takes the next id.
        id: sql<number>`NULL`.as("id"),
        workspaceId: sql<string>`${e.workspaceId}`.as("workspace_id"),
        ticketId: t.id,
        type: sql<EventRow["type"]>`${e.type}`.as("type"),
        actor: sql<unknown>`${JSON.stringify(e.actor)}`.as("actor"),
        data: sql<unknown>`${JSON.stringify(e.data)}`.as("data"),
        at: sql<number>`${e.at}`.as("at"),
      })
      .from(t)
      .where(and(eq(t.id, e.ticketId), sql`changes() = 1`)),
  );
}

/** The outbox row of `event`, written only if the statement before it in the batch changed a row (see `insertIfChanged`). */
export function outboxIfChanged(db: Database, event: WebhookEvent, ticketId: string) {
  const t = schema.tickets;
  const v = outboxValues(event);
  return db.insert(schema.webhookOutbox).select(
    db
      .select({
        id: sql<number>`NULL`.as("id"),
        workspaceId: sql<string>`${v.workspaceId}`.as("workspace_id"),
        eventId: sql<string>`${v.eventId}`.as("event_id"),
        event: sql<unknown>`${JSON.stringify(v.event)}`.as("event"),
        createdAt: sql<number>`${v.createdAt}`.as("created_at"),
      })
      .from(t)
      .where(and(eq(t.id, ticketId), sql`changes() = 1`)),
  );
}

export function eventRow(workspaceId: string, ticketId: string, type: EventRow["type"], actor: Actor, data: Record<string, unknown>, at: number): EventRow {
  return { workspaceId, ticketId, type, actor, data, at };
}

/** Who reads tickets: a workspace, and for staff the owners they may see (unowned tickets are everyone's). */
export interface TicketViewer {
  workspaceId: string;
  /** A condition on the owner column from `visibleTo`; undefined for admins and API keys. */
  owners?: SQL | undefined;
}

function visible(viewer: TicketViewer) {
  const t = schema.tickets;
  return and(eq(t.workspaceId, viewer.workspaceId), viewer.owners ? or(isNull(t.ownerId), viewer.owners) : undefined);
}

async function row(db: Database, viewer: TicketViewer | string, id: string): Promise<Row> {
  const t = schema.tickets;
  const v = typeof viewer === "string" ? { workspaceId: viewer } : viewer;
  const found = (await db.select().from(t).where(and(visible(v), eq(t.id, id))).limit(1))[0];
  if (!found) throw new SwitchboardError("not_found", "no such ticket");
  return found;
}

export async function getTicket(db: Database, viewer: TicketViewer | string, id: string): Promise<Ticket> {
  return toTicket(await row(db, viewer, id));
}

export async function ticketComments(db: Database, workspaceId: string, id: string): Promise<TicketComment[]> {
  const c = schema.ticketComments;
  const rows = await db.select().from(c).where(and(eq(c.workspaceId, workspaceId), eq(c.ticketId, id))).orderBy(asc(c.createdAt), asc(c.id));
  return rows.map(toComment);
}

export async function ticketHistory(db: Database, viewer: TicketViewer, id: string): Promise<TicketEvent[]> {
  await row(db, viewer, id);
  const workspaceId = viewer.workspaceId;
  const e = schema.ticketEvents;
  const rows = await db.select().from(e).where(and(eq(e.workspaceId, workspaceId), eq(e.ticketId, id))).orderBy(asc(e.id));
  return rows.map((r) => ({ id: r.id, ticket_id: r.ticketId, type: r.type, by: r.actor as Actor, at: r.at, data: r.data as Record<string, unknown> }));
}

/** Newest first, among the tickets the viewer may see. */
export async function listTickets(db: Database, viewer: TicketViewer, q: TicketListQuery) {
  const t = schema.tickets;
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const breached = or(isNotNull(t.firstReplyBreachedAt), isNotNull(t.resolutionBreachedAt));
  const rows = await db
    .select()
    .from(t)
    .where(
      and(
        visible(viewer),
        q.status ? eq(t.status, q.status) : undefined,
        q.priority ? eq(t.priority, q.priority) : undefined,
        q.owner_id ? eq(t.ownerId, q.owner_id) : undefined,
        q.contact_id ? eq(t.contactId, q.contact_id) : undefined,
        q.conversation_id ? eq(t.conversationId, q.conversation_id) : undefined,
        q.breached === "true" ? breached : q.breached === "false" ? and(isNull(t.firstReplyBreachedAt), isNull(t.resolutionBreachedAt)) : undefined,
        after ? or(lt(t.createdAt, after.k), and(eq(t.createdAt, after.k), lt(t.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(q.limit + 1);
  return page(rows, q.limit, toTicket, (r) => ({ k: r.createdAt, id: r.id }));
}

export async function slaPolicies(db: Database, workspaceId: string): Promise<SlaPolicy[]> {
  const s = schema.slaPolicies;
  const rows = await db.select().from(s).where(eq(s.workspaceId, workspaceId));
  return rows.map((r) => ({ priority: r.priority, first_reply_minutes: r.firstReplyMinutes, resolution_minutes: r.resolutionMinutes }));
}

export async function putSlaPolicies(db: Database, workspaceId: string, policies: SlaPolicy[], now = Date.now()) {
  const s = schema.slaPolicies;
  const [first, ...rest] = policies.map((p) =>
    db
      .insert(s)
      .values({ workspaceId, priority: p.priority, firstReplyMinutes: p.first_reply_minutes, resolutionMinutes: p.resolution_minutes, updatedAt: now })
      .onConflictDoUpdate({ target: [s.workspaceId, s.priority], set: { firstReplyMinutes: p.first_reply_minutes, resolutionMinutes: p.resolution_minutes, updatedAt: now } }),
  );
  await db.batch([first!, ...rest]);
}

async function assertUser(db: Database, workspaceId: string, userId: string) {
  const u = schema.users;
  const found = await db.select({ id: u.id }).from(u).where(and(eq(u.workspaceId, workspaceId), eq(u.id, userId), eq(u.active, true))).limit(1);
  if (found.length === 0) throw new SwitchboardError("invalid_request", `no active user ${userId} in this workspace`);
}

/** The conversation's contact, from the conversation index; the conversation must be this workspace's. */
async function conversationContact(db: Database, workspaceId: string, conversationId: string): Promise<string> {
  const c = schema.conversations;
  const found = (await db.select({ contactId: c.contactId }).from(c).where(and(eq(c.workspaceId, workspaceId), eq(c.id, conversationId))).limit(1))[0];
  if (!found) throw new SwitchboardError("invalid_request", `no conversation ${conversationId} in this workspace`);
  return found.contactId;
}

async function assertContact(db: Database, workspaceId: string, contactId: string) {
  const c = schema.contacts;
  const found = await db.select({ id: c.id }).from(c).where(and(eq(c.workspaceId, workspaceId), eq(c.id, contactId))).limit(1);
  if (found.length === 0) throw new SwitchboardError("invalid_request", `no contact ${contactId} in this workspace`);
}

export async function createTicket(env: Env, workspaceId: string, actor: Actor, body: CreateTicketBody, now = Date.now()): Promise<Ticket> {
  const db = database(env.DB);
  let contactId = body.contact_id ?? null;
  if (body.conversation_id) {
    const ofConversation = await conversationContact(db, workspaceId, body.conversation_id);
    if (contactId && contactId !== ofConversation) throw new SwitchboardError("invalid_request", "contact_id is not the conversation's contact");
    contactId = ofConversation;
  } else if (contactId) {
    await assertContact(db, workspaceId, contactId);
  }
  if (body.owner_id) await assertUser(db, workspaceId, body.owner_id);
  const policy = policyFor(body.priority, await slaPolicies(db, workspaceId));
  const due = deadlines(now, policy, body.expected_reply_at ?? null);
  const id = newId("ticket", now);
  const values = {
    id,
    workspaceId,
    summary: body.summary,
    description: body.description ?? null,
    problemType: body.problem_type ?? null,
    priority: body.priority,
    status: "open" as const,
    ownerId: body.owner_id ?? null,
    contactId,
    conversationId: body.conversation_id ?? null,
    expectedReplyAt: body.expected_reply_at ?? null,
    firstReplyDueAt: due.first_reply_due_at,
    resolutionDueAt: due.resolution_due_at,
    dueAt: dueAt({ status: "open", ...due, first_replied_at: null }),
    createdBy: actor,
    createdAt: now,
    updatedAt: now,
  };
  const created = webhookEvents.ticketCreated(
    toTicket({ ...values, firstRepliedAt: null, firstReplyBreachedAt: null, resolutionBreachedAt: null, solvedAt: null, closedAt: null }),
    now,
  );
  await db.batch([
    db.insert(schema.tickets).values(values),
    db.insert(schema.ticketEvents).values(
      eventRow(workspaceId, id, "created", actor, { summary: body.summary, priority: body.priority, conversation_id: values.conversationId, contact_id: contactId }, now),
    ),
    db.insert(schema.webhookOutbox).values(outboxValues(created)),
  ]);
  await publishNow(env, [created]);
  if (body.conversation_id) {
    // The ticket is stored: a link that fails now is made by the ticket archive's next run.
    const link = { workspace_id: workspaceId, conversation_id: body.conversation_id, ticket_id: id, summary: body.summary, priority: body.priority, by: actor };
    await linkToConversation(env, link).catch((err: unknown) => console.error(`ticket ${id}: linking ${body.conversation_id} failed, the cron will retry`, err));
  }
  return getTicket(db, workspaceId, id);
}

/**
 * Applies a change. Only fields that really change are written and recorded; a concurrent writer
 * makes this one fail with 409 rather than silently overwrite.
 */
export async function updateTicket(env: Env, viewer: TicketViewer, actor: Actor, id: string, patch: TicketPatch, now = Date.now()) {
  const db = database(env.DB);
  const workspaceId = viewer.workspaceId;
  const before = await row(db, viewer, id);
  const set: Partial<typeof schema.tickets.$inferInsert> = {};
  const changes: Record<string, [unknown, unknown]> = {};
  const events: EventRow[] = [];

  if (patch.status !== undefined && patch.status !== before.status) {
    assertTicketTransition(before.status, patch.status);
    set.status = patch.status;
    if (patch.status === "solved") set.solvedAt = now;
    if (patch.status === "closed") set.closedAt = now;
    if (patch.status === "open") set.solvedAt = null;
    events.push(eventRow(workspaceId, id, "status_changed", actor, { from: before.status, to: patch.status }, now));
  }
  if (patch.owner_id !== undefined && patch.owner_id !== before.ownerId) {
    if (patch.owner_id) await assertUser(db, workspaceId, patch.owner_id);
    set.ownerId = patch.owner_id;
    changes.owner_id = [before.ownerId, patch.owner_id];
  }
  if (patch.priority !== undefined && patch.priority !== before.priority) {
    const due = deadlines(before.createdAt, policyFor(patch.priority, await slaPolicies(db, workspaceId)), before.expectedReplyAt);
    set.priority = patch.priority;
    set.firstReplyDueAt = due.first_reply_due_at;
    set.resolutionDueAt = due.resolution_due_at;
    changes.priority = [before.priority, patch.priority];
  }
  for (const [field, column] of [["summary", "summary"], ["description", "description"], ["problem_type", "problemType"]] as const) {
    const value = patch[field];
    if (value !== undefined && value !== before[column]) {
      set[column] = value as never;
      changes[field] = [before[column], value];
    }
  }
  if (Object.keys(changes).length > 0) events.push(eventRow(workspaceId, id, "updated", actor, { changes }, now));
  if (events.length === 0) return { ticket: toTicket(before), changed: false };

  const merged = { ...before, ...set };
  set.dueAt = dueAt({ status: merged.status, first_reply_due_at: merged.firstReplyDueAt, resolution_due_at: merged.resolutionDueAt, first_replied_at: merged.firstRepliedAt });
  set.updatedAt = Math.max(now, before.updatedAt + 1);
  const t = schema.tickets;
  const event = webhookEvents.ticketUpdated(toTicket({ ...before, ...set }), { changes: { ...(set.status ? { status: [before.status, set.status] } : {}), ...changes } }, now);
  // Each insert is guarded by the one before it: a lost race stores neither history nor event.
  const [updated] = await db.batch([
    db.update(t).set(set).where(and(eq(t.id, id), eq(t.updatedAt, before.updatedAt))).returning({ id: t.id }),
    ...events.map((e) => insertIfChanged(db, e)),
    outboxIfChanged(db, event, id),
  ] as const);
  if (updated.length === 0) throw new SwitchboardError("invalid_transition", "the ticket changed meanwhile; read it again and retry");
  await publishNow(env, [event]);
  return { ticket: await getTicket(db, workspaceId, id), changed: true };
}

/**
 * A note, or a public reply. A public reply on a conversation-linked ticket is posted into the
 * conversation as the author — through the conversation object, so it gets a seq, reaches every
 * socket and the channel adapters carry it on. The first public reply meets (or misses) the
 * first-reply deadline.
 */
export async function addComment(env: Env, viewer: TicketViewer, actor: Actor, id: string, body: CommentBody, now = Date.now()) {
  const db = database(env.DB);
  const workspaceId = viewer.workspaceId;
  const ticket = await row(db, viewer, id);
  if (ticket.status === "closed") throw new SwitchboardError("invalid_transition", "closed tickets take no comments; open a new ticket");
  const commentId = newId("ticketComment", now);
  let seq: number | null = null;
  if (body.kind === "public" && ticket.conversationId) {
    const ack = unwrap(
      await conversationStub(env, workspaceId, ticket.conversationId).postMessage(
        { workspace_id: workspaceId, actor },
        { client_msg_id: `ticket:${commentId}`, content: { kind: "text", text: body.body }, visibility: "public" },
      ),
    );
    seq = ack.seq;
  }
  const firstReply = body.kind === "public" && ticket.firstRepliedAt === null;
  const lateReply = firstReply && now > ticket.firstReplyDueAt && ticket.firstReplyBreachedAt === null;
  const events = [eventRow(workspaceId, id, "commented", actor, { comment_id: commentId, kind: body.kind, conversation_seq: seq }, now)];
  if (lateReply) events.push(eventRow(workspaceId, id, "breached", actor, { breach: "first_reply", due_at: ticket.firstReplyDueAt }, now));
  const t = schema.tickets;
  const set = {
    updatedAt: Math.max(now, ticket.updatedAt + 1),
    ...(firstReply
      ? {
          firstRepliedAt: now,
          dueAt: dueAt({ status: ticket.status, first_reply_due_at: ticket.firstReplyDueAt, resolution_due_at: ticket.resolutionDueAt, first_replied_at: now }),
        }
      : {}),
    ...(lateReply ? { firstReplyBreachedAt: now } : {}),
  };
  const comment: TicketComment = { id: commentId, ticket_id: id, kind: body.kind, body: body.body, author: actor, created_at: now, conversation_seq: seq };
  const stored = toTicket({ ...ticket, ...set });
  const published = [webhookEvents.ticketUpdated(stored, { comment }, now)];
  if (lateReply) published.push(webhookEvents.ticketBreached(stored, "first_reply", ticket.firstReplyDueAt, now));
  await db.batch([
    db.insert(schema.ticketComments).values({ id: commentId, workspaceId, ticketId: id, kind: body.kind, body: body.body, author: actor, conversationSeq: seq, createdAt: now }),
    db.update(t).set(set).where(eq(t.id, id)),
    ...events.map((e) => db.insert(schema.ticketEvents).values(e)),
    ...published.map((e) => db.insert(schema.webhookOutbox).values(outboxValues(e))),
  ]);
  await publishNow(env, published);
  return { comment, ticket: await getTicket(db, workspaceId, id) };
}
