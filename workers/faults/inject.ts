import type { Env } from "../env.ts";
import { faultConfig } from "./config.ts";

/**
 * The archive consumer's fault: with FAULTS consumer_fail=S, a share S of batches is retried
 * whole before anything is done (as if D1 or the object had failed). Returns true when it did.
 * One config lookup per batch, nothing per message.
 */
export function failArchiveBatch(batch: MessageBatch<unknown>, env: Env): boolean {
  const share = faultConfig(env)?.consumerFailShare ?? 0;
  if (share === 0 || Math.random() >= share) return false;
  console.warn(`fault injected: archive batch of ${batch.messages.length} retried`);
  batch.retryAll({ delaySeconds: 1 });
  return true;
}

/**
 * An object's fault: with FAULTS evict, resets the Durable Object (ctx.abort: its in-memory state
 * is dropped and its sockets are closed; the next request starts it again from storage).
 */
export function evictIfEnabled(ctx: DurableObjectState, env: Env): void {
  if (!faultConfig(env)?.evict) return;
  ctx.abort("fault injected: evicted by the bench");
}
