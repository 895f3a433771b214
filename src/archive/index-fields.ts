import { contentPreview, type ConversationEvent, type ConversationState, type MessageContent } from "../model/index.ts";

/** The conversation index's fields that follow from its events. */
export interface IndexFields {
  state: ConversationState;
  groupId: string | null;
  ownerId: string | null;
  tags: string[];
  endedAt: number | null;
  lastMessageAt: number | null;
  lastMessagePreview: string | null;
}

export interface MessageText {
  seq: number;
  at: number;
  senderRole: string;
  senderId: string;
  visibility: "public" | "internal";
  text: string;
}

/** What a message says in words, for full-text search: its text, caption, file name or card. */
export function searchableText(content: MessageContent): string {
  switch (content.kind) {
    case "text":
      return content.text;
    case "image":
      return [content.caption, content.name].filter(Boolean).join(" ");
    case "file":
      return content.name;
    case "card":
      return [content.title, content.text, ...(content.buttons ?? []).map((b) => b.label)].filter(Boolean).join(" ");
    case "channel":
      return content.text;
  }
}

/**
 * Applies events, in seq order, to the index fields: the same events from the same fields always
 * give the same result, so the index can be rebuilt from the archive.
 */
export function foldIndexFields(current: IndexFields, events: readonly ConversationEvent[]) {
  const fields = { ...current, tags: [...current.tags] };
  const staff = new Set<string>();
  const texts: MessageText[] = [];
  for (const e of events) {
    switch (e.type) {
      case "conversation_started":
        fields.tags = e.context.tags ?? [];
        break;
      case "state_changed":
        fields.state = e.to;
        fields.endedAt = e.to === "ended" ? e.at : null;
        // A staff member who moves it to serving claims it (the conversation service does the same).
        if (e.to === "serving" && (e.by.role === "agent" || e.by.role === "supervisor")) {
          fields.ownerId = e.by.id;
          staff.add(e.by.id);
        }
        break;
      case "routed":
        if (e.target.kind === "group") fields.groupId = e.target.group;
        break;
      case "assigned":
        fields.ownerId = e.agent.id;
        if (e.group_id) fields.groupId = e.group_id;
        staff.add(e.agent.id);
        break;
      case "transferred":
        if (e.to.kind === "group") fields.groupId = e.to.group_id;
        break;
      case "rerouted":
        if (e.to_group) fields.groupId = e.to_group;
        break;
      case "participant_joined":
        if (e.participant.role === "agent" || e.participant.role === "supervisor") staff.add(e.participant.id);
        break;
      case "message": {
        if (e.visibility === "public") {
          fields.lastMessageAt = e.at;
          fields.lastMessagePreview = contentPreview(e.content);
        }
        const text = searchableText(e.content);
        if (text) texts.push({ seq: e.seq, at: e.at, senderRole: e.sender.role, senderId: e.sender.id, visibility: e.visibility, text });
        break;
      }
      case "participant_left":
      case "assist_requested":
      case "ticket_linked":
        break;
    }
  }
  return { fields, staff: [...staff], texts };
}
