import { z } from "zod";
import { Actor } from "./actor.ts";
import { MessageContent } from "./content.ts";
import { ConversationContext } from "./context.ts";
import { ClientMsgId, ConversationId, Seq, ServerMsgId, WorkspaceId } from "./ids.ts";
import { ConversationState, Visibility } from "./state.ts";

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

/** The standard event: everything that happens in a conversation, each with its `seq`. */
export const ConversationEvent = z.discriminatedUnion("type", [
  ConversationStartedEvent,
  MessageEvent,
  StateChangedEvent,
  ParticipantJoinedEvent,
  ParticipantLeftEvent,
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
  /** The conversation as it stood when the batch was handed over: lets an out-of-order batch be ignored. */
  snapshot: z.object({ state: ConversationState, head_seq: Seq }),
});
export type ArchiveBatch = z.infer<typeof ArchiveBatch>;
