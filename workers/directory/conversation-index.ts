import { and, desc, eq, inArray, lt, ne, or } from "drizzle-orm";
import type { ConversationState } from "../../src/model/index.ts";
import type { ConversationBatch } from "../archive/batches.ts";
import type { ArchiveTip } from "../archive/segments.ts";
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
 * Statements that bring index rows up to date with what the archive now holds. A row only moves
 * forward: a redelivered or out-of-order batch, older than what the row has seen, changes nothing.
 *
 * "Older" is decided by the archive's tip, the last seq in R2: events beyond it never reach here.
 * A batch that passes the guard ends later than every batch the row has applied, so its last public
 * message is the newest the row knows of (timestamps are not used: a burst shares a millisecond).
 */
export function indexUpdates(db: Database, batches: Array<{ batch: ConversationBatch; tip: ArchiveTip }>, now = Date.now()) {
  return batches.map(({ batch, tip }) => {
    const lastMessage = batch.events.findLast((e) => e.event.type === "message" && e.event.visibility === "public")?.event;
    const lastState = batch.events.findLast((e) => e.event.type === "state_changed")?.event;
    const t = schema.conversations;
    return db
      .update(t)
      .set({
        ...(lastState?.type === "state_changed" ? { state: lastState.to } : {}),
        lastSeq: tip.seq,
        archivedSeq: tip.seq,
        archiveHeadHash: tip.hash,
        updatedAt: now,
        ...(lastMessage?.type === "message" ? { lastMessageAt: lastMessage.at, lastMessagePreview: contentPreview(lastMessage.content) } : {}),
      })
      .where(and(eq(t.id, batch.conversation_id), eq(t.workspaceId, batch.workspace_id), lt(t.archivedSeq, tip.seq)));
  });
}

/** What the index says each conversation's archive holds (the tip), for those it knows. */
export async function archiveTips(db: Database, workspaceConversations: Array<{ workspace_id: string; conversation_id: string }>) {
  const t = schema.conversations;
  const tips = new Map<string, ArchiveTip>();
  for (let i = 0; i < workspaceConversations.length; i += 90) {
    const ids = workspaceConversations.slice(i, i + 90).map((c) => c.conversation_id);
    const rows = await db.select({ id: t.id, workspaceId: t.workspaceId, seq: t.archivedSeq, hash: t.archiveHeadHash }).from(t).where(inArray(t.id, ids));
    for (const r of rows) tips.set(`${r.workspaceId}/${r.id}`, { seq: r.seq, hash: r.hash });
  }
  return tips;
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
