// Two sockets on one conversation (a visitor and an agent) speaking Switchboard's frames, with
// every message tracked from send to ack to delivery, and the checks that nothing was lost,
// duplicated or reordered. Workloads (bench/lib/workloads.mjs) drive it through `send` and the
// `listener` callbacks; any server speaking the same frames (the ceiling, a later peer) fits.

const MAX_PROBLEM_LINES = 40;
const ROLES = ["visitor", "agent"];

export class ConversationLink {
  /**
   * @param {{ visitor: import("./ws-client.mjs").FrameSocket, agent: import("./ws-client.mjs").FrameSocket }} sockets
   * @param {{ label?: string, gapFree?: string[] }} options
   *   gapFree: roles that must see every event seq with no gap (staff see every event).
   */
  constructor(sockets, { label = "link", gapFree = ["agent"] } = {}) {
    this.label = label;
    this.sockets = sockets;
    this.gapFree = new Set(gapFree);
    /** client_msg_id → { id, from, to, index, sentAt, ackAt, ackSeq, acks, deliveredAt, deliveredSeq, deliveries } */
    this.messages = new Map();
    this.sentCount = { visitor: 0, agent: 0 };
    this.lastAckIndex = { visitor: -1, agent: -1 };
    this.lastAckSeq = { visitor: 0, agent: 0 };
    this.lastDeliveredIndex = { visitor: -1, agent: -1 };
    this.lastEventSeq = { visitor: null, agent: null };
    /** Highest seq a socket has learnt of, from events or from acks of its own messages (which it gets no event for). */
    this.lastSeenSeq = { visitor: null, agent: null };
    this.counts = { lost: 0, duplicated: 0, reordered: 0, gaps: 0, mismatched: 0, errors: 0, unknown: 0, closed: 0 };
    /** Set by close(): from then on a socket closing is expected. */
    this.closing = false;
    this.problems = [];
    /** { onAck?(rec, at), onDeliver?(rec, at) } set by the running workload. */
    this.listener = null;
    for (const role of ROLES) {
      sockets[role].onFrame = (frame, _text, at) => this.#onFrame(role, frame, at);
      sockets[role].onClose = (code, reason) => {
        if (this.closing) return;
        this.#problem("closed", `the ${role} socket closed mid-run (${code} ${reason})`);
        this.listener?.onClose?.(role);
      };
    }
  }

  /** Closes both sockets cleanly (after verify()). */
  async close() {
    this.closing = true;
    await Promise.all(ROLES.map((role) => this.sockets[role].close()));
  }

  /**
   * Sends a text message from `from` ("visitor" or "agent"); returns its record. `phase` tags
   * the record so a workload ignores late acks and deliveries of an earlier workload's messages.
   */
  send(from, clientMsgId, text, phase = null) {
    const to = from === "visitor" ? "agent" : "visitor";
    const rec = {
      id: clientMsgId,
      phase,
      from,
      to,
      index: this.sentCount[from]++,
      sentAt: performance.now(),
      ackAt: 0,
      ackSeq: 0,
      acks: 0,
      deliveredAt: 0,
      deliveredSeq: 0,
      deliveries: 0,
    };
    this.messages.set(clientMsgId, rec);
    this.sockets[from].send(`{"type":"message","client_msg_id":${JSON.stringify(clientMsgId)},"content":{"kind":"text","text":${JSON.stringify(text)}}}`);
    return rec;
  }

  #problem(kind, line) {
    this.counts[kind] += 1;
    if (this.problems.length < MAX_PROBLEM_LINES) this.problems.push(`${this.label}: ${line}`);
  }

  #onFrame(role, frame, at) {
    switch (frame.type) {
      case "ack": {
        const rec = this.messages.get(frame.client_msg_id);
        if (!rec || rec.from !== role) return this.#problem("unknown", `${role} got an ack for ${frame.client_msg_id} it did not send`);
        rec.acks += 1;
        if (rec.acks > 1 || frame.duplicate) this.#problem("duplicated", `${rec.id} acked ${rec.acks} times (duplicate=${frame.duplicate})`);
        if (rec.index < this.lastAckIndex[role] || frame.seq <= this.lastAckSeq[role]) {
          this.#problem("reordered", `${role} ack for ${rec.id} (seq ${frame.seq}) came after seq ${this.lastAckSeq[role]}`);
        }
        this.lastAckIndex[role] = Math.max(this.lastAckIndex[role], rec.index);
        this.lastAckSeq[role] = Math.max(this.lastAckSeq[role], frame.seq);
        this.lastSeenSeq[role] = Math.max(this.lastSeenSeq[role] ?? 0, frame.seq);
        rec.ackAt = at;
        rec.ackSeq = frame.seq;
        this.listener?.onAck?.(rec, at);
        return;
      }
      case "event": {
        const event = frame.event;
        const last = this.lastEventSeq[role];
        const seen = this.lastSeenSeq[role];
        if (last !== null && event.seq <= last) this.#problem("reordered", `${role} got seq ${event.seq} after seq ${last}`);
        else if (seen !== null && event.seq > seen + 1 && this.gapFree.has(role)) {
          this.#problem("gaps", `${role} got seq ${event.seq} after seq ${seen}: ${event.seq - seen - 1} missing`);
        }
        this.lastEventSeq[role] = last === null ? event.seq : Math.max(last, event.seq);
        this.lastSeenSeq[role] = seen === null ? event.seq : Math.max(seen, event.seq);
        if (event.type !== "message") return;
        const rec = this.messages.get(event.client_msg_id);
        if (!rec) return; // someone else's message
        if (rec.to !== role) return this.#problem("unknown", `${role} got its own message ${rec.id} as an event`);
        rec.deliveries += 1;
        if (rec.deliveries > 1) return this.#problem("duplicated", `${role} got ${rec.id} ${rec.deliveries} times`);
        if (rec.index < this.lastDeliveredIndex[role]) this.#problem("reordered", `${role} got ${rec.id} after a later message`);
        this.lastDeliveredIndex[role] = Math.max(this.lastDeliveredIndex[role], rec.index);
        rec.deliveredAt = at;
        rec.deliveredSeq = event.seq;
        this.listener?.onDeliver?.(rec, at);
        return;
      }
      case "error":
        return this.#problem("errors", `${role} got error ${frame.code}: ${frame.message}${frame.client_msg_id ? ` (${frame.client_msg_id})` : ""}`);
      default:
        return; // delivery receipts, typing, pong, synced…
    }
  }

  /** Final check over every message sent: exactly one ack and one delivery, with the same seq. */
  verify() {
    for (const rec of this.messages.values()) {
      if (rec.acks === 0) this.#problem("lost", `${rec.id} (${rec.from}) was never acked`);
      if (rec.deliveries === 0) this.#problem("lost", `${rec.id} (${rec.from}→${rec.to}) was never delivered`);
      if (rec.acks > 0 && rec.deliveries > 0 && rec.ackSeq !== rec.deliveredSeq) {
        this.#problem("mismatched", `${rec.id} acked as seq ${rec.ackSeq} but delivered as seq ${rec.deliveredSeq}`);
      }
    }
    const failures = Object.values(this.counts).reduce((a, b) => a + b, 0);
    return { ok: failures === 0, messages: this.messages.size, counts: { ...this.counts }, problems: [...this.problems] };
  }
}
