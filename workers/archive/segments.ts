import { conversationPrefix, readSegmentMeta, segmentBody, segmentKey, segmentMeta } from "../../src/archive/index.ts";
import type { ChainedEvent, ConversationBatch } from "./batches.ts";

/** Where a conversation's archive ends: the last seq in R2 and that event's hash. */
export interface ArchiveTip {
  seq: number;
  hash: string | null;
}

function parseLines(text: string): ChainedEvent[] {
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as ChainedEvent);
}

/**
 * Writes a conversation's events to R2 as immutable segments and says where its archive now ends,
 * with every event from just after `known` to that end, in order.
 *
 * Segments tile the seq line without overlap: each is named by its first seq and written
 * create-only, starting right after the tip. If the name is taken — a redelivery, a retry after
 * R2 succeeded but D1 failed, or a concurrent consumer — the existing segment is read back (its
 * metadata says where it ends; its lines, if this batch lacks some of them) and the walk
 * continues after it. So an event is written at most once, whatever batches overlap. Events
 * beyond a gap (an earlier batch still on its way) are left for a retry; the tip stops before it.
 *
 * `known` is the tip the index last recorded: never ahead of R2, possibly behind it.
 */
export async function writeSegments(bucket: R2Bucket, batch: ConversationBatch, known: ArchiveTip): Promise<{ tip: ArchiveTip; events: ChainedEvent[]; written: number }> {
  const prefix = conversationPrefix(batch.workspace_id, batch.conversation_id, batch.created_at);
  const bySeq = new Map(batch.events.map((e) => [e.seq, e]));
  const last = batch.events[batch.events.length - 1]?.seq ?? 0;
  const events: ChainedEvent[] = [];
  let written = 0;
  let tip = known;
  while (tip.seq < last) {
    const next = tip.seq + 1;
    const key = segmentKey(prefix, next);
    const run: ChainedEvent[] = [];
    for (let seq = next; bySeq.has(seq); seq++) run.push(bySeq.get(seq)!);
    if (run.length > 0) {
      const end = run[run.length - 1]!;
      const created = await bucket.put(key, segmentBody(run), {
        onlyIf: { etagDoesNotMatch: "*" },
        httpMetadata: { contentType: "application/x-ndjson" },
        customMetadata: segmentMeta({ from_seq: next, to_seq: end.seq, last_hash: end.hash }),
      });
      if (created) {
        written++;
        events.push(...run);
        tip = { seq: end.seq, hash: end.hash };
        continue;
      }
    }
    const existing = await bucket.head(key);
    if (!existing) break;
    const meta = readSegmentMeta(existing.customMetadata);
    if (!meta || meta.from_seq !== next || meta.to_seq < next) throw new Error(`archive segment ${key} has unreadable metadata`);
    let covered: ChainedEvent[] = [];
    for (let seq = next; seq <= meta.to_seq && bySeq.has(seq); seq++) covered.push(bySeq.get(seq)!);
    if (covered.length < meta.to_seq - next + 1) {
      // Written by another delivery whose events this one lacks: read them back for the listeners.
      const object = await bucket.get(key);
      if (!object) throw new Error(`archive segment ${key} vanished while being read`);
      covered = parseLines(await object.text());
    }
    events.push(...covered);
    tip = { seq: meta.to_seq, hash: meta.last_hash };
  }
  return { tip, events, written };
}
