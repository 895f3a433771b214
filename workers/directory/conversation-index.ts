import { and, desc, eq, inArray, lt, ne, or } from "drizzle-orm";
import type { ConversationState } from "../../src/model/index.ts";
import type { ConversationBatch } from "../archive/batches.ts";
import type { ArchiveTip } from "../archive/segments.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import { foldIndexFields } from "../../src/archive/index.ts";
import { type Database, database, schema } from "../db.ts";

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
 * Brings index rows up to date with what the archive now holds, in one D1 batch. Each row folds
 * the events after its own `archived_seq` (src/archive/index-fields.ts) and is updated only if
 * that is still its `archived_seq` (compare-and-set), so an event is applied once even when
 * deliveries overlap or race; a lost race throws and the delivery is retried. Message texts and
 * staff are inserted or ignored, so repeating them changes nothing.
 */
export async function applyArchived(d1: D1Database, archived: Array<{ batch: ConversationBatch; tip: ArchiveTip }>, now = Date.now()) {
  if (archived.length === 0) return;
  const db = database(d1);
  const t = schema.conversations;
  const rows = new Map<string, typeof t.$inferSelect>();
  for (let i = 0; i < archived.length; i += 90) {
    const ids = archived.slice(i, i + 90).map((a) => a.batch.conversation_id);
    for (const r of await db.select().from(t).where(inArray(t.id, ids))) rows.set(`${r.workspaceId}/${r.id}`, r);
  }
  // Raw D1 statements: drizzle cannot batch its `sql` template with the update.
  const statements: D1PreparedStatement[] = [];
  const prepare = (q: { sql: string; params: unknown[] }) => d1.prepare(q.sql).bind(...q.params);
  const guarded: string[] = [];
  for (const { batch, tip } of archived) {
    const row = rows.get(`${batch.workspace_id}/${batch.conversation_id}`);
    if (!row || row.archivedSeq >= tip.seq) continue;
    const events = batch.events.filter((e) => e.seq > row.archivedSeq && e.seq <= tip.seq).map((e) => e.event);
    const { fields, staff, texts } = foldIndexFields(
      {
        state: row.state,
        groupId: row.groupId,
        ownerId: row.ownerId,
        tags: row.tags,
        endedAt: row.endedAt,
        lastMessageAt: row.lastMessageAt,
        lastMessagePreview: row.lastMessagePreview,
      },
      events,
    );
    guarded.push(batch.conversation_id);
    statements.push(
      prepare(
        db
          .update(t)
          .set({ ...fields, lastSeq: Math.max(row.lastSeq, tip.seq), archivedSeq: tip.seq, archiveHeadHash: tip.hash, updatedAt: now })
          .where(and(eq(t.id, row.id), eq(t.workspaceId, row.workspaceId), eq(t.archivedSeq, row.archivedSeq)))
          .returning({ id: t.id })
          .toSQL(),
      ),
    );
    // One statement per conversation whatever the number of messages: the rows travel as JSON.
    if (texts.length > 0) {
      statements.push(
        d1
          .prepare(
            `INSERT OR IGNORE INTO message_texts (workspace_id, conversation_id, seq, at, sender_role, sender_id, visibility, text)
             SELECT ?1, ?2, value ->> '$.seq', value ->> '$.at', value ->> '$.senderRole', value ->> '$.senderId', value ->> '$.visibility', value ->> '$.text'
             FROM json_each(?3)`,
          )
          .bind(row.workspaceId, row.id, JSON.stringify(texts)),
      );
    }
    if (staff.length > 0) {
      statements.push(
        d1
          .prepare("INSERT OR IGNORE INTO conversation_agents (workspace_id, conversation_id, user_id) SELECT ?1, ?2, value FROM json_each(?3)")
          .bind(row.workspaceId, row.id, JSON.stringify(staff)),
      );
    }
  }
  if (statements.length === 0) return;
  const results = await d1.batch<{ id?: string }>(statements);
  const updated = new Set(results.flatMap((r) => r.results.map((x) => x.id)));
  const lost = guarded.filter((id) => !updated.has(id));
  if (lost.length > 0) throw new Error(`conversation index moved on concurrently for ${lost.join(", ")}; retrying`);
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
