import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * D1 holds metadata only; the message hot path never touches it. Every row is scoped by
 * workspace_id, and every query filters by it.
 */

export const workspaces = sqliteTable("workspaces", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  /** Public: embedded in the widget's script tag. */
  widgetKey: text("widget_key").notNull().unique(),
  timezone: text("timezone").notNull().default("UTC"),
  createdAt: integer("created_at").notNull(),
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: ["agent", "supervisor", "admin"] }).notNull(),
    passwordHash: text("password_hash").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** Most conversations this user serves at once, across all their skill groups. */
    maxConcurrent: integer("max_concurrent").notNull().default(5),
    /** The user's shift (班次); without one they may be assigned whenever they are online. */
    shiftScheduleId: text("shift_schedule_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("users_workspace_email").on(t.workspaceId, t.email)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    /** SHA-256 of the bearer token: a leaked table does not leak sessions. */
    tokenHash: text("token_hash").notNull().unique(),
    userId: text("user_id").notNull().references(() => users.id),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("sessions_user").on(t.userId), index("sessions_expires").on(t.expiresAt)],
);

export const contacts = sqliteTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name"),
    email: text("email"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** Set when an admin merged this contact into another: its identities and conversations moved there. */
    mergedInto: text("merged_into"),
  },
  (t) => [index("contacts_workspace").on(t.workspaceId, t.createdAt)],
);

/** One contact, many identities: cookie/device IDs now, WeChat openid, email and phone later. */
export const contactIdentities = sqliteTable(
  "contact_identities",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    kind: text("kind", { enum: ["visitor", "device", "openid", "unionid", "email", "phone", "external"] }).notNull(),
    value: text("value").notNull(),
    contactId: text("contact_id").notNull().references(() => contacts.id),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind, t.value] }), index("identities_contact").on(t.contactId)],
);

/**
 * The conversation index for lists and search. Created with the conversation; kept current
 * by the archive queue consumer from the event stream, never written per message.
 */
export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    contactId: text("contact_id").notNull().references(() => contacts.id),
    channel: text("channel").notNull(),
    state: text("state", { enum: ["queued", "serving", "transferring", "offline", "ended"] }).notNull(),
    lastSeq: integer("last_seq").notNull().default(0),
    lastMessageAt: integer("last_message_at"),
    lastMessagePreview: text("last_message_preview"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** The archive's tip: every seq up to here is in R2, and the hash of that last event. */
    archivedSeq: integer("archived_seq").notNull().default(0),
    archiveHeadHash: text("archive_head_hash"),
    /** The skill group it is (or was last) queued in. */
    groupId: text("group_id"),
    /** The agent last assigned: its serving agent while `state` is serving, then who served it last. */
    ownerId: text("owner_id"),
    /** The context's tags, a JSON array. */
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default([]),
    endedAt: integer("ended_at"),
  },
  (t) => [
    index("conversations_workspace_state").on(t.workspaceId, t.state, t.updatedAt),
    index("conversations_workspace_owner").on(t.workspaceId, t.ownerId, t.updatedAt),
    index("conversations_workspace_group").on(t.workspaceId, t.groupId, t.updatedAt),
    index("conversations_workspace_created").on(t.workspaceId, t.createdAt),
    index("conversations_workspace_updated").on(t.workspaceId, t.updatedAt),
    index("conversations_contact").on(t.workspaceId, t.contactId, t.createdAt),
  ],
);

/** Weekly hours plus closures, as a `Schedule` document (src/routing/schedule.ts): opening hours and shifts. */
export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    body: text("body", { mode: "json" }).notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("schedules_workspace_name").on(t.workspaceId, t.name)],
);

/** 技能组: a queue with its members and how it assigns. */
export const skillGroups = sqliteTable(
  "skill_groups",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    policy: text("policy", { enum: ["least_loaded", "round_robin"] }).notNull().default("least_loaded"),
    /** Where an agent's open conversations go when the agent drops offline. */
    requeue: text("requeue", { enum: ["front", "back"] }).notNull().default("front"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("skill_groups_workspace_name").on(t.workspaceId, t.name)],
);

export const groupMembers = sqliteTable(
  "group_members",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    groupId: text("group_id").notNull().references(() => skillGroups.id),
    userId: text("user_id").notNull().references(() => users.id),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index("group_members_user").on(t.userId)],
);

/** Every published routing policy, kept forever: the highest version is live; restore republishes an old one. */
export const ruleSetVersions = sqliteTable(
  "rule_set_versions",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    version: integer("version").notNull(),
    body: text("body", { mode: "json" }).notNull(),
    note: text("note"),
    publishedBy: text("published_by").notNull(),
    publishedAt: integer("published_at").notNull(),
    restoredFrom: integer("restored_from"),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.version] })],
);

