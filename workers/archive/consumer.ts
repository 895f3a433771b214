import { ArchiveBatch } from "../../src/model/index.ts";
import { conversationStub } from "../stubs.ts";
import { database } from "../db.ts";
import { applyArchived, archiveTips } from "../directory/conversation-index.ts";
import type { Env } from "../env.ts";
import { failArchiveBatch } from "../faults/inject.ts";
import { type ConversationBatch, mergeByConversation } from "./batches.ts";
import { archiveContactSnapshots } from "./contact-snapshots.ts";
import { countingD1 } from "./d1-counter.ts";
import { type ArchiveTip, writeSegments } from "./segments.ts";
import { applyMetrics } from "../metrics/listener.ts";
import { emitConversationWebhooks } from "../webhooks/emit.ts";

/**
 * What every listener receives, per conversation: the events newly in R2 (every seq from the
 * index's previous tip to the new one, in order, with their hashes) and the new tip.
 */
export interface ArchivedBatch {
  batch: ConversationBatch;
  tip: ArchiveTip;
}

/**
 * Steps that run after R2 holds the events, in order, before the index commits the new tip; the
 * DO's watermark is confirmed only when all succeeded. Each must be idempotent: when one fails the
 * whole delivery is retried and every listener gets the same events again.
 * Add a listener (metrics rollups, outbound webhooks) as one line here.
 */
export const ARCHIVE_LISTENERS: Array<(archived: ArchivedBatch[], env: Env) => Promise<void>> = [
  archiveContactSnapshots,
  (archived, env) => applyMetrics(env, archived),
  (archived, env) =>
    emitConversationWebhooks(
      env,
      archived.map(({ batch }) => ({ workspace_id: batch.workspace_id, conversation_id: batch.conversation_id, events: batch.events.map((c) => c.event) })),
    ),
];

function retryDelay(attempts: number): number {
  return Math.min(300, 2 ** Math.min(attempts, 8));
}

/**
 * The archive queue's consumer. Delivery is at least once and batches may arrive out of order or
 * overlap, so every step is idempotent: R2 segments are create-only and never overlap, the index
 * only moves forward, a confirmation only raises the conversation's watermark. A message is acked
 * only when everything it carried is in R2, every listener ran, and its conversation confirmed.
 */
export async function consumeArchiveBatches(batch: MessageBatch<unknown>, rawEnv: Env): Promise<void> {
  if (failArchiveBatch(batch, rawEnv)) return;
  const d1 = countingD1(rawEnv.DB);
  const env: Env = { ...rawEnv, DB: d1.db };
  const stats = { segments: 0, events: 0 };
  const started = Date.now();
  try {
    await consume(batch, env, stats);
  } finally {
    // One line per delivery: what it cost (bench:archive sums these).
    console.log(`archive delivery: ${batch.messages.length} messages, ${stats.events} events archived, ${stats.segments} segments written, ${d1.count()} D1 statements, ${Date.now() - started} ms`);
  }
}

async function consume(batch: MessageBatch<unknown>, env: Env, stats: { segments: number; events: number }): Promise<void> {
  const valid: Array<{ message: Message<unknown>; parsed: ArchiveBatch; raw: ArchiveBatch }> = [];
  for (const message of batch.messages) {
    const parsed = ArchiveBatch.safeParse(message.body);
    if (parsed.success && parsed.data.hashes.length === parsed.data.events.length && parsed.data.events.length > 0) {
      valid.push({ message, parsed: parsed.data, raw: message.body as ArchiveBatch });
    } else {
      // Retrying cannot fix a malformed message: park it where an operator will see it.
      const issues = parsed.success ? [{ message: "hashes and events differ in number" }] : parsed.error.issues;
      await env.EVENTS_DLQ.send({ reason: "invalid archive batch", issues, body: message.body });
      message.ack();
    }
  }
  if (valid.length === 0) return;
  const retryAll = (messages: Array<{ message: Message<unknown> }>) => {
    for (const { message } of messages) message.retry({ delaySeconds: retryDelay(message.attempts) });
  };

  const conversations = mergeByConversation(valid);
  let tips: Map<string, ArchiveTip>;
  try {
    tips = await archiveTips(database(env.DB), [...conversations.values()]);
  } catch (err) {
    console.error("reading archive tips failed; retrying batch", err);
    return retryAll(valid);
  }

  // R2 first, per conversation: one conversation's failure does not hold the others back.
  const archived: ArchivedBatch[] = [];
  const tipOf = new Map<string, ArchiveTip>();
  await Promise.all(
    [...conversations].map(async ([key, conv]) => {
      try {
        const { tip, events, written } = await writeSegments(env.ARCHIVE, conv, tips.get(key) ?? { seq: 0, hash: null });
        stats.segments += written;
        stats.events += events.length;
        if (tip.seq > 0) tipOf.set(key, tip);
        if (events.length > 0) archived.push({ batch: { ...conv, events }, tip });
      } catch (err) {
        console.error(`archive segment write for ${key} failed; retrying`, err);
      }
    }),
  );

  try {
    for (const listener of ARCHIVE_LISTENERS) await listener(archived, env);
    // Last: the index records the new tip, from which the next delivery decides what is new. Were
    // it earlier, a listener failing after it would not be handed these events on the retry.
    await applyArchived(env.DB, archived);
  } catch (err) {
    console.error("an archive listener failed; retrying batch", err);
    return retryAll(valid);
  }

  const confirmed = new Map<string, boolean>();
  await Promise.all(
    [...tipOf].map(async ([key, tip]) => {
      const [workspaceId, conversationId] = key.split("/") as [string, string];
      try {
        if (tip.hash) await conversationStub(env, workspaceId, conversationId).confirmArchived(tip.seq, tip.hash);
        confirmed.set(key, true);
      } catch (err) {
        console.error(`archive confirmation to ${conversationId} failed; retrying`, err);
      }
    }),
  );
  for (const { message, parsed } of valid) {
    const key = `${parsed.workspace_id}/${parsed.conversation_id}`;
    // Beyond the tip (a gap before it, or R2 failed): retry; the gap's batch is on its way or re-sent.
    if (confirmed.get(key) && tipOf.get(key)!.seq >= parsed.to_seq) message.ack();
    else message.retry({ delaySeconds: retryDelay(message.attempts) });
  }
}
