import type { ArchiveBatch, ConversationEvent, ConversationState } from "../../src/model/index.ts";

/** One event as the archive keeps it: its place in the conversation's hash chain and the event. */
export interface ChainedEvent {
  seq: number;
  prev_hash: string;
  hash: string;
  event: ConversationEvent;
}

/**
 * Everything one queue delivery carried for one conversation, merged: events in seq order, each
 * seq once. What every archive step and listener receives.
 */
export interface ConversationBatch {
  workspace_id: string;
  conversation_id: string;
  created_at: number;
  /** The state in the newest snapshot among the merged batches. */
  snapshot_state: ConversationState;
  events: ChainedEvent[];
}

/**
 * Groups queue bodies by conversation and merges their events. Events are taken from the raw body
 * (validated, not re-shaped by the schema), because their hashes cover exactly what was sent.
 */
export function mergeByConversation(bodies: Array<{ parsed: ArchiveBatch; raw: ArchiveBatch }>): Map<string, ConversationBatch> {
  const out = new Map<string, ConversationBatch & { newest: number; bySeq: Map<number, ChainedEvent> }>();
  for (const { parsed, raw } of bodies) {
    const key = `${parsed.workspace_id}/${parsed.conversation_id}`;
    let entry = out.get(key);
    if (!entry) {
      entry = {
        workspace_id: parsed.workspace_id,
        conversation_id: parsed.conversation_id,
        created_at: parsed.snapshot.created_at,
        snapshot_state: parsed.snapshot.state,
        events: [],
        newest: 0,
        bySeq: new Map(),
      };
      out.set(key, entry);
    }
    if (parsed.to_seq > entry.newest) {
      entry.newest = parsed.to_seq;
      entry.snapshot_state = parsed.snapshot.state;
    }
    raw.events.forEach((event, i) => {
      entry.bySeq.set(event.seq, { seq: event.seq, prev_hash: i === 0 ? raw.prev_hash : raw.hashes[i - 1]!, hash: raw.hashes[i]!, event });
    });
  }
  for (const entry of out.values()) entry.events = [...entry.bySeq.values()].sort((a, b) => a.seq - b.seq);
  return new Map([...out].map(([k, { newest: _n, bySeq: _b, ...batch }]) => [k, batch]));
}
