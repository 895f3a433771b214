import { z } from "zod";
import { Actor } from "./actor.ts";
import { MessageContent } from "./content.ts";
import { ConversationContext } from "./context.ts";
import { ClientMsgId, ConversationId, Seq, ServerMsgId, TicketId, WorkspaceId } from "./ids.ts";
import { ConversationState, Visibility } from "./state.ts";
import { TicketPriority } from "./tickets.ts";

export const RouteTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("group"), group: z.string(), priority: z.int() }),
  z.object({ kind: z.literal("agent"), agent: z.string(), fallback_group: z.string().optional(), priority: z.int() }),
  z.object({ kind: z.literal("supervisor"), supervisor: z.string(), fallback_group: z.string().optional(), priority: z.int() }),
  z.object({ kind: z.literal("offline"), notify: z.array(z.string()) }),
]);

export const TransferTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("agent"), agent_id: z.string().min(1).max(64) }),
  z.object({ kind: z.literal("group"), group_id: z.string().min(1).max(64) }),
]);
export type TransferTarget = z.infer<typeof TransferTarget>;

/** Fields every stored conversation event carries: its place in the conversation and its time. */
const EventBase = z.object({
  seq: Seq,
  /** Milliseconds since the Unix epoch, assigned by the conversation service. */
  at: z.int(),
  visibility: Visibility,
});

export const ConversationStartedEvent = EventBase.extend({
  type: z.literal("conversation_started"),
  workspace_id: WorkspaceId,
  conversation_id: ConversationId,
  contact: Actor,
  context: ConversationContext,
});

export const MessageEvent = EventBase.extend({
  type: z.literal("message"),
  server_msg_id: ServerMsgId,
  client_msg_id: ClientMsgId,
  sender: Actor,
  content: MessageContent,
});

export const StateChangedEvent = EventBase.extend({
  type: z.literal("state_changed"),
  from: ConversationState,
  to: ConversationState,
  by: Actor,
  reason: z.string().max(500).optional(),
});

export const ParticipantJoinedEvent = EventBase.extend({
  type: z.literal("participant_joined"),
  participant: Actor,
});

export const ParticipantLeftEvent = EventBase.extend({
  type: z.literal("participant_left"),
  participant: Actor,
});

/** Where routing sent the conversation and which rule decided (internal: the visitor never sees it). */
export const RoutedEvent = EventBase.extend({
  type: z.literal("routed"),
  /** The published rule-set version, or null for the built-in default. */
  version: z.int().nullable(),
  decided_by: z.string().nullable(),
  target: RouteTarget,
  intent: z.enum(["none", "low", "medium", "high"]),
});

export const AssignedEvent = EventBase.extend({
  type: z.literal("assigned"),
  agent: Actor,
  group_id: z.string().nullable(),
  /** How long the visitor waited in the queue for this assignment. */
  queue_wait_ms: z.int().nonnegative(),
});

/** One hand-over in a conversation's transfer chain: who moved it from whom to where, and why. */
export const TransferLink = z.object({
  at: z.int(),
  by: Actor,
  from_agent: Actor.nullable(),
  from_group: z.string().nullable(),
  to: TransferTarget,
  note: z.string().max(1000).optional(),
});
export type TransferLink = z.infer<typeof TransferLink>;

export const TransferredEvent = EventBase.extend({
  type: z.literal("transferred"),
  ...TransferLink.omit({ at: true }).shape,
});

export const ReroutedEvent = EventBase.extend({
  type: z.literal("rerouted"),
  reason: z.enum(["overflow", "agent_offline", "released"]),
  from_group: z.string().nullable(),
  to_group: z.string().nullable(),
});

export const AssistRequestedEvent = EventBase.extend({
  type: z.literal("assist_requested"),
  by: Actor,
  note: z.string().max(1000).optional(),
});

/** The visitor's satisfaction rating, given once after the conversation ended (protocol §2). */
export const RatedEvent = EventBase.extend({
  type: z.literal("rated"),
  by: Actor,
  score: z.int().min(1).max(5),
  comment: z.string().max(500).optional(),
});

/** A ticket created from (linked to) this conversation, once per ticket (internal: docs/tickets.md). */
export const TicketLinkedEvent = EventBase.extend({
  type: z.literal("ticket_linked"),
  ticket_id: TicketId,
  summary: z.string(),
  priority: TicketPriority,
  by: Actor,
});

/** The standard event: everything that happens in a conversation, each with its `seq`. */
export const ConversationEvent = z.discriminatedUnion("type", [
  ConversationStartedEvent,
  MessageEvent,
  StateChangedEvent,
  ParticipantJoinedEvent,
  ParticipantLeftEvent,
  RoutedEvent,
  AssignedEvent,
  TransferredEvent,
  ReroutedEvent,
  AssistRequestedEvent,
  RatedEvent,
  TicketLinkedEvent,
]);
export type ConversationEvent = z.infer<typeof ConversationEvent>;
export type MessageEventT = z.infer<typeof MessageEvent>;

/** An event before the conversation service gave it a `seq` and a time. */
export type NewEvent = ConversationEvent extends infer E
  ? E extends ConversationEvent
    ? Omit<E, "seq" | "at">
    : never
  : never;

/** What the conversation service hands to the archive queue: a contiguous run of one conversation's events. */
export const ArchiveBatch = z.object({
  kind: z.literal("conversation_events"),
  workspace_id: WorkspaceId,
  conversation_id: ConversationId,
  from_seq: Seq,
  to_seq: Seq,
  events: z.array(ConversationEvent),
  /** The hash chain: the hash before `from_seq`, then one hash per event (docs/archive.md). */
  prev_hash: z.string().regex(/^[0-9a-f]{64}$/),
  hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  /** The conversation as it stood when the batch was handed over: lets an out-of-order batch be ignored. */
  snapshot: z.object({ state: ConversationState, head_seq: Seq, created_at: z.int() }),
});
export type ArchiveBatch = z.infer<typeof ArchiveBatch>;
