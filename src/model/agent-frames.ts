import { z } from "zod";
import { Actor } from "./actor.ts";
import { ErrorCode } from "./errors.ts";
import { ConversationId } from "./ids.ts";

/**
 * The agent workstation's own socket (`/api/agent/ws`): presence in, assignments and
 * notifications out. Conversations themselves are served on their conversation sockets.
 */
export const PresenceChoice = z.enum(["online", "away"]);
export const Presence = z.enum(["online", "away", "offline"]);
export type Presence = z.infer<typeof Presence>;

export const AgentClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("presence"), status: PresenceChoice }),
  z.object({ type: z.literal("ping") }),
]);
export type AgentClientFrame = z.infer<typeof AgentClientFrame>;
export const AGENT_CLIENT_FRAME_TYPES = AgentClientFrame.options.map((o) => o.shape.type.value);

export const AgentStatus = z.object({
  presence: Presence,
  in_shift: z.boolean(),
  load: z.int().nonnegative(),
  max_concurrent: z.int().nonnegative(),
  conversations: z.array(z.object({ conversation_id: ConversationId, group_id: z.string().nullable(), assigned_at: z.int() })),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

export const AgentServerFrame = z.discriminatedUnion("type", [
  AgentStatus.extend({ type: z.literal("status") }),
  z.object({ type: z.literal("assigned"), conversation_id: ConversationId, group_id: z.string().nullable(), at: z.int() }),
  z.object({ type: z.literal("released"), conversation_id: ConversationId, at: z.int() }),
  z.object({
    type: z.literal("assist_requested"),
    conversation_id: ConversationId,
    group_id: z.string().nullable(),
    by: Actor,
    note: z.string().optional(),
    at: z.int(),
  }),
  /** A ticket this agent owns missed an SLA deadline (docs/tickets.md). */
  z.object({ type: z.literal("ticket_breached"), ticket_id: z.string(), summary: z.string(), breach: z.enum(["first_reply", "resolution"]), due_at: z.int(), at: z.int() }),
  z.object({ type: z.literal("error"), code: ErrorCode, message: z.string() }),
  z.object({ type: z.literal("pong") }),
]);
export type AgentServerFrame = z.infer<typeof AgentServerFrame>;
