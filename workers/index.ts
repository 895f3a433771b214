import { consumeArchiveBatches } from "./archive/consumer.ts";
import { parkDeadLetters } from "./archive/dead-letters.ts";
import { receiveEmail } from "./channels/email.ts";
import { runCron } from "./cron.ts";
import type { Env } from "./env.ts";
import { app } from "./http/app.ts";
import { consumeWebhookJobs } from "./webhooks/deliver.ts";

export { ConversationDO } from "./conversation/conversation-do.ts";
export { SkillGroupDO } from "./skill-group/skill-group-do.ts";
export { AgentDO } from "./agent/agent-do.ts";

/** Queue names from wrangler.toml: the archive's dead letters are parked for replay, webhook jobs delivered. */
const DEAD_LETTER_QUEUE = "switchboard-events-dlq";
const WEBHOOK_QUEUE = "switchboard-webhooks";

export default {
  fetch: app.fetch,
  queue: (batch, env) => {
    if (batch.queue === DEAD_LETTER_QUEUE) return parkDeadLetters(batch, env);
    if (batch.queue === WEBHOOK_QUEUE) return consumeWebhookJobs(batch, env);
    return consumeArchiveBatches(batch, env);
  },
  scheduled: (controller, env, ctx) => ctx.waitUntil(runCron(env, controller.scheduledTime)),
  email: (message, env) => receiveEmail(message, env),
} satisfies ExportedHandler<Env, unknown>;
