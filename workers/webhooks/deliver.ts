import { eq } from "drizzle-orm";
import { backoffSeconds, MAX_ATTEMPTS, SIGNATURE_HEADER, signatureHeader } from "../../src/webhooks/index.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import type { WebhookJob } from "./emit.ts";
import { openWebhookSecret } from "./secret.ts";

/** A receiver that does not answer within this long has failed the attempt. */
const TIMEOUT_MS = 10_000;
/** Kept from a receiver's error body, for the delivery log. */
const ERROR_CHARS = 200;

function baseSeconds(env: Env): number {
  const configured = Number(env.WEBHOOK_RETRY_BASE_SECONDS ?? "30");
  return Number.isFinite(configured) && configured >= 0 ? configured : 30;
}

/**
 * The webhook queue's consumer: one attempt per message. A 2xx delivers; anything else is logged
 * and retried with exponential back-off until MAX_ATTEMPTS, then the delivery is dead (replayable).
 */
export async function consumeWebhookJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(batch.messages.map((message) => attempt(message as Message<WebhookJob>, env)));
}

async function attempt(message: Message<WebhookJob>, env: Env): Promise<void> {
  const db = database(env.DB);
  const d = schema.webhookDeliveries;
  const id = (message.body as Partial<WebhookJob>)?.delivery_id;
  const delivery = typeof id === "string" ? (await db.select().from(d).where(eq(d.id, id)).limit(1))[0] : undefined;
  // Gone, or already settled by an earlier copy of this message: nothing to do.
  if (!delivery || delivery.status === "delivered" || delivery.status === "dead") return message.ack();
  const webhook = (await db.select().from(schema.webhooks).where(eq(schema.webhooks.id, delivery.webhookId)).limit(1))[0];
  if (!webhook || !webhook.active) return message.ack();

  const started = Date.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const timestamp = Math.floor(started / 1000);
    // Opened only to sign, and only in this attempt: a key misconfiguration is a failed, retried attempt.
    const secret = await openWebhookSecret(env, webhook);
    const response = await fetch(webhook.url, {
      method: "POST",
      body: delivery.payload,
      headers: {
        "content-type": "application/json",
        "user-agent": "Switchboard-Webhooks/1",
        [SIGNATURE_HEADER]: await signatureHeader(secret, timestamp, delivery.payload),
        "Switchboard-Event-Id": delivery.eventId,
        "Switchboard-Event-Type": delivery.eventType,
        "Switchboard-Delivery-Id": delivery.id,
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "manual",
    });
    statusCode = response.status;
    if (!response.ok) error = (await response.text()).slice(0, ERROR_CHARS) || `HTTP ${response.status}`;
    else await response.body?.cancel();
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, ERROR_CHARS) : "request failed";
  }
  const now = Date.now();
  const attempts = delivery.attempts + 1;
  const log = [...delivery.log, { at: started, status_code: statusCode, error, duration_ms: now - started }].slice(-MAX_ATTEMPTS);
  if (error === null) {
    await db.update(d).set({ status: "delivered", attempts, lastStatusCode: statusCode, log, nextAttemptAt: null, deliveredAt: now }).where(eq(d.id, delivery.id));
    return message.ack();
  }
  if (attempts >= MAX_ATTEMPTS) {
    await db.update(d).set({ status: "dead", attempts, lastStatusCode: statusCode, log, nextAttemptAt: null }).where(eq(d.id, delivery.id));
    return message.ack();
  }
  const delay = backoffSeconds(attempts, baseSeconds(env));
  await db.update(d).set({ status: "retrying", attempts, lastStatusCode: statusCode, log, nextAttemptAt: now + delay * 1000 }).where(eq(d.id, delivery.id));
  message.retry({ delaySeconds: delay });
}