/**
 * Archive batches the queue gave up on (its dead-letter queue), parked until an operator replays
 * them: docs/operations.md. Replaying is safe because the archive consumer is idempotent.
 */
export const archiveDeadLetters = sqliteTable(
  "archive_dead_letters",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id"),
    conversationId: text("conversation_id"),
    reason: text("reason").notNull(),
    body: text("body", { mode: "json" }).notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("archive_dead_letters_received").on(t.receivedAt)],
);

/** Every staff member who was assigned or joined a conversation: search by agent across transfers. */
export const conversationAgents = sqliteTable(
  "conversation_agents",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    conversationId: text("conversation_id").notNull(),
    userId: text("user_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index("conversation_agents_user").on(t.workspaceId, t.userId)],
);

/**
 * The searchable text of every archived message (public and internal), one row per event. The
 * full-text index over it (`message_fts`, FTS5 with the trigram tokenizer) is created by a custom
 * migration and kept current by a trigger: docs/archive.md.
 */
export const messageTexts = sqliteTable(
  "message_texts",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    conversationId: text("conversation_id").notNull(),
    seq: integer("seq").notNull(),
    at: integer("at").notNull(),
    senderRole: text("sender_role").notNull(),
    senderId: text("sender_id").notNull(),
    visibility: text("visibility", { enum: ["public", "internal"] }).notNull(),
    text: text("text").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.seq] }), index("message_texts_workspace").on(t.workspaceId, t.at)],
);

/** Who searched, viewed or exported what in the archive, and when: readable by admins. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    userId: text("user_id").notNull(),
    action: text("action", { enum: ["search", "view", "export", "verify"] }).notNull(),
    /** The conversation viewed, when there is one. */
    conversationId: text("conversation_id"),
    /** The filters or options used, as given. */
    query: text("query", { mode: "json" }).notNull(),
    /** Whether the caller received raw (unmasked) content. */
    raw: integer("raw", { mode: "boolean" }).notNull().default(false),
    at: integer("at").notNull(),
  },
  (t) => [index("audit_log_workspace_at").on(t.workspaceId, t.at)],
);

/** The additive measures of docs/metrics.md, shared by per-conversation facts and rollups. */
const metricMeasures = () => ({
  started: integer("started").notNull().default(0),
  assignments: integer("assignments").notNull().default(0),
  queueWaits: integer("queue_waits").notNull().default(0),
  queueWaitMs: integer("queue_wait_ms").notNull().default(0),
  firstResponses: integer("first_responses").notNull().default(0),
  firstResponseMs: integer("first_response_ms").notNull().default(0),
  visitorFirstResponses: integer("visitor_first_responses").notNull().default(0),
  visitorFirstResponseMs: integer("visitor_first_response_ms").notNull().default(0),
  handled: integer("handled").notNull().default(0),
  handleMs: integer("handle_ms").notNull().default(0),
  servingMs: integer("serving_ms").notNull().default(0),
  ended: integer("ended").notNull().default(0),
  resolved: integer("resolved").notNull().default(0),
  unanswered: integer("unanswered").notNull().default(0),
  abandoned: integer("abandoned").notNull().default(0),
  transferred: integer("transferred").notNull().default(0),
  rated: integer("rated").notNull().default(0),
  ratingSum: integer("rating_sum").notNull().default(0),
});

/** Where a fact or rollup is counted: a local hour of the workspace and its dimensions ("" for none). */
const metricKey = () => ({
  day: text("day").notNull(),
  hour: integer("hour").notNull(),
  channel: text("channel").notNull(),
  groupId: text("group_id").notNull(),
  agentId: text("agent_id").notNull(),
});

/**
 * Each archived conversation's metrics fold (src/metrics/fold.ts) and the seq it reached: the
 * listener folds only newer events, and only if `seq` is still what it read (compare-and-set).
 */
export const metricConversations = sqliteTable("metric_conversations", {
  conversationId: text("conversation_id").primaryKey(),
  workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
  seq: integer("seq").notNull(),
  state: text("state", { mode: "json" }).notNull(),
  /** The zone its facts were bucketed in. */
  timezone: text("timezone").notNull(),
  updatedAt: integer("updated_at").notNull(),
  /** Set by the delivery that last saved the fold: only that delivery's rollup increments apply. */
  claim: text("claim"),
});

