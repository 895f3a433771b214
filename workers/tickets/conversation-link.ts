import type { Actor, TicketPriority } from "../../src/model/index.ts";
import { unwrap } from "../conversation/rpc.ts";
import type { Env } from "../env.ts";
import { conversationStub } from "../stubs.ts";

export interface TicketLink {
  workspace_id: string;
  conversation_id: string;
  ticket_id: string;
  summary: string;
  priority: TicketPriority;
  /** Who created the ticket: the `by` of the `ticket_linked` event. */
  by: Actor;
}

/** Appends `ticket_linked` to the conversation's log; a no-op for a ticket already linked there. */
export async function linkToConversation(env: Env, link: TicketLink): Promise<void> {
  unwrap(
    await conversationStub(env, link.workspace_id, link.conversation_id).linkTicket(
      { workspace_id: link.workspace_id, actor: link.by },
      { ticket_id: link.ticket_id, summary: link.summary, priority: link.priority },
    ),
  );
}

/**
 * The links of the `created` ticket events the archive cron copies: a link the create could not
 * make (the conversation object unreachable) is made here, at the latest when the ticket's history
 * reaches R2. Throws if one still fails, so the watermark stays and the next run tries again.
 */
export async function linkCreatedTickets(env: Env, workspaceId: string, events: ReadonlyArray<{ ticket_id: string; type: string; by: unknown; data: unknown }>): Promise<void> {
  await Promise.all(
    events.flatMap((e) => {
      const data = e.data as { conversation_id?: string | null; summary?: string; priority?: TicketPriority };
      if (e.type !== "created" || !data.conversation_id || !data.summary || !data.priority) return [];
      return [linkToConversation(env, { workspace_id: workspaceId, conversation_id: data.conversation_id, ticket_id: e.ticket_id, summary: data.summary, priority: data.priority, by: e.by as Actor })];
    }),
  );
}
