import { chainHashes } from "../../src/archive/index.ts";
import type { ArchiveBatch, ConversationEvent } from "../../src/model/index.ts";
import type { ConversationStore } from "./store.ts";

/**
 * How long the first unsent event waits for others before the outbox flushes. Each flush becomes
 * at least one R2 object, so waiting trades archive lag (target p99 ≤ 5 s) for fewer, larger
 * segments (target ≤ 1 object per 50 events): see docs/archive.md and bench:archive.
 */
export const FLUSH_DELAY_MS = 1000;
/**
 * The object hands over from an in-memory timer; its alarm is set this much later as the durable
 * backstop for an object evicted before its timer ran (lag is then at most this much longer).
 */
export const ARCHIVE_BACKSTOP_MS = 10_000;
/** This many unsent events flush at once: a busy conversation does not wait for the timer. */
export const FLUSH_EVENTS = 50;
/** A hand-over not confirmed by the consumer within this time is sent again. */
export const CONFIRM_TIMEOUT_MS = 120_000;
/** Queue messages are limited to 128 KB; stay well under it. */
const MAX_BATCH_BYTES = 96 * 1024;
const MAX_BATCH_EVENTS = 500;
/** Bounds one alarm's work; the next alarm carries on immediately. */
const MAX_SENDS_PER_ALARM = 20;

export type SendBatch = (batch: ArchiveBatch) => Promise<void>;

/**
 * Hands everything above the archive watermark to the queue, in seq order, and says when the
 * next alarm should run. Events stay in the conversation's log whatever happens here, so a
 * failed send only delays the archive: the alarm retries with back-off until it succeeds.
 */
export async function flushOutbox(store: ConversationStore, send: SendBatch, now: () => number): Promise<number | null> {
  const record = store.get();
  if (!record) return null;
  store.restartArchiveWithoutChain();
  if (record.archive_confirmed_seq < record.archive_handed_seq && now() - record.archive_handed_at >= CONFIRM_TIMEOUT_MS) {
    store.rewindHanded();
  }
  try {
    for (let sends = 0; sends < MAX_SENDS_PER_ALARM && record.archive_handed_seq < store.headSeq(); sends++) {
      const texts = store.eventTextsFrom(record.archive_handed_seq + 1, MAX_BATCH_EVENTS, MAX_BATCH_BYTES);
      const events = texts.map((t) => JSON.parse(t) as ConversationEvent);
      const first = events[0]!;
      const last = events[events.length - 1]!;
      // The chain is hashed here, not when events are stored: hashing is async and cannot run
      // inside a storage transaction. Events leave strictly in seq order from the handed hash,
      // and a re-send starts again from the confirmed one, so every copy carries the same hashes.
      const prevHash = store.archiveChain().handed_hash;
      const hashes = await chainHashes(prevHash, events);
      await send({
        kind: "conversation_events",
        workspace_id: record.workspace_id,
        conversation_id: record.conversation_id,
        from_seq: first.seq,
        to_seq: last.seq,
        events,
        prev_hash: prevHash,
        hashes,
        snapshot: { state: record.state, head_seq: store.headSeq(), created_at: record.created_at },
      });
      store.markHanded(last.seq, now(), hashes[hashes.length - 1]!);
    }
  } catch (err) {
    const failures = store.recordArchiveFailure();
    console.error(`archive hand-over failed (${failures} in a row); retrying`, err);
    return now() + Math.min(60_000, 500 * 2 ** Math.min(failures, 7));
  }
  return nextFlushAt(store);
}

/** When the outbox next needs to run, or null when everything is handed over and confirmed. */
export function nextFlushAt(store: ConversationStore): number | null {
  const record = store.get();
  if (!record) return null;
  if (record.archive_handed_seq < store.headSeq()) return Date.now();
  if (record.archive_confirmed_seq < record.archive_handed_seq) return record.archive_handed_at + CONFIRM_TIMEOUT_MS;
  return null;
}

/** When the outbox should flush after an append: at once when enough is waiting or the conversation ended. */
export function flushAfterAppend(store: ConversationStore, now: number): number {
  const record = store.get();
  if (!record) return now + FLUSH_DELAY_MS;
  const waiting = store.headSeq() - record.archive_handed_seq;
  return waiting >= FLUSH_EVENTS || record.state === "ended" ? now : now + FLUSH_DELAY_MS;
}