/** One conversation's contribution to the rollups, replaced whole whenever its fold moves on. */
export const metricFacts = sqliteTable(
  "metric_facts",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    conversationId: text("conversation_id").notNull(),
    ...metricKey(),
    ...metricMeasures(),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.day, t.hour, t.channel, t.groupId, t.agentId] }),
    index("metric_facts_workspace_day").on(t.workspaceId, t.day, t.hour),
  ],
);

/** Sums of metric_facts per workspace, local hour and dimensions, kept by increments: what dashboards read. */
export const metricRollups = sqliteTable(
  "metric_rollups",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    ...metricKey(),
    ...metricMeasures(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day, t.hour, t.channel, t.groupId, t.agentId] })],
);

/** Each workspace's quality-review sampling rule (src/qa/sampling.ts); defaults apply without a row. */
export const qaSettings = sqliteTable("qa_settings", {
  workspaceId: text("workspace_id").primaryKey().references(() => workspaces.id),
  rule: text("rule", { mode: "json" }).notNull(),
  /** The last local day the daily run sampled (workers/qa/daily.ts). */
  sampledThrough: text("sampled_through"),
  updatedAt: integer("updated_at").notNull(),
});

/** Scorecards: weighted criteria and a pass mark (src/qa/scorecard.ts). */
export const qaScorecards = sqliteTable(
  "qa_scorecards",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    criteria: text("criteria", { mode: "json" }).notNull(),
    passMark: real("pass_mark").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("qa_scorecards_workspace_name").on(t.workspaceId, t.name)],
);

/** The review queue: one row per conversation selected for review, pending until scored. */
export const qaReviews = sqliteTable(
  "qa_reviews",
  {
    conversationId: text("conversation_id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    /** The agent under review: who served the conversation last. */
    agentId: text("agent_id").notNull(),
    groupId: text("group_id").notNull(),
    /** The local day the conversation ended. */
    day: text("day").notNull(),
    reasons: text("reasons", { mode: "json" }).notNull(),
    status: text("status", { enum: ["pending", "done"] }).notNull().default("pending"),
    scorecardId: text("scorecard_id"),
    scores: text("scores", { mode: "json" }),
    total: real("total"),
    passed: integer("passed", { mode: "boolean" }),
    comment: text("comment"),
    reviewerId: text("reviewer_id"),
    createdAt: integer("created_at").notNull(),
    reviewedAt: integer("reviewed_at"),
  },
  (t) => [index("qa_reviews_workspace_status").on(t.workspaceId, t.status, t.day), index("qa_reviews_workspace_agent").on(t.workspaceId, t.agentId, t.day)],
);
// ---- channels (src/channels, workers/channels) ------------------------------------------------

/** Per-workspace secrets of the channels: identity verification (user_hash) and the API channel's signing key. */
export const channelSecrets = sqliteTable(
  "channel_secrets",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    /** `turnstile` is the Turnstile secret key an admin brings; the others Switchboard generates. */
    purpose: text("purpose", { enum: ["identity", "api", "turnstile"] }).notNull(),
    secret: text("secret").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.purpose] })],
);

/**
 * Where a server-side channel's messages go: one open conversation per thread key (a WeChat
 * user of one account, an email thread, an API contact). Replaced by compare-and-set when the
 * conversation ended, so two racing deliveries agree on one conversation.
 */
export const channelThreads = sqliteTable(
  "channel_threads",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    threadKey: text("thread_key").notNull(),
    conversationId: text("conversation_id").notNull(),
    contactId: text("contact_id").notNull(),
    channel: text("channel").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.threadKey] }), index("channel_threads_conversation").on(t.conversationId)],
);

/**
 * Inbound channel messages, stored before the channel is answered: the dedup key of WeChat's
 * retries and the record the cron sweep re-delivers from if processing failed after the answer.
 */
export const channelInbox = sqliteTable(
  "channel_inbox",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    /** The channel's own message identity, e.g. `wx:<appid>:<MsgId>`. */
    dedupKey: text("dedup_key").notNull(),
    channel: text("channel").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    /** `ignored`: recognised as an auto-reply or bounce, kept for the record but not routed to agents. */
    status: text("status", { enum: ["pending", "delivered", "ignored", "failed"] }).notNull(),
    conversationId: text("conversation_id"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    receivedAt: integer("received_at").notNull(),
    processedAt: integer("processed_at"),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.dedupKey] }), index("channel_inbox_status").on(t.status, t.receivedAt)],
);

