import { consumeArchiveBatches } from "./archive/consumer.ts";
import { parkDeadLetters } from "./archive/dead-letters.ts";
import { receiveEmail } from "./channels/email.ts";
import { runCron } from "./cron.ts";
import type { Env } from "./env.ts";
import { app } from "./http/app.ts";

export { ConversationDO } from "./conversation/conversation-do.ts";
export { SkillGroupDO } from "./skill-group/skill-group-do.ts";
export { AgentDO } from "./agent/agent-do.ts";

/** wrangler.toml's dead-letter queue for the archive: its messages are parked for replay. */
const DEAD_LETTER_QUEUE = "switchboard-events-dlq";

export default {
  fetch: app.fetch,
  queue: (batch, env) => (batch.queue === DEAD_LETTER_QUEUE ? parkDeadLetters(batch, env) : consumeArchiveBatches(batch, env)),
  scheduled: (_controller, env, ctx) => ctx.waitUntil(runCron(env)),
  email: (message, env) => receiveEmail(message, env),
} satisfies ExportedHandler<Env, unknown>;
