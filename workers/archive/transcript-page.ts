import { conversationPrefix, maskDeep, segmentStart, type SegmentLine } from "../../src/archive/index.ts";
import { type ArchivedTranscriptPage, type ConversationEvent, SwitchboardError } from "../../src/model/index.ts";
import { type ConversationRow, summaryOf } from "../directory/conversation-index.ts";

/**
 * A page of a conversation's archived events after `after`, read from R2: only the segments that
 * can hold it (segment names carry their first seq), in order, until `limit` events are certain.
 * Capped at the index's `archived_seq`, so a page never shows what the chain check has not seen.
 */
export async function transcriptPage(
  bucket: R2Bucket,
  row: ConversationRow,
  after: number,
  limit: number,
  raw: boolean,
): Promise<ArchivedTranscriptPage> {
  const prefix = conversationPrefix(row.workspaceId, row.id, row.createdAt);
  const segments: Array<{ key: string; start: number }> = [];
  let cursor: string | undefined;
  do {
    const listed = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    for (const o of listed.objects) {
      const start = segmentStart(o.key);
      if (start !== null) segments.push({ key: o.key, start });
    }
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  segments.sort((a, b) => a.start - b.start);

  // The last segment starting at or before after + 1 may hold it; earlier ones cannot.
  let first = 0;
  for (let i = 0; i < segments.length; i++) if (segments[i]!.start <= after + 1) first = i;
  const bySeq = new Map<number, ConversationEvent>();
  for (let i = first; i < segments.length; i++) {
    if (bySeq.size >= limit) {
      // The page is settled once no later segment can hold a seq below its last one.
      const last = [...bySeq.keys()].sort((a, b) => a - b)[limit - 1]!;
      if (segments[i]!.start > last) break;
    }
    const object = await bucket.get(segments[i]!.key);
    if (!object) continue;
    for (const text of (await object.text()).split("\n")) {
      if (!text) continue;
      const line = JSON.parse(text) as SegmentLine;
      if (line.seq > after && line.seq <= row.archivedSeq && !bySeq.has(line.seq)) bySeq.set(line.seq, line.event as ConversationEvent);
    }
  }
  const seqs = [...bySeq.keys()].sort((a, b) => a - b).slice(0, limit);
  if (seqs.length === 0 && after < row.archivedSeq) {
    // The index says these are archived and R2 does not have them: say so rather than loop a client.
    throw new SwitchboardError("internal", `the archive holds no events after seq ${after} although ${row.archivedSeq} are indexed; check it with GET /api/archive/conversations/${row.id}/verify`);
  }
  const nextAfter = seqs.at(-1) ?? after;
  const page = {
    conversation: summaryOf(row),
    archived_seq: row.archivedSeq,
    events: seqs.map((s) => bySeq.get(s)!),
    next_after: nextAfter,
    complete: nextAfter >= row.archivedSeq,
    masked: !raw,
  };
  return raw ? page : { ...maskDeep(page), masked: true };
}
