import { z } from "zod";
import { UserRole } from "./actor.ts";
import { ContactId, UserId, WorkspaceId } from "./ids.ts";

/** What an API key may do; an admin picks the scopes when creating the key (docs/open-api.md). */
export const ApiScope = z.enum([
  "conversations:read",
  "messages:write",
  "contacts:read",
  "contacts:write",
  "tickets:read",
  "tickets:write",
  "skill_groups:read",
  "agents:read",
  "routing:read",
  "routing:write",
  "webhooks:manage",
  "metrics:read",
  "archive:read",
]);
export type ApiScope = z.infer<typeof ApiScope>;

export const CreateApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(ApiScope).min(1).max(ApiScope.options.length),
});
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

export const ApiKey = z.object({
  id: z.string(),
  workspace_id: WorkspaceId,
  name: z.string(),
  /** The first characters of the secret, to tell keys apart; never enough to use it. */
  prefix: z.string(),
  scopes: z.array(ApiScope),
  created_by: UserId,
  created_at: z.int(),
  last_used_at: z.int().nullable(),
  revoked_at: z.int().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** The one response that carries the secret: it is stored hashed and never shown again. */
export const CreatedApiKey = ApiKey.extend({ secret: z.string() });

/** Every list in the open API: a page of items and the cursor of the next page (null at the end). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

export const PageQuery = z.object({
  limit: z.coerce.number().pipe(z.int().min(1).max(100)).default(50),
  /** Opaque: the `next_cursor` of the previous page. */
  cursor: z.string().max(300).optional(),
});

export const Contact = z.object({
  id: ContactId,
  workspace_id: WorkspaceId,
  name: z.string().nullable(),
  email: z.string().nullable(),
  created_at: z.int(),
  updated_at: z.int(),
});
export type Contact = z.infer<typeof Contact>;

export const ContactPatch = z.object({
  name: z.string().trim().min(1).max(100).nullable().optional(),
  email: z.email().max(254).nullable().optional(),
});

export const Agent = z.object({
  id: UserId,
  name: z.string(),
  email: z.string(),
  role: UserRole,
  active: z.boolean(),
  max_concurrent: z.int(),
  group_ids: z.array(z.string()),
});

export const SkillGroup = z.object({
  id: z.string(),
  name: z.string(),
  policy: z.enum(["least_loaded", "round_robin"]),
  requeue: z.enum(["front", "back"]),
  member_ids: z.array(UserId),
});

/** Send into a conversation as an agent of the workspace (by user id) or as a named bot. */
export const SendAs = z.discriminatedUnion("role", [
  z.object({ role: z.literal("agent"), user_id: UserId }),
  z.object({ role: z.literal("bot"), name: z.string().trim().min(1).max(100) }),
]);
