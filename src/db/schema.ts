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
