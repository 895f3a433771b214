import type { Contact, SlaBreach, Ticket, TicketComment, WebhookEvent } from "../../src/model/index.ts";
import { newWebhookEvent } from "./emit.ts";

/**
 * The events of changes made through the API (tickets, contacts). Each is written to the outbox
 * in the batch that stores its change (workers/webhooks/outbox.ts), with its id fixed there, and
 * published from there: once per subscription, and never lost with a stored change.
 */
export const webhookEvents = {
  ticketCreated: (ticket: Ticket, at: number): WebhookEvent => newWebhookEvent("ticket.created", ticket.workspace_id, { ticket }, at),
  ticketUpdated: (ticket: Ticket, change: { changes?: Record<string, [unknown, unknown]>; comment?: TicketComment }, at: number): WebhookEvent =>
    newWebhookEvent("ticket.updated", ticket.workspace_id, { ticket, ...change }, at),
  ticketBreached: (ticket: Ticket, breach: SlaBreach, dueAt: number, at: number): WebhookEvent =>
    newWebhookEvent("ticket.breached", ticket.workspace_id, { ticket, breach, due_at: dueAt }, at),
  contactUpdated: (contact: Contact, at: number): WebhookEvent => newWebhookEvent("contact.updated", contact.workspace_id, { contact }, at),
};
