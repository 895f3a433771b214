import type { Contact, SlaBreach, Ticket, TicketComment, WebhookEventType } from "../../src/model/index.ts";
import type { Env } from "../env.ts";
import { emitWebhookEvents, newWebhookEvent } from "./emit.ts";

/**
 * Events raised by API calls (tickets, contacts), emitted after the change is stored. Best
 * effort: a failure here is logged and does not undo or fail the change the caller made.
 */
async function raise(env: Env, workspaceId: string, type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
  try {
    await emitWebhookEvents(env, workspaceId, [newWebhookEvent(type, workspaceId, data)]);
  } catch (err) {
    console.error(`could not emit the webhook event ${type}`, err);
  }
}

export const webhookEvents = {
  ticketCreated: (env: Env, ticket: Ticket) => raise(env, ticket.workspace_id, "ticket.created", { ticket }),
  ticketUpdated: (env: Env, ticket: Ticket, change: { changes?: Record<string, [unknown, unknown]>; comment?: TicketComment }) =>
    raise(env, ticket.workspace_id, "ticket.updated", { ticket, ...change }),
  ticketBreached: (env: Env, ticket: Ticket, breach: SlaBreach, dueAt: number) =>
    raise(env, ticket.workspace_id, "ticket.breached", { ticket, breach, due_at: dueAt }),
  contactUpdated: (env: Env, contact: Contact) => raise(env, contact.workspace_id, "contact.updated", { contact }),
};
