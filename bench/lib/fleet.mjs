// Many conversations at once, from one client process: a visitor and an agent socket per
// conversation, open-loop traffic at an aggregate rate spread round-robin over them, and a
// per-message record from send to ack to the agent's receipt. Every target speaks the same frames;
// a target that supports resume (Switchboard) also gets reconnects with `last_seq` and re-sends
// of unacked messages with the same client_msg_id (protocol §4), so fault runs can drop sockets.
import { summarize } from "./stats.mjs";
import { FrameSocket } from "./ws-client.mjs";
import { pool } from "./pool.mjs";

const FILLER = "the quick brown fox jumps over the lazy dog";
const MAX_PROBLEM_LINES = 40;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens a FrameSocket and resolves once the server's replay is complete (`synced` with
 * complete: true), handing every frame — replayed ones included — to `onFrame` from the start.
 * A refused upgrade, an `error` frame before synced, or a close rejects.
 */
export async function connectTracked(url, onFrame, { label, timeoutMs = 15_000 } = {}) {
  const socket = await FrameSocket.connect(url, { label, timeoutMs });
  // Frames that came in the same read as the upgrade were recorded before we got the socket.
  const early = socket.frames;
  socket.stopRecording();
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      socket.ws.terminate();
      reject(new Error(`${label}: no complete synced within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.onClose = (code, reason) => {
      clearTimeout(timer);
      if (!settled) reject(new Error(`${label}: closed (${code} ${reason}) before synced`));
      settled = true;
    };
    const handshake = (frame, at) => {
      if (settled) return onFrame(frame, at);
      if (frame.type === "error" && !frame.client_msg_id) {
        clearTimeout(timer);
        settled = true;
        socket.ws.terminate();
        reject(new Error(`${label}: ${frame.code}: ${frame.message}`));
        return;
      }
      onFrame(frame, at);
      if (frame.type === "synced" && frame.complete === true) {
        clearTimeout(timer);
        settled = true;
        socket.onClose = null;
        socket.onFrame = (f, _text, t) => onFrame(f, t);
        resolve(socket);
      }
    };
    socket.onFrame = (frame, _text, at) => handshake(frame, at);
    const now = performance.now();
    for (const frame of early) handshake(frame, now);
  });
}

/**
 * One conversation as the fleet sees it. `endpoint.connect(role, lastSeq, onFrame)` opens a synced
 * socket for "visitor" or "agent" (resuming after `lastSeq` where the target supports it).
 */
class Conversation {
  constructor(fleet, index, endpoint) {
    this.fleet = fleet;
    this.index = index;
    this.id = endpoint.id;
    this.endpoint = endpoint;
    this.sockets = { visitor: null, agent: null };
    /** Highest event seq each socket has received (what it resumes from). */
    this.lastEventSeq = { visitor: 0, agent: 0 };
    /** Visitor messages not yet acked, in send order: re-sent after a reconnect. */
    this.outbox = new Map();
    this.sent = 0;
    /** The agent's log of this run's messages, in arrival order: [seq, client_msg_id]. */
    this.agentLog = [];
    /** Acked messages in ack order, and how many of them the archive has confirmed (ArchiveWatcher). */
    this.acked = [];
    this.archived = 0;
    this.reconnects = 0;
    this.reconnecting = { visitor: false, agent: false };
  }

  async open() {
    await this.connect("agent");
    await this.connect("visitor");
  }

  async connect(role) {
    const socket = await this.endpoint.connect(role, this.lastEventSeq[role], (frame, at) => this.fleet.onFrame(this, role, frame, at));
    this.sockets[role] = socket;
    socket.onClose = () => this.fleet.onSocketClosed(this, role);
    return socket;
  }

  send(rec) {
    const text = `{"type":"message","client_msg_id":${JSON.stringify(rec.id)},"content":{"kind":"text","text":${JSON.stringify(rec.text)}}}`;
    const socket = this.sockets.visitor;
    if (socket?.open) socket.send(text);
  }
}

export class Fleet {
  /**
   * @param {object} o
   * @param {string} o.label
   * @param {string} o.runId
   * @param {boolean} [o.resume] the target supports last_seq resume and dedup: reconnect on close
   * @param {boolean} [o.volatileSeq] the target's seq restarts when its object wakes from
   *   hibernation (the ceiling keeps it in memory only): order is then checked by send order
   *   alone, and a restart is counted in `seq_restarts`, not as reordering
   */
  constructor({ label, runId, resume = false, volatileSeq = false }) {
    this.label = label;
    this.runId = runId;
    this.resume = resume;
    this.volatileSeq = volatileSeq;
    this.conversations = [];
    /** client_msg_id → record */
    this.messages = new Map();
    this.counts = { lost: 0, duplicated: 0, reordered: 0, mismatched: 0, errors: 0, unknown: 0, closed: 0, duplicate_acks: 0, reconnects: 0, resent: 0, seq_restarts: 0 };
    this.problems = [];
    this.listener = null;
    this.closing = false;
    /** Sockets that closed and have not reconnected yet. */
    this.down = 0;
  }

  problem(kind, line) {
    this.counts[kind] += 1;
    if (this.problems.length < MAX_PROBLEM_LINES) this.problems.push(`${this.label}: ${line}`);
  }

  /** Opens `endpoints.length` conversations, `concurrency` at a time. */
  async open(endpoints, { concurrency = 50 } = {}) {
    this.conversations = endpoints.map((e, i) => new Conversation(this, i, e));
    await pool(this.conversations.length, concurrency, (i) => this.conversations[i].open());
  }

  get socketCount() {
    return this.conversations.length * 2;
  }

  /** Sends the next message of conversation `c`, tagged with `step` for the latency of that step. */
  sendNext(c, step) {
    const i = c.sent++;
    const id = `${this.runId}-c${c.index}-${String(i).padStart(6, "0")}`;
    const rec = {
      id,
      c,
      index: i,
      step,
      text: `${step} #${i}: ${FILLER}`,
      sentAt: performance.now(),
      ackAt: 0,
      ackSeq: 0,
      acks: 0,
      deliveredAt: 0,
      deliveredSeq: 0,
      deliveries: 0,
      resent: 0,
    };
    this.messages.set(id, rec);
    c.outbox.set(id, rec);
    c.send(rec);
    return rec;
  }

  onFrame(c, role, frame, at) {
    switch (frame.type) {
      case "ack": {
        const rec = this.messages.get(frame.client_msg_id);
        if (!rec || rec.c !== c || role !== "visitor") return this.problem("unknown", `${role} of ${c.id} got an ack for ${frame.client_msg_id}`);
        rec.acks += 1;
        // A duplicate ack answers a re-send after a reconnect: fine if it names the same seq.
        if (frame.duplicate) this.counts.duplicate_acks += 1;
        if (rec.acks > 1 && !frame.duplicate) this.problem("duplicated", `${rec.id} acked ${rec.acks} times as new`);
        if (rec.ackSeq && rec.ackSeq !== frame.seq) this.problem("mismatched", `${rec.id} acked as seq ${rec.ackSeq} and ${frame.seq}`);
        c.outbox.delete(rec.id);
        if (rec.ackAt === 0) {
          rec.ackAt = at;
          rec.ackSeq = frame.seq;
          c.acked.push(rec);
          this.listener?.onAck?.(rec, at);
        }
        return;
      }
      case "event": {
        const event = frame.event;
        if (event.seq > c.lastEventSeq[role]) c.lastEventSeq[role] = event.seq;
        if (event.type !== "message" || role !== "agent") return; // the visitor's own messages come back in a replay
        const rec = this.messages.get(event.client_msg_id);
        if (!rec) return;
        if (rec.c !== c) return this.problem("unknown", `agent of ${c.id} got ${rec.id} of another conversation`);
        rec.deliveries += 1;
        if (rec.deliveries > 1) return this.problem("duplicated", `agent of ${c.id} got ${rec.id} ${rec.deliveries} times`);
        const last = c.agentLog[c.agentLog.length - 1];
        const seqBack = last && last[0] >= event.seq;
        if (seqBack && this.volatileSeq && this.messages.get(last[1]).index < rec.index) this.counts.seq_restarts += 1;
        else if (last && (seqBack || this.messages.get(last[1]).index > rec.index)) {
          this.problem("reordered", `agent of ${c.id} got ${rec.id} (seq ${event.seq}) after ${last[1]} (seq ${last[0]})`);
        }
        c.agentLog.push([event.seq, rec.id]);
        rec.deliveredAt = at;
        rec.deliveredSeq = event.seq;
        this.listener?.onDeliver?.(rec, at);
        return;
      }
      case "error":
        return this.problem("errors", `${role} of ${c.id} got error ${frame.code}: ${frame.message}${frame.client_msg_id ? ` (${frame.client_msg_id})` : ""}`);
      default:
        return;
    }
  }

  onSocketClosed(c, role) {
    if (this.closing) return;
    if (!this.resume) return this.problem("closed", `the ${role} socket of ${c.id} closed mid-run`);
    if (c.reconnecting[role]) return;
    c.reconnecting[role] = true;
    this.down += 1;
    void this.#reconnect(c, role);
  }

  /** Back-off 100 ms doubling to 2 s, for up to `reconnectForMs`; then re-sends the outbox. */
  async #reconnect(c, role, reconnectForMs = 120_000) {
    const deadline = performance.now() + reconnectForMs;
    let wait = 100 + Math.random() * 100;
    while (!this.closing) {
      await sleep(wait);
      try {
        await c.connect(role);
        break;
      } catch (err) {
        if (performance.now() > deadline) {
          this.problem("closed", `the ${role} socket of ${c.id} could not reconnect: ${err.message}`);
          c.reconnecting[role] = false;
          this.down -= 1;
          return;
        }
        wait = Math.min(2000, wait * 2);
      }
    }
    c.reconnecting[role] = false;
    this.down -= 1;
    this.counts.reconnects += 1;
    c.reconnects += 1;
    if (role === "visitor") {
      for (const rec of c.outbox.values()) {
        rec.resent += 1;
        this.counts.resent += 1;
        c.send(rec);
      }
    }
  }

  /** Closes `share` of all sockets abruptly (a reconnect storm when the fleet resumes). */
  dropSockets(share) {
    let dropped = 0;
    for (const c of this.conversations) {
      for (const role of ["visitor", "agent"]) {
        const s = c.sockets[role];
        if (s?.open && Math.random() < share) {
          s.ws.terminate();
          dropped += 1;
        }
      }
    }
    return dropped;
  }

  /**
   * Open loop: `rate` messages per second in total for `seconds`, round-robin over the
   * conversations, then waits up to `drainMs` for every message of the step to be acked and
   * delivered. Latency is visitor send → agent receipt; `schedule_lag_ms` shows a late client.
   */
  step({ name, rate, seconds, drainMs = 10_000, onTick = null }) {
    return new Promise((resolve) => {
      const count = Math.max(1, Math.round(rate * seconds));
      const interval = 1000 / rate;
      const latency = [];
      const ackLatency = [];
      let lagMax = 0;
      let lagSum = 0;
      let sent = 0;
      let acked = 0;
      let delivered = 0;
      let next = 0;
      const t0 = performance.now() + 5;
      let tick = null;
      let drainTimer = null;
      let finished = false;
      const finish = (complete) => {
        if (finished) return;
        finished = true;
        clearTimeout(tick);
        clearTimeout(drainTimer);
        this.listener = null;
        const sendSeconds = Math.max(0.001, (sendEnd - t0) / 1000);
        resolve({
          name,
          rate,
          seconds,
          complete,
          count,
          sent,
          acked,
          delivered,
          achieved_rate: sent / sendSeconds,
          latency_ms: summarize(latency),
          ack_latency_ms: summarize(ackLatency),
          schedule_lag_ms: { mean: sent ? lagSum / sent : 0, max: lagMax },
        });
      };
      let sendEnd = t0;
      const done = () => sent === count && acked === count && delivered === count;
      this.listener = {
        onAck(rec, at) {
          if (rec.step !== name) return;
          acked += 1;
          ackLatency.push(at - rec.sentAt);
          if (done()) finish(true);
        },
        onDeliver(rec, at) {
          if (rec.step !== name) return;
          delivered += 1;
          latency.push(at - rec.sentAt);
          if (done()) finish(true);
        },
      };
      const n = this.conversations.length;
      const pump = () => {
        const now = performance.now();
        while (sent < count && t0 + sent * interval <= now) {
          const lag = now - (t0 + sent * interval);
          lagSum += lag;
          if (lag > lagMax) lagMax = lag;
          this.sendNext(this.conversations[next], name);
          next = (next + 1) % n;
          sent += 1;
        }
        onTick?.((now - t0) / 1000);
        if (sent < count) {
          tick = setTimeout(pump, Math.max(1, Math.min(10, t0 + sent * interval - performance.now())));
        } else {
          sendEnd = performance.now();
          if (done()) finish(true);
          else drainTimer = setTimeout(() => finish(false), drainMs);
        }
      };
      tick = setTimeout(pump, 5);
    });
  }

  /** Waits until every message sent so far is acked and delivered (or `timeoutMs` passes). */
  async settle(timeoutMs = 30_000) {
    const deadline = performance.now() + timeoutMs;
    const pending = () => {
      let n = 0;
      for (const rec of this.messages.values()) if (rec.acks === 0 || rec.deliveries === 0) n += 1;
      return n;
    };
    while (performance.now() < deadline) {
      if (this.down === 0 && pending() === 0) return 0;
      await sleep(200);
    }
    return pending();
  }

  /** Client-side reconciliation: every message acked, delivered once, in order, with the ack's seq. */
  verify() {
    for (const rec of this.messages.values()) {
      if (rec.acks === 0) this.problem("lost", `${rec.id} was never acked`);
      if (rec.deliveries === 0) this.problem("lost", `${rec.id} was never delivered to the agent`);
      if (rec.acks > 0 && rec.deliveries > 0 && rec.ackSeq !== rec.deliveredSeq) {
        this.problem("mismatched", `${rec.id} acked as seq ${rec.ackSeq} but delivered as seq ${rec.deliveredSeq}`);
      }
    }
    const failures = ["lost", "duplicated", "reordered", "mismatched", "errors", "unknown", "closed"].reduce((a, k) => a + this.counts[k], 0);
    const acked = [...this.messages.values()].filter((r) => r.acks > 0).length;
    return { ok: failures === 0, messages: this.messages.size, acked, counts: { ...this.counts }, problems: [...this.problems] };
  }

  async close() {
    this.closing = true;
    await pool(this.conversations.length, 100, async (i) => {
      const c = this.conversations[i];
      await Promise.all(Object.values(c.sockets).map((s) => s?.close()));
    });
  }
}
