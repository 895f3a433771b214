import { archiveTicketEvents } from "./archive/tickets.ts";
import { purgeSessions } from "./auth/sessions.ts";
import { redeliverInbox } from "./channels/inbox.ts";
import { database } from "./db.ts";
import type { Env } from "./env.ts";
import { sampleFinishedDays } from "./qa/daily.ts";
import { sweepTicketSla } from "./tickets/sla-sweep.ts";
import { purgeIdempotencyKeys } from "./v1/middleware.ts";
import { drainOutboxBacklog } from "./webhooks/outbox.ts";
import { resealWebhookSecrets } from "./webhooks/secret.ts";
import { requeueStuckDeliveries } from "./webhooks/subscriptions.ts";

/** Housekeeping on the cron trigger (every 5 minutes). */
export async function runCron(env: Env, now = Date.now()): Promise<void> {
  const db = database(env.DB);
  await purgeSessions(db, now);
  await purgeIdempotencyKeys(db, now);
  await sweepTicketSla(env, now);
  await requeueStuckDeliveries(env, now);
  await resealWebhookSecrets(env);
  // After the SLA sweep, whose breaches it publishes if the sweep's own attempt failed.
  await drainOutboxBacklog(env);
  await sampleFinishedDays(env, now);
  await redeliverInbox(env, now);
  // After the SLA sweep, so this run's breaches are archived by this run.
  await archiveTicketEvents(env, now);
}
