import { z } from "zod";
import { DeliveryId, WebhookId, WorkspaceId } from "./ids.ts";

/** What a subscription can ask for (docs/webhooks.md lists each payload). */
export const WebhookEventType = z.enum([
  "conversation.created",
  "conversation.assigned",
  "conversation.transferred",
  "conversation.ended",
  "message.created",
  "ticket.created",
  "ticket.updated",
  "ticket.breached",
  "contact.updated",
]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** The body of every delivery. `id` is stable across retries and replays: receivers dedupe by it. */
export const WebhookEvent = z.object({
  id: z.string(),
  type: WebhookEventType,
  workspace_id: WorkspaceId,
  created_at: z.int(),
  data: z.record(z.string(), z.unknown()),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const WebhookUrl = z.url({ protocol: /^https?$/ }).max(2048);

export const CreateWebhookBody = z.object({
  url: WebhookUrl,
  event_types: z.array(WebhookEventType).min(1),
  description: z.string().max(200).optional(),
});

export const WebhookPatch = z
  .object({ url: WebhookUrl, event_types: z.array(WebhookEventType).min(1), description: z.string().max(200).nullable(), active: z.boolean() })
  .partial();

export const Webhook = z.object({
  id: WebhookId,
  url: z.string(),
  event_types: z.array(WebhookEventType),
  description: z.string().nullable(),
  active: z.boolean(),
  created_at: z.int(),
});

/** The one response that carries the signing secret. */
export const CreatedWebhook = Webhook.extend({ secret: z.string() });

export const WebhookDeliveryStatus = z.enum(["pending", "retrying", "delivered", "dead"]);

export const DeliveryAttempt = z.object({
  at: z.int(),
  /** The receiver's HTTP status; null when no response came (timeout, DNS, refused). */
  status_code: z.int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.int(),
});

export const WebhookDelivery = z.object({
  id: DeliveryId,
  webhook_id: WebhookId,
  event_id: z.string(),
  event_type: WebhookEventType,
  status: WebhookDeliveryStatus,
  attempts: z.int(),
  last_status_code: z.int().nullable(),
  next_attempt_at: z.int().nullable(),
  created_at: z.int(),
  delivered_at: z.int().nullable(),
  log: z.array(DeliveryAttempt),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const DeliveryListQuery = z.object({
  status: WebhookDeliveryStatus.optional(),
  limit: z.coerce.number().pipe(z.int().min(1).max(100)).default(50),
  cursor: z.string().max(300).optional(),
});
