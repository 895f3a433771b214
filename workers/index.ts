import { consumeArchiveBatches } from "./archive/consumer.ts";
import { runCron } from "./cron.ts";
import type { Env } from "./env.ts";
import { app } from "./http/app.ts";

export { ConversationDO } from "./conversation/conversation-do.ts";
export { SkillGroupDO } from "./skill-group/skill-group-do.ts";
export { AgentDO } from "./agent/agent-do.ts";

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeArchiveBatches(batch, env),
  scheduled: (controller, env, ctx) => ctx.waitUntil(runCron(env, controller.scheduledTime)),
} satisfies ExportedHandler<Env, unknown>;
