import { chainHashes } from "../../src/archive/index.ts";
import type { ArchiveBatch, ConversationEvent } from "../../src/model/index.ts";
import type { ConversationStore } from "./store.ts";

/**
 * A hand-over waits until the conversation has been quiet this long, so that a burst (a visitor's
 * opening and first lines, an agent's replies) travels as one batch. Each flush becomes at least
 * one R2 object: waiting trades archive lag (target p99 ≤ 5 s) for fewer, larger segments (target
 * ≤ 1 object per 50 events). See docs/archive.md and bench:archive.
 */
export const FLUSH_QUIET_MS = 500;
/** …but no event waits longer than this after it was stored, however busy the conversation. */
export const FLUSH_MAX_WAIT_MS = 2000;
/**
 * A conversation's opening event alone waits this long for the visitor's first lines, which
 * usually follow within seconds: otherwise nearly every conversation would start with a
 * one-event segment. When they come, it waits with them (at most FLUSH_MAX_WAIT_MS more).
 */
export const OPENING_WAIT_MS = 3000;
/**
 * The object hands over from an in-memory timer; its alarm is set this much later as the durable
 * backstop for an object evicted before its timer ran (lag is then at most this much longer).
 */
export const ARCHIVE_BACKSTOP_MS = 10_000;
/** This many unsent events flush at once: above a typical burst, below a queue message's limits. */
export const FLUSH_EVENTS = 200;
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
    // Worth an alert: the queue lost a batch or the consumer is failing (docs/operations.md).
    console.error(
      `archive unconfirmed: ${record.conversation_id} handed seq ${record.archive_handed_seq}, confirmed ${record.archive_confirmed_seq}, ` +
        `for ${Math.round((now() - record.archive_handed_at) / 1000)} s; sending again from the confirmed watermark`,
    );
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

/**
 * When a due hand-over should run instead, if something is about to append (a routing decision in
 * flight): a quiet period later, within the oldest event's maximum wait. Null: run it now.
 */
export function deferredFlush(now: number, waitingSince: number | null): number | null {
  if (waitingSince === null || now >= waitingSince + FLUSH_MAX_WAIT_MS) return null;
  return Math.min(now + FLUSH_QUIET_MS, waitingSince + FLUSH_MAX_WAIT_MS);
}

/**
 * When the outbox should flush after an append, given when the oldest unsent event other than the
 * opening was stored (null: only the opening waits): a quiet period after the last event, capped
 * by that event's maximum wait; the opening alone waits longer, and once the first lines follow it
 * travels with them; at once when enough is waiting or the conversation ended.
 */
export function flushAfterAppend(store: ConversationStore, now: number, waitingSince: number | null): number {
  const record = store.get();
  if (!record) return now + FLUSH_QUIET_MS;
  const waiting = store.headSeq() - record.archive_handed_seq;
  if (waiting >= FLUSH_EVENTS || record.state === "ended") return now;
  if (waitingSince === null) return now + OPENING_WAIT_MS;
  return Math.min(now + FLUSH_QUIET_MS, waitingSince + FLUSH_MAX_WAIT_MS);
}
