import { z } from "zod";
import { Actor, Participant, UserRole } from "./actor.ts";
import { ConversationFilters } from "./archive.ts";
import { VerifiedUser } from "./channels.ts";
import { ConversationContext } from "./context.ts";
import { ConversationEvent, TransferLink } from "./event.ts";
import { AssistFrame, QueueStatus, ReceiptFrame, SendMessageFrame, StateChangeFrame, TransferFrame } from "./frames.ts";
import { ContactId, ConversationId, Seq, UserId, VisitorId, WorkspaceId } from "./ids.ts";
import { LIMITS } from "./limits.ts";
import { ConversationState } from "./state.ts";

// ---- accounts ---------------------------------------------------------------------------------

export const WorkspaceSlug = z.string().regex(/^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/, "a workspace slug is 3–40 lowercase letters, digits or -");

export const LoginBody = z.object({
  workspace: WorkspaceSlug,
  email: z.email().max(254),
  password: z.string().min(1).max(200),
});

export const User = z.object({
  id: UserId,
  workspace_id: WorkspaceId,
  email: z.string(),
  name: z.string(),
  role: UserRole,
});
export type User = z.infer<typeof User>;

export const SessionResponse = z.object({
  token: z.string(),
  expires_at: z.int(),
  user: User,
});

// ---- visitors ---------------------------------------------------------------------------------

export const VisitorSessionBody = z.object({
  /** The workspace's public widget key (safe to embed in a web page). */
  widget_key: z.string().min(8).max(64),
  /** The cookie/device ID the widget stored from an earlier session; omitted on a first visit. */
  visitor_id: VisitorId.optional(),
  name: z.string().max(100).optional(),
  email: z.email().max(254).optional(),
  context: ConversationContext.partial({ channel: true }).optional(),
  /** The customer's own ID for a signed-in user, with `user_hash` = HMAC-SHA256(user_id, identity secret) in hex. */
  user_id: VerifiedUser.shape.user_id.optional(),
  user_hash: VerifiedUser.shape.user_hash.optional(),
});
export type VisitorSessionBody = z.infer<typeof VisitorSessionBody>;

export const VisitorSessionResponse = z.object({
  token: z.string(),
  expires_at: z.int(),
  workspace_id: WorkspaceId,
  visitor_id: VisitorId,
  contact_id: ContactId,
  conversation_id: ConversationId,
  /** true when an open conversation of this visitor was resumed rather than started. */
  resumed: z.boolean(),
  state: ConversationState,
  head_seq: Seq,
  websocket_url: z.string(),
  events_url: z.string(),
});

// ---- conversations ----------------------------------------------------------------------------

export const PostMessageBody = SendMessageFrame.omit({ type: true });
export type PostMessageBody = z.infer<typeof PostMessageBody>;
export const ReceiptBody = ReceiptFrame.omit({ type: true });
export type ReceiptBody = z.infer<typeof ReceiptBody>;
export const StateChangeBody = StateChangeFrame.omit({ type: true });
export type StateChangeBody = z.infer<typeof StateChangeBody>;
export const TransferBody = TransferFrame.omit({ type: true });
export type TransferBody = z.infer<typeof TransferBody>;
export const AssistBody = AssistFrame.omit({ type: true });
export type AssistBody = z.infer<typeof AssistBody>;

export const EventsQuery = z.object({
  after: z.coerce.number().pipe(Seq).default(0),
  /** Long-poll: wait up to this many seconds for a new event when none is waiting. */
  wait: z.coerce.number().pipe(z.int().min(0).max(LIMITS.maxLongPollSeconds)).default(0),
  limit: z.coerce.number().pipe(z.int().min(1).max(LIMITS.replayPage)).default(LIMITS.replayPage),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

/** Where the conversation stands with routing: its group, its owner, its queue place, its transfers. */
export const RoutingView = z.object({
  status: z.enum(["unrouted", "pending", "queued", "assigned", "offline", "manual"]),
  group_id: z.string().nullable(),
  owner: Actor.nullable(),
  priority: z.int(),
  queue: QueueStatus.nullable(),
  transfers: z.array(TransferLink),
});
export type RoutingView = z.infer<typeof RoutingView>;

export const ConversationSnapshot = z.object({
  workspace_id: WorkspaceId,
  conversation_id: ConversationId,
  state: ConversationState,
  head_seq: Seq,
  created_at: z.int(),
  contact: Actor,
  context: ConversationContext,
  participants: z.array(Participant),
  routing: RoutingView,
});
export type ConversationSnapshot = z.infer<typeof ConversationSnapshot>;

export const EventsResponse = z.object({
  conversation_id: ConversationId,
  state: ConversationState,
  head_seq: Seq,
  events: z.array(ConversationEvent),
  /** Pass as `after` on the next request. */
  next_after: Seq,
  /** false: more events are waiting beyond this page. */
  complete: z.boolean(),
  /** Everyone's delivery progress, from which a sender reads its messages' status. */
  participants: z.array(Participant),
});
export type EventsResponse = z.infer<typeof EventsResponse>;

export const ConversationSummary = z.object({
  id: ConversationId,
  workspace_id: WorkspaceId,
  contact_id: ContactId,
  channel: z.string(),
  state: ConversationState,
  last_seq: Seq,
  last_message_at: z.int().nullable(),
  last_message_preview: z.string().nullable(),
  created_at: z.int(),
  updated_at: z.int(),
  group_id: z.string().nullable(),
  owner_id: z.string().nullable(),
  tags: z.array(z.string()),
  ended_at: z.int().nullable(),
});

export const ConversationListQuery = ConversationFilters.extend({
  limit: z.coerce.number().pipe(z.int().min(1).max(100)).default(50),
  /** Opaque: the `next_cursor` of the previous page. */
  cursor: z.string().max(200).optional(),
});

export const ConversationList = z.object({
  items: z.array(ConversationSummary),
  next_cursor: z.string().nullable(),
});
