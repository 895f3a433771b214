import { localHour, splitByHour } from "./buckets.ts";
import type { ConversationMetrics } from "./fold.ts";

/**
 * The additive measures, in the order of their D1 columns. Every metric in docs/metrics.md is a
 * sum of these or a ratio of two sums, so rollups of any dimension and bucket are plain sums.
 */
export const MEASURES = [
  "started",
  "assignments",
  "queue_waits",
  "queue_wait_ms",
  "first_responses",
  "first_response_ms",
  "visitor_first_responses",
  "visitor_first_response_ms",
  "handled",
  "handle_ms",
  "serving_ms",
  "ended",
  "resolved",
  "unanswered",
  "abandoned",
  "transferred",
  "rated",
  "rating_sum",
] as const;
export type Measure = (typeof MEASURES)[number];
export type Measures = Record<Measure, number>;

/** Where a fact is counted: a local hour of the workspace, and the dimensions ("" for none). */
export interface FactKey {
  day: string;
  hour: number;
  channel: string;
  group_id: string;
  agent_id: string;
}

export type Fact = FactKey & Measures;

export function zeroMeasures(): Measures {
  return Object.fromEntries(MEASURES.map((m) => [m, 0])) as Measures;
}

export function factKey(k: FactKey): string {
  return `${k.day}|${String(k.hour).padStart(2, "0")}|${k.channel}|${k.group_id}|${k.agent_id}`;
}

/** Adds facts into a map keyed by factKey, summing measures of equal keys. */
export function addFacts(into: Map<string, Fact>, facts: Iterable<Fact>): Map<string, Fact> {
  for (const f of facts) {
    const key = factKey(f);
    const sum = into.get(key);
    if (!sum) into.set(key, { ...f });
    else for (const m of MEASURES) sum[m] += f[m];
  }
  return into;
}

/**
 * What changes in the rollups when a conversation's facts go from `before` to `after`: per key, the
 * difference of each measure; keys whose measures all stay put are left out.
 */
export function factDeltas(before: Iterable<Fact>, after: Iterable<Fact>): Fact[] {
  // 0 - x rather than -x: a measure at zero stays +0.
  const negated = [...before].map((f) => ({ ...f, ...Object.fromEntries(MEASURES.map((m) => [m, 0 - f[m]])) }) as Fact);
  return [...addFacts(addFacts(new Map(), negated), after).values()].filter((f) => MEASURES.some((m) => f[m] !== 0));
}

/**
 * A conversation's contribution to the rollups: a pure function of its folded events and the
 * workspace's time zone (docs/metrics.md says which event each measure is counted at, and for
 * whom). Facts with equal keys are merged; all-zero facts are dropped.
 */
export function conversationFacts(m: ConversationMetrics, timezone: string): Fact[] {
  const out = new Map<string, Fact>();
  const add = (at: number, group: string, agent: string, measures: Partial<Measures>) => {
    const { day, hour } = localHour(at, timezone);
    addFacts(out, [{ day, hour, channel: m.channel, group_id: group, agent_id: agent, ...zeroMeasures(), ...measures }]);
  };
  const first = m.holds[0];
  const last = m.holds[m.holds.length - 1];
  if (m.started_at !== null) add(m.started_at, first?.group ?? m.group, first?.agent ?? "", { started: 1 });
  for (const h of m.holds) {
    add(h.start, h.group, h.agent, {
      assignments: 1,
      ...(h.queue_wait_ms !== null ? { queue_waits: 1, queue_wait_ms: h.queue_wait_ms } : {}),
      ...(h.first_reply_at !== null ? { first_responses: 1, first_response_ms: h.first_reply_at - h.start } : {}),
    });
    if (h.end !== null) {
      add(h.end, h.group, h.agent, { handled: 1, handle_ms: h.end - h.start });
      for (const { bucket, ms } of splitByHour(h.start, h.end, timezone)) add(bucket.start, h.group, h.agent, { serving_ms: ms });
    }
  }
  if (m.first_reply && m.first_visitor_at !== null) {
    add(m.first_visitor_at, m.first_reply.group, m.first_reply.agent, {
      visitor_first_responses: 1,
      visitor_first_response_ms: m.first_reply.at - m.first_visitor_at,
    });
  }
  if (m.ended) {
    add(m.ended.at, last?.group ?? m.group, last?.agent ?? "", {
      ended: 1,
      resolved: m.staff_replied ? 1 : 0,
      unanswered: m.staff_replied ? 0 : 1,
      abandoned: !first && m.ended.by === "visitor" ? 1 : 0,
      transferred: m.transfers > 0 ? 1 : 0,
    });
  }
  if (m.rating) add(m.rating.at, last?.group ?? m.group, last?.agent ?? "", { rated: 1, rating_sum: m.rating.score });
  return [...out.values()].filter((f) => MEASURES.some((k) => f[k] !== 0));
}
