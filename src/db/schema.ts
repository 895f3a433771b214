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
