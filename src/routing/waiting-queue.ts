/** One waiting conversation: served by priority (higher first), then by `ord` (lower first). */
export interface WaitingEntry {
  conversation_id: string;
  priority: number;
  ord: number;
  waiting_since: number;
}

/** An entry's lane: its priority's entries in `ord` order, with removed ones dropped lazily. */
interface Lane {
  entries: WaitingEntry[];
  live: number;
}

/**
 * A skill group's queue in serving order, kept in memory next to its durable copy so that
 * enqueueing, planning a round and counting positions cost no query: appending at either end of a
 * priority is O(1) (front requeues are rare and O(n)), removal marks the entry and the lane is
 * compacted once half of it is dead, positions come from per-priority counts.
 */
export class WaitingQueue {
  private readonly byId = new Map<string, WaitingEntry>();
  private readonly lanes = new Map<number, Lane>();
  /** Priorities present, highest first. */
  private priorities: number[] = [];
  private ordLo = 0;
  private ordHi = 0;

  /** Rebuilds the queue from its durable rows (any order). */
  static from(rows: Iterable<WaitingEntry>): WaitingQueue {
    const queue = new WaitingQueue();
    const all = [...rows].sort((a, b) => a.ord - b.ord);
    for (const row of all) {
      const entry = { ...row };
      queue.byId.set(entry.conversation_id, entry);
      queue.lane(entry.priority).entries.push(entry);
      queue.lane(entry.priority).live += 1;
    }
    queue.ordLo = all[0]?.ord ?? 0;
    queue.ordHi = all[all.length - 1]?.ord ?? 0;
    return queue;
  }

  get size(): number {
    return this.byId.size;
  }

  get(conversationId: string): WaitingEntry | undefined {
    return this.byId.get(conversationId);
  }

  /** Adds a conversation at the back of its priority, or at the front; the caller checked it is not queued. */
  add(conversationId: string, priority: number, waitingSince: number, front: boolean): WaitingEntry {
    const entry = { conversation_id: conversationId, priority, ord: front ? --this.ordLo : ++this.ordHi, waiting_since: waitingSince };
    const lane = this.lane(priority);
    if (front) lane.entries.unshift(entry);
    else lane.entries.push(entry);
    lane.live += 1;
    this.byId.set(conversationId, entry);
    return entry;
  }

  remove(conversationId: string): WaitingEntry | undefined {
    const entry = this.byId.get(conversationId);
    if (!entry) return undefined;
    this.byId.delete(conversationId);
    const lane = this.lanes.get(entry.priority)!;
    lane.live -= 1;
    if (lane.live === 0) {
      this.lanes.delete(entry.priority);
      this.priorities = this.priorities.filter((p) => p !== entry.priority);
    } else if (lane.live * 2 < lane.entries.length) {
      lane.entries = lane.entries.filter((e) => this.byId.get(e.conversation_id) === e);
    }
    return entry;
  }

  /** How many wait ahead of every conversation at this priority. */
  countAbove(priority: number): number {
    let n = 0;
    for (const p of this.priorities) {
      if (p <= priority) break;
      n += this.lanes.get(p)!.live;
    }
    return n;
  }

  /** How many wait at this priority. */
  countAt(priority: number): number {
    return this.lanes.get(priority)?.live ?? 0;
  }

  /** A waiting conversation's place, counted from 1; null when it is not queued. */
  positionOf(conversationId: string): number | null {
    const entry = this.byId.get(conversationId);
    if (!entry) return null;
    let ahead = this.countAbove(entry.priority);
    for (const e of this.lanes.get(entry.priority)!.entries) {
      if (e === entry) break;
      if (this.byId.get(e.conversation_id) === e) ahead += 1;
    }
    return ahead + 1;
  }

  /** Every waiting conversation in serving order. */
  *inOrder(): Generator<WaitingEntry> {
    for (const p of this.priorities) {
      for (const e of this.lanes.get(p)?.entries ?? []) if (this.byId.get(e.conversation_id) === e) yield e;
    }
  }

  private lane(priority: number): Lane {
    let lane = this.lanes.get(priority);
    if (!lane) {
      lane = { entries: [], live: 0 };
      this.lanes.set(priority, lane);
      this.priorities = [...this.priorities, priority].sort((a, b) => b - a);
    }
    return lane;
  }
}
