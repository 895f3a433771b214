import { and, eq } from "drizzle-orm";
import { conversationPrefix, maskDeep, type SegmentLine } from "../../src/archive/index.ts";
import { type ConversationEvent, SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";
import { type ConversationRow, summaryOf } from "../directory/conversation-index.ts";
import { readSegments } from "./verify.ts";

/** The conversation's archived events from R2, in seq order, each seq once. */
export async function archivedEvents(bucket: R2Bucket, row: ConversationRow): Promise<ConversationEvent[]> {
  const segments = await readSegments(bucket, conversationPrefix(row.workspaceId, row.id, row.createdAt));
  const bySeq = new Map<number, ConversationEvent>();
  for (const segment of segments) {
    for (const text of segment.text.split("\n")) {
      if (!text) continue;
      const line = JSON.parse(text) as SegmentLine;
      if (!bySeq.has(line.seq)) bySeq.set(line.seq, line.event as ConversationEvent);
    }
  }
  return [...bySeq.keys()].sort((a, b) => a - b).map((seq) => bySeq.get(seq)!);
}

/** The contact the conversation belongs to, with every identity the workspace knows for it. */
export async function contactOf(db: Database, workspaceId: string, contactId: string) {
  const c = schema.contacts;
  const i = schema.contactIdentities;
  const [contact, identities] = await Promise.all([
    db.select().from(c).where(and(eq(c.workspaceId, workspaceId), eq(c.id, contactId))).limit(1),
    db.select({ kind: i.kind, value: i.value }).from(i).where(and(eq(i.workspaceId, workspaceId), eq(i.contactId, contactId))),
  ]);
  const row = contact[0];
  return { id: contactId, name: row?.name ?? null, email: row?.email ?? null, identities };
}

export async function conversationRow(db: Database, workspaceId: string, conversationId: string): Promise<ConversationRow> {
  const t = schema.conversations;
  const row = (await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, conversationId))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", "no such conversation");
  return row;
}

/**
 * A conversation as the archive holds it: its index row, its contact and its whole event timeline
 * (messages, internal notes, assignments, transfers, state changes, participants). Masked (脱敏)
 * unless `raw`.
 */
export async function transcript(db: Database, bucket: R2Bucket, row: ConversationRow, raw: boolean) {
  const [contact, events] = await Promise.all([contactOf(db, row.workspaceId, row.contactId), archivedEvents(bucket, row)]);
  const body = { conversation: { ...summaryOf(row), archived_seq: row.archivedSeq }, contact, events, masked: !raw };
  return raw ? body : { ...maskDeep(body), masked: true };
}
