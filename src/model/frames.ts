import { z } from "zod";
import { Actor, Participant } from "./actor.ts";
import { MessageContent } from "./content.ts";
import { ErrorCode } from "./errors.ts";
import { ConversationEvent, TransferTarget } from "./event.ts";
import { ClientMsgId, ConversationId, Seq, ServerMsgId, WorkspaceId } from "./ids.ts";
import { ConversationState, DeliveryStatus, Visibility } from "./state.ts";

/** Optional on every client frame: when present it must name the socket's own conversation. */
const Addressed = z.object({ conversation_id: ConversationId.optional() });

// ---- client → server -------------------------------------------------------------------------

export const SendMessageFrame = Addressed.extend({
  type: z.literal("message"),
  client_msg_id: ClientMsgId,
  content: MessageContent,
  /** `internal` notes are seen by agents and supervisors only. */
  visibility: Visibility.default("public"),
});

export const ReceiptFrame = Addressed.extend({
  type: z.literal("receipt"),
  status: z.enum(["delivered", "read"]),
  /** Cumulative: every event up to and including this seq. */
  up_to_seq: Seq,
});

export const TypingFrame = Addressed.extend({
  type: z.literal("typing"),
  active: z.boolean(),
});

export const StateChangeFrame = Addressed.extend({
  type: z.literal("state"),
  to: ConversationState,
  reason: z.string().max(500).optional(),
});

export const SyncFrame = Addressed.extend({
  type: z.literal("sync"),
  after_seq: Seq,
});

/** Staff only: hand the conversation to another agent or skill group, with a note for them. */
export const TransferFrame = Addressed.extend({
  type: z.literal("transfer"),
  to: TransferTarget,
  note: z.string().max(1000).optional(),
});

/** An agent asks the group's supervisors for help. */
export const AssistFrame = Addressed.extend({
  type: z.literal("assist"),
  note: z.string().max(1000).optional(),
});

export const PingFrame = z.object({ type: z.literal("ping") });

export const ClientFrame = z.discriminatedUnion("type", [
  SendMessageFrame,
  ReceiptFrame,
  TypingFrame,
  StateChangeFrame,
  SyncFrame,
  TransferFrame,
  AssistFrame,
  PingFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type SendMessageFrame = z.infer<typeof SendMessageFrame>;
export const CLIENT_FRAME_TYPES = ClientFrame.options.map((o) => o.shape.type.value);

/** Answered by the runtime without waking the conversation: send exactly this text. */
export const PING_TEXT = '{"type":"ping"}';
export const PONG_TEXT = '{"type":"pong"}';

// ---- server → client -------------------------------------------------------------------------

export const Limits = z.object({
  max_frame_bytes: z.int(),
  text_chars: z.int(),
  replay_page: z.int(),
});

export const WelcomeFrame = z.object({
  type: z.literal("welcome"),
  workspace_id: WorkspaceId,
  conversation_id: ConversationId,
  you: Actor,
  state: ConversationState,
  head_seq: Seq,
  /** Replay starts after this seq (the `last_seq` the client connected with). */
  resume_from: Seq,
  participants: z.array(Participant),
  limits: Limits,
});

export const EventFrame = z.object({ type: z.literal("event"), event: ConversationEvent });

export const SyncedFrame = z.object({
  type: z.literal("synced"),
  head_seq: Seq,
  /** false: more history is waiting, ask for it with a `sync` frame; live events start once complete. */
  complete: z.boolean(),
});

export const Ack = z.object({
  client_msg_id: ClientMsgId,
  server_msg_id: ServerMsgId,
  seq: Seq,
  at: z.int(),
  /** true when this client_msg_id was already accepted: nothing new was stored or sent. */
  duplicate: z.boolean(),
  status: DeliveryStatus,
});
export type Ack = z.infer<typeof Ack>;

export const AckFrame = Ack.extend({ type: z.literal("ack") });

export const DeliveryFrame = z.object({
  type: z.literal("delivery"),
  /** The participant whose progress moved. */
  by: Actor,
  status: DeliveryStatus.exclude(["queued"]),
  up_to_seq: Seq,
});

export const TypingNoticeFrame = z.object({
  type: z.literal("typing"),
  participant: Actor,
  active: z.boolean(),
});

export const ErrorFrame = z.object({
  type: z.literal("error"),
  code: ErrorCode,
  message: z.string(),
  client_msg_id: ClientMsgId.optional(),
});

/** Ephemeral: where a waiting conversation stands in its skill group's queue. */
export const QueueStatus = z.object({
  group_id: z.string(),
  /** 1 = next to be served. */
  position: z.int().positive(),
  waiting: z.int().nonnegative(),
  /** null until the group has served enough to estimate. */
  estimated_wait_seconds: z.int().nonnegative().nullable(),
});
export type QueueStatus = z.infer<typeof QueueStatus>;

export const QueueFrame = QueueStatus.extend({ type: z.literal("queue") });

export const PongFrame = z.object({ type: z.literal("pong") });

export const ServerFrame = z.discriminatedUnion("type", [
  WelcomeFrame,
  EventFrame,
  SyncedFrame,
  AckFrame,
  DeliveryFrame,
  TypingNoticeFrame,
  ErrorFrame,
  QueueFrame,
  PongFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
