import { inArray } from "drizzle-orm";
import { canonicalJson, conversationPrefix } from "../../src/archive/index.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import type { ArchivedBatch } from "./consumer.ts";
import { contactOf } from "./transcript.ts";

/** The key of a conversation's contact snapshot taken when the event at `seq` ended it. */
export function contactSnapshotKey(prefix: string, seq: number): string {
  return `${prefix}contact-${String(seq).padStart(12, "0")}.json`;
}

/**
 * When a conversation ends, the contact data attached to it (name, email, every identity) is
 * copied next to its segments, create-only: the archive keeps who the conversation was with as
 * the directory knew them then, even if the directory changes later. One object per end.
 */
export async function archiveContactSnapshots(archived: ArchivedBatch[], env: Env): Promise<void> {
  const ends = archived.flatMap(({ batch }) =>
    batch.events.filter((e) => e.event.type === "state_changed" && e.event.to === "ended").map((e) => ({ batch, seq: e.seq, at: e.event.at })),
  );
  if (ends.length === 0) return;
  const db = database(env.DB);
  const t = schema.conversations;
  const ids = [...new Set(ends.map((e) => e.batch.conversation_id))];
  const contactIds = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db.select({ id: t.id, contactId: t.contactId }).from(t).where(inArray(t.id, ids.slice(i, i + 90)));
    for (const r of rows) contactIds.set(r.id, r.contactId);
  }
  for (const end of ends) {
    const contactId = contactIds.get(end.batch.conversation_id);
    if (!contactId) continue;
    const contact = await contactOf(db, end.batch.workspace_id, contactId);
    const prefix = conversationPrefix(end.batch.workspace_id, end.batch.conversation_id, end.batch.created_at);
    await env.ARCHIVE.put(contactSnapshotKey(prefix, end.seq), `${canonicalJson({ conversation_id: end.batch.conversation_id, ended_seq: end.seq, at: end.at, contact })}\n`, {
      onlyIf: { etagDoesNotMatch: "*" },
      httpMetadata: { contentType: "application/json" },
    });
  }
}
