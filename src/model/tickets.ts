import { z } from "zod";
import { Actor } from "./actor.ts";
import { ContactId, ConversationId, TicketId, UserId, WorkspaceId } from "./ids.ts";
import { LIMITS } from "./limits.ts";
import { PageQuery } from "./open-api.ts";

/** 工单 (docs/tickets.md): open → pending → solved → closed, with reopening. */
export const TicketStatus = z.enum(["open", "pending", "solved", "closed"]);
export type TicketStatus = z.infer<typeof TicketStatus>;

export const TicketPriority = z.enum(["low", "normal", "high", "urgent"]);
export type TicketPriority = z.infer<typeof TicketPriority>;

/** Which promise a ticket broke: the first reply, or the resolution. */
export const SlaBreach = z.enum(["first_reply", "resolution"]);
export type SlaBreach = z.infer<typeof SlaBreach>;

export const Ticket = z.object({
  id: TicketId,
  workspace_id: WorkspaceId,
  summary: z.string(),
  description: z.string().nullable(),
  problem_type: z.string().nullable(),
  priority: TicketPriority,
  status: TicketStatus,
  owner_id: UserId.nullable(),
  contact_id: ContactId.nullable(),
  conversation_id: ConversationId.nullable(),
  /** What the customer was promised, if anything: it replaces the policy's first-reply target. */
  expected_reply_at: z.int().nullable(),
  first_reply_due_at: z.int(),
  resolution_due_at: z.int(),
  first_replied_at: z.int().nullable(),
  /** The next deadline still to meet; null once solved or closed. */
  due_at: z.int().nullable(),
  breached: z.boolean(),
  breaches: z.array(SlaBreach),
  created_by: Actor,
  created_at: z.int(),
  updated_at: z.int(),
  solved_at: z.int().nullable(),
  closed_at: z.int().nullable(),
});
export type Ticket = z.infer<typeof Ticket>;

export const CreateTicketBody = z.object({
  summary: z.string().trim().min(1).max(300),
  description: z.string().max(LIMITS.textChars).optional(),
  problem_type: z.string().trim().min(1).max(100).optional(),
  priority: TicketPriority.default("normal"),
  owner_id: UserId.optional(),
  /** Linking a conversation links its contact too. */
  conversation_id: ConversationId.optional(),
  contact_id: ContactId.optional(),
  expected_reply_at: z.int().positive().optional(),
});
export type CreateTicketBody = z.infer<typeof CreateTicketBody>;

export const TicketPatch = z
  .object({
    status: TicketStatus,
    priority: TicketPriority,
    owner_id: UserId.nullable(),
    problem_type: z.string().trim().min(1).max(100).nullable(),
    summary: z.string().trim().min(1).max(300),
    description: z.string().max(LIMITS.textChars).nullable(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, "change at least one field");
export type TicketPatch = z.infer<typeof TicketPatch>;

export const TicketListQuery = PageQuery.extend({
  status: TicketStatus.optional(),
  priority: TicketPriority.optional(),
  owner_id: UserId.optional(),
  contact_id: ContactId.optional(),
  conversation_id: ConversationId.optional(),
  breached: z.enum(["true", "false"]).optional(),
});
export type TicketListQuery = z.infer<typeof TicketListQuery>;

/** `internal`: a note for the team. `public`: a reply to the contact, posted into the linked conversation. */
export const CommentKind = z.enum(["internal", "public"]);

export const CommentBody = z.object({
  kind: CommentKind,
  body: z.string().trim().min(1).max(LIMITS.textChars),
});
export type CommentBody = z.infer<typeof CommentBody>;

export const TicketComment = z.object({
  id: z.string(),
  ticket_id: TicketId,
  kind: CommentKind,
  body: z.string(),
  author: Actor,
  created_at: z.int(),
  /** Where the public reply landed in the linked conversation; null for notes and unlinked tickets. */
  conversation_seq: z.int().nullable(),
});
export type TicketComment = z.infer<typeof TicketComment>;

export const TicketEventType = z.enum(["created", "status_changed", "updated", "commented", "breached"]);

/** The ticket's append-only history. */
export const TicketEvent = z.object({
  id: z.int(),
  ticket_id: TicketId,
  type: TicketEventType,
  by: Actor,
  at: z.int(),
  data: z.record(z.string(), z.unknown()),
});
export type TicketEvent = z.infer<typeof TicketEvent>;

export const TicketDetail = Ticket.extend({ comments: z.array(TicketComment) });

export const SlaPolicy = z.object({
  priority: TicketPriority,
  first_reply_minutes: z.int().min(1).max(60 * 24 * 60),
  resolution_minutes: z.int().min(1).max(60 * 24 * 365),
});
export type SlaPolicy = z.infer<typeof SlaPolicy>;

export const SlaPoliciesBody = z.object({ policies: z.array(SlaPolicy).min(1).max(4) });
