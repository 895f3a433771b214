import type { ConversationEvent, WebhookEvent } from "../model/index.ts";

/** A run of one conversation's events, in seq order (what the archive consumer hands its listeners). */
export interface ConversationEventRun {
  workspace_id: string;
  conversation_id: string;
  events: ConversationEvent[];
}

/**
 * The webhook events in a run of conversation events. The id is derived from the conversation
 * and the seq, so a batch the queue delivers twice yields the same events, and receivers (and the
 * delivery table) see each once.
 */
export function conversationWebhookEvents(batch: ConversationEventRun): WebhookEvent[] {
  const out: WebhookEvent[] = [];
  const base = { workspace_id: batch.workspace_id };
  const ref = { conversation_id: batch.conversation_id };
  for (const e of batch.events) {
    const id = `evt_${batch.conversation_id}_${e.seq}`;
    const common = { ...ref, seq: e.seq, at: e.at };
    switch (e.type) {
      case "conversation_started":
        out.push({ id, type: "conversation.created", ...base, created_at: e.at, data: { ...common, contact: e.contact, context: e.context } });
        break;
      case "assigned":
        out.push({ id, type: "conversation.assigned", ...base, created_at: e.at, data: { ...common, agent: e.agent, group_id: e.group_id, queue_wait_ms: e.queue_wait_ms } });
        break;
      case "transferred":
        out.push({
          id,
          type: "conversation.transferred",
          ...base,
          created_at: e.at,
          data: { ...common, by: e.by, from_agent: e.from_agent, from_group: e.from_group, to: e.to, ...(e.note === undefined ? {} : { note: e.note }) },
        });
        break;
      case "state_changed":
        if (e.to === "ended") {
          out.push({ id, type: "conversation.ended", ...base, created_at: e.at, data: { ...common, from: e.from, by: e.by, ...(e.reason === undefined ? {} : { reason: e.reason }) } });
        }
        break;
      case "message":
        out.push({
          id,
          type: "message.created",
          ...base,
          created_at: e.at,
          data: { ...common, server_msg_id: e.server_msg_id, client_msg_id: e.client_msg_id, sender: e.sender, content: e.content, visibility: e.visibility },
        });
        break;
      default:
        break;
    }
  }
  return out;
}
