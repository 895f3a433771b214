/** Outbound webhooks: signing and the events derived from conversations. */
export { hmacHex, SIGNATURE_HEADER, signatureHeader } from "./signature.ts";
export { type ConversationEventRun, conversationWebhookEvents } from "./conversation-events.ts";
export { backoffSeconds, MAX_ATTEMPTS } from "./retry.ts";
