import { z } from "zod";

/**
 * Where a conversation's public replies go back out: remembered by the conversation from the
 * channel's last inbound message, read by its channel outbox.
 */
export const ChannelBinding = z.discriminatedUnion("channel", [
  z.object({
    channel: z.literal("wechat"),
    account_id: z.string(),
    app_id: z.string(),
    kind: z.enum(["official_account", "mini_program"]),
    openid: z.string(),
  }),
  z.object({
    channel: z.literal("email"),
    workspace_id: z.string(),
    conversation_id: z.string(),
    /** The workspace's support address the customer wrote to. */
    inbox: z.string(),
    /** The customer's address. */
    address: z.string(),
    subject: z.string(),
    /** The thread's Message-IDs, oldest first (capped): In-Reply-To and References of the reply. */
    message_ids: z.array(z.string()),
  }),
  z.object({ channel: z.literal("api"), contact_ref: z.string() }),
]);
export type ChannelBinding = z.infer<typeof ChannelBinding>;

/**
 * The bindings a conversation delivers to itself. API-channel replies are not pushed from the
 * conversation: the webhooks read them from the event stream (docs/channels.md, "API channel").
 */
export type OutboundBinding = Exclude<ChannelBinding, { channel: "api" }>;

export function isOutbound(binding: ChannelBinding): binding is OutboundBinding {
  return binding.channel !== "api";
}

/** WeChat accepts customer-service messages only within 48 hours of the user's last message. */
export const WECHAT_REPLY_WINDOW_MS = 48 * 60 * 60 * 1000;

/** How long after the customer's last message the channel still accepts a reply; null: no limit. */
export function replyWindowMs(binding: ChannelBinding): number | null {
  return binding.channel === "wechat" ? WECHAT_REPLY_WINDOW_MS : null;
}

/** What one outbound delivery attempt came to. */
export type DeliveryOutcome =
  | { status: "sent"; external_id?: string }
  | { status: "retry"; error: string }
  | { status: "failed"; code: string; error: string };
