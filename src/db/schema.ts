import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
  },
  (t) => [
    index("conversations_workspace_state").on(t.workspaceId, t.state, t.updatedAt),
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
  (t) => [index("ticket_events_ticket").on(t.ticketId, t.id)],
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

/** Outbound webhook subscriptions (docs/webhooks.md). The secret signs deliveries, so it is kept as is. */
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
