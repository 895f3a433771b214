import { z } from "zod";

/**
 * Every entity ID is `<prefix>_<time><random>`: a Crockford base32 timestamp (sortable by
 * creation) followed by 16 random base32 characters. Workspace scoping is carried by the
 * row or Durable Object name that holds the ID, never guessed from the ID itself.
 */
export const ID_PREFIXES = {
  workspace: "ws",
  user: "us",
  contact: "ct",
  conversation: "cv",
  message: "msg",
  session: "ses",
  visitor: "vis",
  skillGroup: "sg",
  schedule: "sch",
  audit: "aud",
  scorecard: "sc",
  wechatAccount: "wxa",
  attachment: "att",
  apiKey: "key",
  ticket: "tk",
  ticketComment: "tkc",
  webhook: "wh",
  delivery: "dlv",
  event: "evt",
  invitation: "inv",
  lookup: "lk",
  cannedReply: "cr",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function idSchema(kind: IdKind) {
  return z
    .string()
    .regex(new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-z]{10,40}$`), `expected a ${kind} id (${ID_PREFIXES[kind]}_…)`);
}

export const WorkspaceId = idSchema("workspace");
export const UserId = idSchema("user");
export const ContactId = idSchema("contact");
export const ConversationId = idSchema("conversation");
export const ServerMsgId = idSchema("message");
export const VisitorId = idSchema("visitor");
export const SkillGroupId = idSchema("skillGroup");
export const ScheduleId = idSchema("schedule");
export const TicketId = idSchema("ticket");
export const WebhookId = idSchema("webhook");
export const DeliveryId = idSchema("delivery");

/** Chosen by the client, unique per conversation; re-sending it is how a client retries safely. */
export const ClientMsgId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, "client_msg_id may hold only letters, digits and . _ : -");

export const Seq = z.int().nonnegative();

export function newId(kind: IdKind, now: number = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let random = "";
  for (const b of bytes) random += ALPHABET[b % 32];
  return `${ID_PREFIXES[kind]}_${time}${random}`;
}
