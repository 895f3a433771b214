import { z } from "zod";

/**
 * `queued` waits for an agent, `serving` has one, `transferring` is between owners,
 * `offline` holds a left message while nobody can serve, `ended` is final.
 */
export const ConversationState = z.enum(["queued", "serving", "transferring", "offline", "ended"]);
export type ConversationState = z.infer<typeof ConversationState>;

/** A message's journey as its sender sees it. */
export const DeliveryStatus = z.enum(["queued", "dispatched", "delivered", "read"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const Visibility = z.enum(["public", "internal"]);
export type Visibility = z.infer<typeof Visibility>;