/** A WeChat official account or mini-program connected to a workspace. Secrets are never returned by the API. */
export const wechatAccounts = sqliteTable(
  "wechat_accounts",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    kind: text("kind", { enum: ["official_account", "mini_program"] }).notNull(),
    appId: text("app_id").notNull(),
    appSecret: text("app_secret").notNull(),
    token: text("token").notNull(),
    encodingAesKey: text("encoding_aes_key"),
    mode: text("mode", { enum: ["plain", "compatible", "safe"] }).notNull(),
    accessToken: text("access_token"),
    accessTokenExpiresAt: integer("access_token_expires_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("wechat_accounts_workspace_app").on(t.workspaceId, t.appId)],
);

/** Every email Message-ID seen or sent, and its conversation: how a reply finds its thread. */
export const emailMessages = sqliteTable(
  "email_messages",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    messageId: text("message_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.messageId] })],
);

/** The support addresses a workspace receives email on (the Email Routing rule sends them to this Worker). */
export const emailInboxes = sqliteTable(
  "email_inboxes",
  {
    address: text("address").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("email_inboxes_workspace").on(t.workspaceId)],
);

/** A file uploaded into a conversation (or received by a channel); its bytes are in R2 under `r2Key`. */
export const attachments = sqliteTable(
  "attachments",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    conversationId: text("conversation_id").notNull(),
    uploadedBy: text("uploaded_by").notNull(),
    r2Key: text("r2_key").notNull(),
    name: text("name").notNull(),
    mime: text("mime").notNull(),
    size: integer("size").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("attachments_conversation").on(t.workspaceId, t.conversationId)],
);

/** A workspace's attachment limits; without a row, DEFAULT_ATTACHMENT_POLICY (src/channels) applies. */
export const attachmentPolicies = sqliteTable("attachment_policies", {
  workspaceId: text("workspace_id").primaryKey().references(() => workspaces.id),
  body: text("body", { mode: "json" }).notNull(),
  updatedAt: integer("updated_at").notNull(),
});
/** Open-API keys (docs/open-api.md): the secret is shown once and stored only as its SHA-256. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull().unique(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("api_keys_workspace").on(t.workspaceId, t.createdAt)],
);

/**
 * A create's response, kept per API key and Idempotency-Key so a retry gets the same answer.
 * `status` 0 marks a request still running.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    apiKeyId: text("api_key_id").notNull(),
    key: text("key").notNull(),
    workspaceId: text("workspace_id").notNull(),
    route: text("route").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    body: text("body"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] }), index("idempotency_keys_created").on(t.createdAt)],
);

/** 工单 (docs/tickets.md). Deadlines are fixed when the ticket is created or its priority changes. */
export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    summary: text("summary").notNull(),
    description: text("description"),
    problemType: text("problem_type"),
    priority: text("priority", { enum: ["low", "normal", "high", "urgent"] }).notNull(),
    status: text("status", { enum: ["open", "pending", "solved", "closed"] }).notNull(),
    ownerId: text("owner_id"),
    contactId: text("contact_id"),
    conversationId: text("conversation_id"),
    expectedReplyAt: integer("expected_reply_at"),
    firstReplyDueAt: integer("first_reply_due_at").notNull(),
    resolutionDueAt: integer("resolution_due_at").notNull(),
    firstRepliedAt: integer("first_replied_at"),
    /** The next deadline (null once solved/closed): what the breach sweep and the lists sort on. */
    dueAt: integer("due_at"),
    firstReplyBreachedAt: integer("first_reply_breached_at"),
    resolutionBreachedAt: integer("resolution_breached_at"),
    createdBy: text("created_by", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    solvedAt: integer("solved_at"),
    closedAt: integer("closed_at"),
  },
  (t) => [
    index("tickets_workspace_created").on(t.workspaceId, t.createdAt),
    index("tickets_workspace_status").on(t.workspaceId, t.status, t.createdAt),
    index("tickets_conversation").on(t.workspaceId, t.conversationId),
    index("tickets_contact").on(t.workspaceId, t.contactId),
    index("tickets_active_due").on(t.status, t.dueAt),
  ],
);

export const ticketComments = sqliteTable(
  "ticket_comments",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    kind: text("kind", { enum: ["internal", "public"] }).notNull(),
    body: text("body").notNull(),
    author: text("author", { mode: "json" }).notNull(),
    conversationSeq: integer("conversation_seq"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("ticket_comments_ticket").on(t.ticketId, t.createdAt)],
);

