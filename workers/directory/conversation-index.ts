import { and, desc, eq, lt, ne, or } from "drizzle-orm";
import type { ArchiveBatch, ConversationState } from "../../src/model/index.ts";
import { contentPreview, SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

/** The visitor's most recent conversation that the index does not yet know as ended. */
export async function latestOpenConversation(db: Database, workspaceId: string, contactId: string) {
  const rows = await db
    .select({ id: schema.conversations.id })
    .from(schema.conversations)
    .where(
      and(
        eq(schema.conversations.workspaceId, workspaceId),
        eq(schema.conversations.contactId, contactId),
        ne(schema.conversations.state, "ended"),
      ),
    )
    .orderBy(desc(schema.conversations.createdAt))
    .limit(1);
  return rows[0]?.id;
}

export async function indexNewConversation(
  db: Database,
  row: { id: string; workspaceId: string; contactId: string; channel: string; state: ConversationState; lastSeq: number; createdAt: number },
) {
  await db
    .insert(schema.conversations)
    .values({ ...row, updatedAt: row.createdAt })
    .onConflictDoNothing();
}

/**
 * Statements that bring index rows up to date with archive batches. A row only moves forward:
 * a redelivered or out-of-order batch, older than what the row has seen, changes nothing.
 *
 * "Older" is decided by the batch's own last seq, not by the snapshot's head: one flush can hand
 * over several batches that share a snapshot, and each of them must still advance the row. A batch
 * that passes the guard ends later than every batch the row has applied, so its last public
 * message is the newest the row knows of (timestamps are not used: a burst shares a millisecond).
 */
export function indexUpdates(db: Database, batches: ArchiveBatch[], now = Date.now()) {
  return batches.map((batch) => {
    const lastMessage = batch.events.findLast((e) => e.type === "message" && e.visibility === "public");
    const t = schema.conversations;
    return db
      .update(t)
      .set({
        state: batch.snapshot.state,
        lastSeq: batch.to_seq,
        updatedAt: now,
        ...(lastMessage?.type === "message" ? { lastMessageAt: lastMessage.at, lastMessagePreview: contentPreview(lastMessage.content) } : {}),
      })
      .where(and(eq(t.id, batch.conversation_id), eq(t.workspaceId, batch.workspace_id), lt(t.lastSeq, batch.to_seq)));
  });
}

interface Cursor {
  u: number;
  id: string;
}

function decodeCursor(cursor: string): Cursor {
  try {
    const c = JSON.parse(atob(cursor)) as Cursor;
    if (typeof c.u === "number" && typeof c.id === "string") return c;
  } catch {
    // fall through
  }
  throw new SwitchboardError("invalid_request", "the cursor is not one this API returned");
}

/** Newest-updated first, with a cursor that stays stable while rows change. */
export async function listConversations(
  db: Database,
  workspaceId: string,
  query: { state?: ConversationState | undefined; limit: number; cursor?: string | undefined },
) {
  const t = schema.conversations;
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await db
    .select()
    .from(t)
    .where(
      and(
        eq(t.workspaceId, workspaceId),
        query.state ? eq(t.state, query.state) : undefined,
        after ? or(lt(t.updatedAt, after.u), and(eq(t.updatedAt, after.u), lt(t.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(t.updatedAt), desc(t.id))
    .limit(query.limit + 1);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      workspace_id: r.workspaceId,
      contact_id: r.contactId,
      channel: r.channel,
      state: r.state,
      last_seq: r.lastSeq,
      last_message_at: r.lastMessageAt,
      last_message_preview: r.lastMessagePreview,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    })),
    next_cursor: more && last ? btoa(JSON.stringify({ u: last.updatedAt, id: last.id } satisfies Cursor)) : null,
  };
}
