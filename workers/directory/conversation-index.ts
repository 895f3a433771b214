import { and, desc, eq, gte, inArray, lt, ne, or, type SQL, sql } from "drizzle-orm";
import type { ConversationFilters, ConversationState } from "../../src/model/index.ts";
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

/** `%`, `_` and `\` taken literally in a LIKE pattern (with ESCAPE '\'). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Full text: every word must occur in one of the conversation's messages. Words of three
 * characters or more go through the FTS5 trigram index (as quoted phrases, so nothing in them is
 * FTS syntax); shorter ones (two-character Chinese words like 退款) cannot, and are matched with
 * LIKE over the messages the other conditions leave.
 */
function fullText(workspaceId: string, q: string): SQL {
  const words = [...new Set(q.split(/\s+/).filter(Boolean))].slice(0, 10);
  const long = words.filter((w) => [...w].length >= 3);
  const short = words.filter((w) => [...w].length < 3);
  const conditions: SQL[] = [sql`m.workspace_id = ${workspaceId}`];
  if (long.length > 0) {
    const match = long.map((w) => `"${w.replaceAll('"', '""')}"`).join(" ");
    conditions.push(sql`m.rowid IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ${match})`);
  }
  for (const w of short) conditions.push(sql`m.text LIKE ${`%${likeLiteral(w)}%`} ESCAPE '\\'`);
  return sql`${schema.conversations.id} IN (SELECT m.conversation_id FROM message_texts m WHERE ${sql.join(conditions, sql` AND `)})`;
}

/** The SQL conditions for a set of filters, always within one workspace. */
function filterConditions(workspaceId: string, f: ConversationFilters): Array<SQL | undefined> {
  const t = schema.conversations;
  return [
    eq(t.workspaceId, workspaceId),
    f.id ? eq(t.id, f.id) : undefined,
    f.state ? eq(t.state, f.state) : undefined,
    f.channel ? eq(t.channel, f.channel) : undefined,
    f.group_id ? eq(t.groupId, f.group_id) : undefined,
    f.owner_id ? eq(t.ownerId, f.owner_id) : undefined,
    f.contact_id ? eq(t.contactId, f.contact_id) : undefined,
    f.from !== undefined ? gte(t.createdAt, f.from) : undefined,
    f.to !== undefined ? lt(t.createdAt, f.to) : undefined,
    f.tag ? sql`EXISTS (SELECT 1 FROM json_each(${t.tags}) WHERE value = ${f.tag})` : undefined,
    f.agent_id
      ? sql`EXISTS (SELECT 1 FROM conversation_agents a WHERE a.conversation_id = ${t.id} AND a.workspace_id = ${workspaceId} AND a.user_id = ${f.agent_id})`
      : undefined,
    f.q ? fullText(workspaceId, f.q) : undefined,
  ];
}

export type ConversationRow = typeof schema.conversations.$inferSelect;

export function summaryOf(r: ConversationRow) {
  return {
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
    group_id: r.groupId,
    owner_id: r.ownerId,
    tags: r.tags,
    ended_at: r.endedAt,
  };
}

/**
 * Conversations matching the filters, a page at a time with a cursor that stays stable while rows
 * change: newest-updated first (the inbox) or newest-started first (the audit search).
 */
export async function findConversations(
  db: Database,
  workspaceId: string,
  query: ConversationFilters & { limit: number; cursor?: string | undefined },
  order: "updated" | "created" = "updated",
) {
  const t = schema.conversations;
  const key = order === "updated" ? t.updatedAt : t.createdAt;
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await db
    .select()
    .from(t)
    .where(and(...filterConditions(workspaceId, query), after ? or(lt(key, after.u), and(eq(key, after.u), lt(t.id, after.id))) : undefined))
    .orderBy(desc(key), desc(t.id))
    .limit(query.limit + 1);
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const u = last ? (order === "updated" ? last.updatedAt : last.createdAt) : 0;
  return { rows: page, next_cursor: more && last ? btoa(JSON.stringify({ u, id: last.id } satisfies Cursor)) : null };
}

/** The inbox list: `GET /api/conversations`. */
export async function listConversations(db: Database, workspaceId: string, query: ConversationFilters & { limit: number; cursor?: string | undefined }) {
  const { rows, next_cursor } = await findConversations(db, workspaceId, query, "updated");
  return { items: rows.map(summaryOf), next_cursor };
}
