import type { ArchiveBatch } from "../src/model/index.ts";
import type { ConversationDO } from "./conversation/conversation-do.ts";
import type { SkillGroupDO } from "./skill-group/skill-group-do.ts";
import type { AgentDO } from "./agent/agent-do.ts";
import type { WebhookJob } from "./webhooks/emit.ts";

/** Every binding declared in wrangler.toml. */
export interface Env {
  CONVERSATIONS: DurableObjectNamespace<ConversationDO>;
  SKILL_GROUPS: DurableObjectNamespace<SkillGroupDO>;
  AGENTS: DurableObjectNamespace<AgentDO>;
  DB: D1Database;
  ARCHIVE: R2Bucket;
  EVENTS: Queue<ArchiveBatch>;
  EVENTS_DLQ: Queue<unknown>;
  /** Rate limits (docs/permissions.md): sign-in 10 per minute per key, public endpoints 60 per minute per address. */
  SIGN_IN_LIMIT: RateLimit;
  PUBLIC_LIMIT: RateLimit;
  /** Outbound webhook deliveries (docs/webhooks.md). */
  WEBHOOKS: Queue<WebhookJob>;
  ASSETS: Fetcher;
  /** Signs visitor tokens; a secret in production, `.dev.vars` locally. */
  TOKEN_SECRET?: string;
  ENVIRONMENT: string;
  /** Fault injection for the load harness, development only (workers/faults/config.ts); unset everywhere else. */
  FAULTS?: string;
  /** The WeChat API's origin (default https://api.weixin.qq.com); tests point it at a fake. */
  WECHAT_API_BASE?: string;
  /** Sends email replies (Cloudflare Email Routing / Email Service). */
  EMAIL: SendEmail;
  ATTACHMENTS: R2Bucket;
  /** Turnstile's siteverify URL (default Cloudflare's); tests point it at a fake. */
  TURNSTILE_VERIFY_URL?: string;
  /** This deployment's public origin, for links made outside a request (email attachments); optional. */
  PUBLIC_URL?: string;
  /** Seals webhook signing secrets at rest (workers/webhooks/secret.ts); a secret in production, `.dev.vars` locally. */
  WEBHOOK_SECRET_KEY?: string;
  /** The key before WEBHOOK_SECRET_KEY, while the cron re-seals what it sealed; optional. */
  WEBHOOK_SECRET_KEY_PREVIOUS?: string;
  /** First webhook retry delay in seconds, doubled per attempt (default 30). */
  WEBHOOK_RETRY_BASE_SECONDS?: string;
}
