import type { ConversationEvent, Role } from "../model/index.ts";

/** One agent's hold on a conversation: from assignment (or claim) to transfer, requeue or end. */
export interface Ownership {
  agent: string;
  group: string;
  start: number;
  /** As the routing recorded it; for a manual claim, the time since the conversation was queued. */
  queue_wait_ms: number | null;
  /** The owner's first public message during this hold. */
  first_reply_at: number | null;
  end: number | null;
}

/**
 * Everything the metrics need to know about one conversation, folded from its events in seq
 * order. Plain JSON: it is stored per conversation, so a batch folds only its new events.
 */
export interface ConversationMetrics {
  /** The last seq folded in. */
  seq: number;
  channel: string;
  started_at: number | null;
  /** The skill group the conversation is in or was last in ("" for none). */
  group: string;
  /** When it last started waiting for an agent, while it waits. */
  queued_since: number | null;
  first_visitor_at: number | null;
  /** The first public staff message after the visitor's first message. */
  first_reply: { at: number; agent: string; group: string } | null;
  holds: Ownership[];
  transfers: number;
  staff_replied: boolean;
  ended: { at: number; by: Role } | null;
  rating: { at: number; score: number } | null;
}

export function emptyMetrics(): ConversationMetrics {
  return {
    seq: 0,
    channel: "",
    started_at: null,
    group: "",
    queued_since: null,
    first_visitor_at: null,
    first_reply: null,
    holds: [],
    transfers: 0,
    staff_replied: false,
    ended: null,
    rating: null,
  };
}

const isStaff = (role: Role) => role === "agent" || role === "supervisor";

function openHold(m: ConversationMetrics): Ownership | undefined {
  const last = m.holds[m.holds.length - 1];
  return last && last.end === null ? last : undefined;
}

function closeHold(m: ConversationMetrics, at: number): void {
  const hold = openHold(m);
  if (hold) hold.end = at;
}

function startHold(m: ConversationMetrics, agent: string, at: number, queueWaitMs: number | null): void {
  closeHold(m, at);
  m.holds.push({ agent, group: m.group, start: at, queue_wait_ms: queueWaitMs, first_reply_at: null, end: null });
  m.queued_since = null;
}

/** Folds one event in. Events at or below `seq` were folded already and change nothing. */
export function foldEvent(m: ConversationMetrics, event: ConversationEvent): ConversationMetrics {
  if (event.seq <= m.seq) return m;
  m.seq = event.seq;
  const at = event.at;
  switch (event.type) {
    case "conversation_started":
      m.started_at = at;
      m.channel = event.context.channel;
      m.queued_since = at;
      break;
    case "routed":
      if (event.target.kind === "group") m.group = event.target.group;
      else if (event.target.kind !== "offline" && event.target.fallback_group) m.group = event.target.fallback_group;
      break;
    case "rerouted":
      if (event.to_group) m.group = event.to_group;
      break;
    case "assigned":
      if (event.group_id) m.group = event.group_id;
      startHold(m, event.agent.id, at, event.queue_wait_ms);
      break;
    case "transferred":
      m.transfers++;
      closeHold(m, at);
      if (event.to.kind === "group") {
        m.group = event.to.group_id;
        m.queued_since = at;
      }
      break;
    case "participant_left":
      if (openHold(m)?.agent === event.participant.id) closeHold(m, at);
      break;
    case "state_changed":
      if (event.to === "serving") {
        // A claim by staff who do not hold it yet; routing's own "serving" follows an `assigned`.
        if (isStaff(event.by.role) && openHold(m)?.agent !== event.by.id) {
          startHold(m, event.by.id, at, m.queued_since === null ? null : at - m.queued_since);
        }
      } else {
        closeHold(m, at);
        if (event.to === "queued") m.queued_since = at;
        if (event.to === "offline") m.queued_since = null;
        if (event.to === "ended") {
          m.ended = { at, by: event.by.role };
          m.queued_since = null;
        }
      }
      break;
    case "message": {
      // Internal notes and bot or system messages are not responses.
      if (event.visibility !== "public") break;
      if (event.sender.role === "visitor") {
        m.first_visitor_at ??= at;
      } else if (isStaff(event.sender.role)) {
        m.staff_replied = true;
        const hold = openHold(m);
        if (hold && hold.agent === event.sender.id && hold.first_reply_at === null) hold.first_reply_at = at;
        if (m.first_visitor_at !== null && m.first_reply === null) m.first_reply = { at, agent: event.sender.id, group: m.group };
      }
      break;
    }
    case "rated":
      m.rating = { at, score: event.score };
      break;
    default:
      break;
  }
  return m;
}

/** Folds events (in seq order) into a copy of `from`. */
export function foldEvents(from: ConversationMetrics, events: readonly ConversationEvent[]): ConversationMetrics {
  const m = structuredClone(from);
  for (const event of events) foldEvent(m, event);
  return m;
}
