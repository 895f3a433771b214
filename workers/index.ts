import { consumeArchiveBatches } from "./archive/consumer.ts";
import { runCron } from "./cron.ts";
import type { Env } from "./env.ts";
import { app } from "./http/app.ts";
import { consumeWebhookJobs } from "./webhooks/deliver.ts";

export { ConversationDO } from "./conversation/conversation-do.ts";
export { SkillGroupDO } from "./skill-group/skill-group-do.ts";
export { AgentDO } from "./agent/agent-do.ts";

/** Must match the queue name in wrangler.toml. */
const WEBHOOK_QUEUE = "switchboard-webhooks";

export default {
  fetch: app.fetch,
  queue: (batch, env) => (batch.queue === WEBHOOK_QUEUE ? consumeWebhookJobs(batch, env) : consumeArchiveBatches(batch, env)),
  scheduled: (controller, env, ctx) => ctx.waitUntil(runCron(env, controller.scheduledTime)),
} satisfies ExportedHandler<Env, unknown>;
