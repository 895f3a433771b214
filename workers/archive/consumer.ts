import { ArchiveBatch } from "../../src/model/index.ts";
import { conversationStub } from "../stubs.ts";
import { database } from "../db.ts";
import { indexUpdates } from "../directory/conversation-index.ts";
import type { Env } from "../env.ts";
import { emitConversationWebhooks } from "../webhooks/emit.ts";

function retryDelay(attempts: number): number {
  return Math.min(300, 2 ** Math.min(attempts, 8));
}

/**
 * The archive queue's consumer. Delivery is at least once and batches may arrive out of order,
 * so every step is idempotent: the index only moves forward and a confirmation only raises the
 * conversation's watermark. A message is acked only after both steps for its conversation.
 */
export async function consumeArchiveBatches(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const valid: Array<{ message: Message<unknown>; body: ArchiveBatch }> = [];
  for (const message of batch.messages) {
    const parsed = ArchiveBatch.safeParse(message.body);
    if (parsed.success) {
      valid.push({ message, body: parsed.data });
    } else {
      // Retrying cannot fix a malformed message: park it where an operator will see it.
      await env.EVENTS_DLQ.send({ reason: "invalid archive batch", issues: parsed.error.issues, body: message.body });
      message.ack();
    }
  }
  if (valid.length === 0) return;

  const db = database(env.DB);
  const [first, ...rest] = indexUpdates(db, valid.map((v) => v.body));
  try {
    await db.batch([first!, ...rest]);
  } catch (err) {
    console.error("conversation index update failed; retrying batch", err);
    for (const { message } of valid) message.retry({ delaySeconds: retryDelay(message.attempts) });
    return;
  }
  // Outbound webhooks (workers/webhooks/): idempotent per event id, so a retried batch emits nothing twice.
  await emitConversationWebhooks(env, valid.map((v) => v.body));

  const byConversation = new Map<string, { body: ArchiveBatch; messages: Message<unknown>[] }>();
  for (const { message, body } of valid) {
    const key = `${body.workspace_id}/${body.conversation_id}`;
    const entry = byConversation.get(key);
    if (!entry) byConversation.set(key, { body, messages: [message] });
    else {
      entry.messages.push(message);
      if (body.to_seq > entry.body.to_seq) entry.body = body;
    }
  }
  await Promise.all(
    [...byConversation.values()].map(async ({ body, messages }) => {
      try {
        await conversationStub(env, body.workspace_id, body.conversation_id).confirmArchived(body.to_seq);
        for (const m of messages) m.ack();
      } catch (err) {
        console.error(`archive confirmation to ${body.conversation_id} failed; retrying`, err);
        for (const m of messages) m.retry({ delaySeconds: retryDelay(m.attempts) });
      }
    }),
  );
}
