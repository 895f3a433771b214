// The wire types, from the one source of truth in src/model. Types only: no zod reaches the browser.
import type { z } from "zod";
import type {
  AgentServerFrame,
  ContactContext,
  ConversationList,
  ConversationSnapshot,
  ConversationSummary,
  MessageContent,
  ServerFrame,
  VisitorSessionResponse,
  WelcomeFrame,
} from "../../src/model/index.ts";

export type {
  Actor,
  CannedReply,
  AgentClientFrame,
  AgentStatus,
  ClientFrame,
  ConversationContext,
  ConversationEvent,
  ConversationState,
  Directory,
  DirectoryUser,
  MessageEventT as MessageEvent,
  Participant,
  Presence,
  QueueStatus,
  SendMessageFrame,
  Ticket,
  TicketPriority,
  TransferTarget,
  QueueList,
  User,
  WechatAccountView,
} from "../../src/model/index.ts";
export type { AgentServerFrame, ServerFrame, ConversationSnapshot };
export type Welcome = z.infer<typeof WelcomeFrame>;
export type Content = z.infer<typeof MessageContent>;
export type VisitorSession = z.infer<typeof VisitorSessionResponse>;
export type ConversationRow = z.infer<typeof ConversationSummary>;
export type ConversationPage = z.infer<typeof ConversationList>;
export type ContactContextT = z.infer<typeof ContactContext>;
