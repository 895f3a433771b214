import { and, asc, eq, gt, or } from "drizzle-orm";
import { conversationPrefix, readSegmentMeta, type StoredSegment, verifySegments, type VerifyReport } from "../../src/archive/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

/** More segments than this for one conversation is not something to verify in one request. */
const MAX_SEGMENTS = 5000;

export interface ConversationVerifyReport extends VerifyReport {
  conversation_id: string;
  /** What the index says is archived: verification checks R2 holds exactly that. */
  archived_seq: number;
  /** Every object under the conversation's prefix: its key, size, when R2 stored it, and the range its metadata claims. */
  objects: Array<{ key: string; size: number; uploaded_at: number; from_seq: number | null; to_seq: number | null }>;
}

export interface ReadSegment extends StoredSegment {
  size: number;
  uploaded: number;
  meta: Record<string, string>;
}

/** All of a conversation's segments, read back from R2 in key order. */
export async function readSegments(bucket: R2Bucket, prefix: string): Promise<ReadSegment[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    // Segments only: contact snapshots (…/contact-*.json) share the prefix.
    keys.push(...page.objects.map((o) => o.key).filter((k) => k.endsWith(".ndjson")));
    cursor = page.truncated ? page.cursor : undefined;
    if (keys.length > MAX_SEGMENTS) throw new SwitchboardError("invalid_request", `more than ${MAX_SEGMENTS} segments under ${prefix}`);
  } while (cursor);
  const read = await Promise.all(
    keys.map(async (key) => {
      const object = await bucket.get(key);
      return object ? { key, text: await object.text(), size: object.size, uploaded: object.uploaded.getTime(), meta: object.customMetadata ?? {} } : null;
    }),
  );
  return read.filter((s) => s !== null);
}

async function verifyRow(bucket: R2Bucket, row: typeof schema.conversations.$inferSelect): Promise<ConversationVerifyReport> {
  const segments = await readSegments(bucket, conversationPrefix(row.workspaceId, row.id, row.createdAt));
  const report = await verifySegments(segments, { seq: row.archivedSeq, hash: row.archiveHeadHash });
  const objects = segments.map((s) => {
    const meta = readSegmentMeta(s.meta);
    return { key: s.key, size: s.size, uploaded_at: s.uploaded, from_seq: meta?.from_seq ?? null, to_seq: meta?.to_seq ?? null };
  });
  return { conversation_id: row.id, archived_seq: row.archivedSeq, ...report, objects };
}

export async function verifyConversation(db: Database, bucket: R2Bucket, workspaceId: string, conversationId: string) {
  const t = schema.conversations;
  const row = (await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, conversationId))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", "no such conversation");
  return verifyRow(bucket, row);
}

function decodeCursor(cursor: string): { c: number; id: string } {
  try {
    const c = JSON.parse(atob(cursor)) as { c: number; id: string };
    if (typeof c.c === "number" && typeof c.id === "string") return c;
  } catch {
    // fall through
  }
  throw new SwitchboardError("invalid_request", "the cursor is not one this API returned");
}

/** A page of the workspace's conversations, oldest first, each verified; the cursor is the last id. */
export async function verifyWorkspacePage(db: Database, bucket: R2Bucket, workspaceId: string, limit: number, cursor?: string) {
  const t = schema.conversations;
  const after = cursor ? decodeCursor(cursor) : undefined;
  const rows = await db
    .select()
    .from(t)
    .where(and(eq(t.workspaceId, workspaceId), after ? or(gt(t.createdAt, after.c), and(eq(t.createdAt, after.c), gt(t.id, after.id))) : undefined))
    .orderBy(asc(t.createdAt), asc(t.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const reports: ConversationVerifyReport[] = [];
  for (const row of page) reports.push(await verifyRow(bucket, row));
  const last = page[page.length - 1];
  return {
    reports,
    next_cursor: rows.length > limit && last ? btoa(JSON.stringify({ c: last.createdAt, id: last.id })) : null,
  };
}