/** Append-only history of every ticket; the id orders it (and is the archive's watermark). */
export const ticketEvents = sqliteTable(
  "ticket_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    type: text("type", { enum: ["created", "status_changed", "updated", "commented", "breached"] }).notNull(),
    actor: text("actor", { mode: "json" }).notNull(),
    data: text("data", { mode: "json" }).notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("ticket_events_ticket").on(t.ticketId, t.id), index("ticket_events_workspace").on(t.workspaceId, t.id)],
);

/** A workspace's SLA target per priority; priorities without a row use the defaults in src/tickets/sla.ts. */
export const slaPolicies = sqliteTable(
  "sla_policies",
  {
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    priority: text("priority", { enum: ["low", "normal", "high", "urgent"] }).notNull(),
    firstReplyMinutes: integer("first_reply_minutes").notNull(),
    resolutionMinutes: integer("resolution_minutes").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.priority] })],
);

/** Outbound webhook subscriptions (docs/webhooks.md). `secret` is sealed (`sb1.…`, workers/webhooks/secret.ts): it must be read back to sign. */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    url: text("url").notNull(),
    eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
    description: text("description"),
    secret: text("secret").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhooks_workspace").on(t.workspaceId)],
);

/** One event for one subscription: its payload, state and attempt log. One row per (webhook, event id). */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    webhookId: text("webhook_id").notNull().references(() => webhooks.id),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "retrying", "delivered", "dead"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    log: text("log", { mode: "json" }).$type<Array<{ at: number; status_code: number | null; error: string | null; duration_ms: number }>>().notNull(),
    nextAttemptAt: integer("next_attempt_at"),
    createdAt: integer("created_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event").on(t.webhookId, t.eventId),
    index("webhook_deliveries_webhook").on(t.webhookId, t.createdAt),
    index("webhook_deliveries_due").on(t.status, t.nextAttemptAt),
  ],
);

/**
 * Webhook events raised by changes made here (tickets, contacts): written in the same D1 batch as
 * the change, so a stored change always has its event, with an id fixed once. Drained into
 * `webhook_deliveries` (unique per subscription and event id) and then deleted
 * (workers/webhooks/outbox.ts): a drain repeated after a crash delivers nothing twice.
 */
export const webhookOutbox = sqliteTable(
  "webhook_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    eventId: text("event_id").notNull(),
    /** The whole event as receivers get it (`WebhookEvent` in src/model/webhooks.ts). */
    event: text("event", { mode: "json" }).$type<{ id: string; type: string; workspace_id: string; created_at: number; data: Record<string, unknown> }>().notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("webhook_outbox_event").on(t.eventId)],
);

/** Single-use, expiring tokens for invitations and password resets; only the hash is kept. */
export const userTokens = sqliteTable(
  "user_tokens",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    kind: text("kind", { enum: ["invitation", "password_reset"] }).notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    /** The user to reset, or (for an invitation) null until accepted. */
    userId: text("user_id"),
    email: text("email").notNull(),
    name: text("name"),
    role: text("role", { enum: ["agent", "supervisor", "admin"] }),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("user_tokens_workspace").on(t.workspaceId, t.createdAt)],
);

/** Context lookups (docs/context-lookups.md): an HTTP call per contact into a business system. */
export const contextLookups = sqliteTable(
  "context_lookups",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    name: text("name").notNull(),
    urlTemplate: text("url_template").notNull(),
    authHeaderName: text("auth_header_name"),
    authHeaderValue: text("auth_header_value"),
    timeoutMs: integer("timeout_ms").notNull(),
    cacheTtlSeconds: integer("cache_ttl_seconds").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("context_lookups_workspace").on(t.workspaceId)],
);

/** A lookup's last good answer per contact; valid for the lookup's TTL and only for its current configuration. */
export const contextCache = sqliteTable(
  "context_cache",
  {
    lookupId: text("lookup_id").notNull(),
    contactId: text("contact_id").notNull(),
    body: text("body").notNull(),
    fetchedAt: integer("fetched_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.lookupId, t.contactId] })],
);

/** Saved answers agents insert into the composer; shared by the whole workspace. */
export const cannedReplies = sqliteTable(
  "canned_replies",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id").notNull().references(() => workspaces.id),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("canned_replies_workspace_title").on(t.workspaceId, t.title)],
);

/**
 * Where each workspace's ticket archive in R2 ends (docs/archive.md, *Ticket archive*): the last
 * `ticket_events` id written, its position in the workspace's ticket chain and that line's hash.
 */
export const ticketArchive = sqliteTable("ticket_archive", {
  workspaceId: text("workspace_id").primaryKey().references(() => workspaces.id),
  lastEventId: integer("last_event_id").notNull(),
  seq: integer("seq").notNull(),
  headHash: text("head_hash").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
