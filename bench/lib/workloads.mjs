// Message workloads over a ConversationLink. Every loop has a maximum count and a deadline: a
// workload that runs out of time resolves with `complete: false` (and the link's verify() then
// reports what went missing) instead of hanging the run.
import { summarize } from "./stats.mjs";

const FILLER = "the quick brown fox jumps over the lazy dog";

/** A message text of realistic size that also carries its wall-clock send time. */
export function messageText(phase, i) {
  return `${phase} #${i} at ${Date.now()}: ${FILLER}`;
}

function clientMsgId(runId, phase, i) {
  return `${runId}-${phase}-${String(i).padStart(6, "0")}`;
}

/** Waits for `ms`, in small steps so a stuck event loop shows up as lateness, not a hang. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Closed loop: keeps `window` messages unacked from the visitor until `count` are acked and
 * delivered to the agent. Measures acked msg/s (first send → last ack) and delivered msg/s
 * (first send → last delivery).
 */
export function throughput(link, { runId, phase = "tp", count, window, deadlineMs }) {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    let delivered = 0;
    let lastAckAt = 0;
    let lastDeliveredAt = 0;
    const ackLatency = [];
    const start = performance.now();
    const pump = () => {
      while (sent < count && sent - acked < window) {
        link.send("visitor", clientMsgId(runId, phase, sent), messageText(phase, sent), phase);
        sent += 1;
      }
    };
    let finished = false;
    const finish = (complete) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      link.listener = null;
      const ackSeconds = ((complete ? lastAckAt : performance.now()) - start) / 1000;
      const deliverSeconds = ((complete ? lastDeliveredAt : performance.now()) - start) / 1000;
      resolve({
        complete,
        count,
        window,
        sent,
        acked,
        delivered,
        seconds: ackSeconds,
        acked_per_second: acked / ackSeconds,
        delivered_per_second: delivered / deliverSeconds,
        ack_latency_ms: summarize(ackLatency),
      });
    };
    const timer = setTimeout(() => finish(false), deadlineMs);
    link.listener = {
      onAck(rec, at) {
        if (rec.phase !== phase) return;
        acked += 1;
        lastAckAt = at;
        ackLatency.push(at - rec.sentAt);
        if (acked === count && delivered === count) finish(true);
        else pump();
      },
      onDeliver(rec, at) {
        if (rec.phase !== phase) return;
        delivered += 1;
        lastDeliveredAt = at;
        if (acked === count && delivered === count) finish(true);
      },
      onClose: () => finish(false),
    };
    pump();
  });
}

/**
 * Open loop: sends `count` messages from the visitor at `rate` per second on a fixed schedule
 * (not waiting for acks), and records visitor→agent latency (send → event at the agent) and
 * send → ack latency. `schedule_lag_ms` says how late the client itself sent, so a busy client
 * is visible rather than hidden in the figures.
 */
export function fixedRate(link, { runId, phase = "lat", count, rate, deadlineMs }) {
  return new Promise((resolve) => {
    const interval = 1000 / rate;
    const deliverLatency = [];
    const ackLatency = [];
    const lag = [];
    let sent = 0;
    let acked = 0;
    let delivered = 0;
    let tick = null;
    const t0 = performance.now() + 5;
    let finished = false;
    const finish = (complete) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(tick);
      link.listener = null;
      resolve({
        complete,
        count,
        rate,
        sent,
        acked,
        delivered,
        achieved_rate: sent / ((performance.now() - t0) / 1000),
        latency_ms: summarize(deliverLatency),
        ack_latency_ms: summarize(ackLatency),
        schedule_lag_ms: summarize(lag),
        /** Visitor→agent latency of each message, in delivery order. */
        latency_samples_ms: deliverLatency,
      });
    };
    const timer = setTimeout(() => finish(false), deadlineMs);
    const done = () => acked === count && delivered === count;
    link.listener = {
      onAck(rec, at) {
        if (rec.phase !== phase) return;
        acked += 1;
        ackLatency.push(at - rec.sentAt);
        if (done()) finish(true);
      },
      onDeliver(rec, at) {
        if (rec.phase !== phase) return;
        delivered += 1;
        deliverLatency.push(at - rec.sentAt);
        if (done()) finish(true);
      },
      onClose: () => finish(false),
    };
    const step = () => {
      const now = performance.now();
      while (sent < count && t0 + sent * interval <= now) {
        lag.push(now - (t0 + sent * interval));
        link.send("visitor", clientMsgId(runId, phase, sent), messageText(phase, sent), phase);
        sent += 1;
      }
      if (sent < count) tick = setTimeout(step, Math.max(0, t0 + sent * interval - performance.now()));
    };
    tick = setTimeout(step, 5);
  });
}

/**
 * Serial ping-pong: the visitor sends, the agent answers as soon as it receives, and the next
 * round starts once the visitor has the answer and both acks are in. Round trip = visitor send →
 * agent's answer at the visitor (two server hops, one client hop).
 */
export async function pingPong(link, { runId, phase = "pp", count, deadlineMs }) {
  const rtt = [];
  const deadline = performance.now() + deadlineMs;
  let rounds = 0;
  for (; rounds < count && performance.now() < deadline; rounds++) {
    const ok = await new Promise((resolve) => {
      let pending = 4; // visitor ack, agent delivery, agent ack, visitor delivery
      let ping = null;
      const timer = setTimeout(() => resolve(false), Math.max(1, deadline - performance.now()));
      const step = () => {
        pending -= 1;
        if (pending === 0) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      link.listener = {
        onAck(rec) {
          if (rec.phase === phase) step();
        },
        onDeliver(rec, at) {
          if (rec.phase !== phase) return;
          if (rec.to === "agent") {
            link.send("agent", clientMsgId(runId, `${phase}r`, rounds), messageText(`${phase}r`, rounds), phase);
          } else {
            rtt.push(at - ping.sentAt);
          }
          step();
        },
        onClose() {
          clearTimeout(timer);
          resolve(false);
        },
      };
      ping = link.send("visitor", clientMsgId(runId, phase, rounds), messageText(phase, rounds), phase);
    });
    if (!ok) break;
  }
  link.listener = null;
  return { complete: rounds === count, count, rounds, round_trip_ms: summarize(rtt) };
}
