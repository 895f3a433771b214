import { describe, expect, it } from "vitest";
import { conversationFacts, emptyMetrics, type Fact, factDeltas, foldEvents, localHour, splitByHour, zeroMeasures } from "../../src/metrics/index.ts";
import type { ConversationEvent } from "../../src/model/index.ts";

const TZ = "Asia/Shanghai";
const visitor = { role: "visitor" as const, id: "ct_1" };
const a1 = { role: "agent" as const, id: "a1" };
const a2 = { role: "agent" as const, id: "a2" };
const system = { role: "system" as const, id: "system" };
const bot = { role: "bot" as const, id: "bot" };
const S = 1000;
const MIN = 60 * S;

/** Builds a conversation's events from (offset, event) pairs, numbering seqs in order. */
function conversation(t0: number, steps: Array<[number, Record<string, unknown>]>): ConversationEvent[] {
  const events = [
    { type: "conversation_started", at: t0, visibility: "public", workspace_id: "ws", conversation_id: "cv", contact: visitor, context: { channel: "web" } },
    ...steps.map(([offset, e]) => ({ visibility: "public", ...e, at: t0 + offset })),
  ];
  return events.map((e, i) => ({ ...e, seq: i + 1 }) as ConversationEvent);
}

let msg = 0;
const say = (sender: typeof visitor | typeof a1 | typeof bot, text: string, visibility = "public") => ({
  type: "message",
  visibility,
  server_msg_id: `m${++msg}`,
  client_msg_id: `c${msg}`,
  sender,
  content: { kind: "text", text },
});
const assigned = (agent: typeof a1, queue_wait_ms: number) => [
  { type: "participant_joined", participant: agent },
  { type: "assigned", visibility: "internal", agent, group_id: "g1", queue_wait_ms },
  { type: "state_changed", from: "queued", to: "serving", by: system },
];
const routed = { type: "routed", visibility: "internal", version: 1, decided_by: "r", target: { kind: "group", group: "g1", priority: 50 }, intent: "none" };
const at = (offset: number, events: Array<Record<string, unknown>>): Array<[number, Record<string, unknown>]> => events.map((e) => [offset, e]);

function facts(events: ConversationEvent[], tz = TZ): Fact[] {
  return conversationFacts(foldEvents(emptyMetrics(), events), tz);
}
const fact = (day: string, hour: number, group: string, agent: string, m: Partial<Fact>): Fact => ({ day, hour, channel: "web", group_id: group, agent_id: agent, ...zeroMeasures(), ...m });

// 2026-11-26 09:10 in Shanghai.
const T0 = Date.UTC(2026, 10, 26, 1, 10);

describe("metric facts from a conversation's events", () => {
  it("counts a simple served conversation: queue wait, both first response times, handle time, resolved", () => {
    const events = conversation(T0, [
      [10 * S, say(visitor, "hi")],
      [11 * S, routed],
      ...at(40 * S, assigned(a1, 30 * S)),
      [45 * S, say(bot, "an agent is coming")],
      [50 * S, say(a1, "note to self", "internal")],
      [100 * S, say(a1, "hello")],
      [40 * S + 30 * MIN, { type: "state_changed", from: "serving", to: "ended", by: a1 }],
    ]);
    expect(facts(events)).toEqual([
      fact("2026-11-26", 9, "g1", "a1", {
        started: 1,
        assignments: 1,
        queue_waits: 1,
        queue_wait_ms: 30 * S,
        first_responses: 1,
        first_response_ms: 60 * S,
        visitor_first_responses: 1,
        visitor_first_response_ms: 90 * S,
        handled: 1,
        handle_ms: 30 * MIN,
        serving_ms: 30 * MIN,
        ended: 1,
        resolved: 1,
      }),
    ]);
  });

  it("splits a transfer: each agent gets their own first response, handle time and serving time; the end goes to the last", () => {
    const t0 = Date.UTC(2026, 10, 26, 1, 50); // 09:50 local
    const events = conversation(t0, [
      [0, say(visitor, "hi")],
      [1 * S, routed],
      ...at(60 * S, assigned(a1, 60 * S)),
      ...at(5 * MIN, [
        { type: "transferred", visibility: "internal", by: a1, from_agent: a1, from_group: "g1", to: { kind: "agent", agent_id: "a2" } },
        { type: "participant_left", participant: a1 },
        { type: "state_changed", from: "serving", to: "transferring", by: a1 },
        { type: "participant_joined", participant: a2 },
        { type: "assigned", visibility: "internal", agent: a2, group_id: "g1", queue_wait_ms: 0 },
        { type: "state_changed", from: "transferring", to: "serving", by: system },
      ]),
      [15 * MIN, say(a2, "hello")],
      [20 * MIN, { type: "state_changed", from: "serving", to: "ended", by: visitor }],
    ]);
    expect(facts(events)).toEqual([
      fact("2026-11-26", 9, "g1", "a1", { started: 1, assignments: 1, queue_waits: 1, queue_wait_ms: 60 * S, handled: 1, handle_ms: 4 * MIN, serving_ms: 4 * MIN }),
      fact("2026-11-26", 9, "g1", "a2", {
        assignments: 1,
        queue_waits: 1,
        first_responses: 1,
        first_response_ms: 10 * MIN,
        serving_ms: 5 * MIN,
        visitor_first_responses: 1,
        visitor_first_response_ms: 15 * MIN,
      }),
      fact("2026-11-26", 10, "g1", "a2", { handled: 1, handle_ms: 15 * MIN, serving_ms: 10 * MIN, ended: 1, resolved: 1, transferred: 1 }),
    ]);
  });

  it("counts a visitor who leaves the queue before any assignment as abandoned and unanswered", () => {
    const events = conversation(T0, [
      [5 * S, say(visitor, "anyone?")],
      [6 * S, routed],
      [2 * MIN, { type: "state_changed", from: "queued", to: "ended", by: visitor }],
    ]);
    expect(facts(events)).toEqual([fact("2026-11-26", 9, "g1", "", { started: 1, ended: 1, unanswered: 1, abandoned: 1 })]);
  });

  it("counts an assignment the agent never answered as handled but without a first response, and the conversation unanswered", () => {
    const events = conversation(T0, [
      [5 * S, say(visitor, "hi")],
      [6 * S, routed],
      ...at(10 * S, assigned(a1, 4 * S)),
      [10 * MIN + 10 * S, { type: "state_changed", from: "serving", to: "ended", by: a1 }],
    ]);
    expect(facts(events)).toEqual([
      fact("2026-11-26", 9, "g1", "a1", { started: 1, assignments: 1, queue_waits: 1, queue_wait_ms: 4 * S, handled: 1, handle_ms: 10 * MIN, serving_ms: 10 * MIN, ended: 1, unanswered: 1 }),
    ]);
  });

  it("treats a requeue as a second assignment with its own queue wait and first response", () => {
    const events = conversation(T0, [
      [0, say(visitor, "hi")],
      [1 * S, routed],
      ...at(10 * S, assigned(a1, 9 * S)),
      ...at(2 * MIN, [
        { type: "participant_left", participant: a1 },
        { type: "state_changed", from: "serving", to: "queued", by: system, reason: "agent went offline" },
        { type: "rerouted", visibility: "internal", reason: "agent_offline", from_group: "g1", to_group: "g1" },
      ]),
      ...at(3 * MIN, assigned(a2, 60 * S)),
      [4 * MIN, say(a2, "sorry for the wait")],
      [5 * MIN, { type: "state_changed", from: "serving", to: "ended", by: a2 }],
    ]);
    expect(facts(events)).toEqual([
      fact("2026-11-26", 9, "g1", "a1", { started: 1, assignments: 1, queue_waits: 1, queue_wait_ms: 9 * S, handled: 1, handle_ms: 110 * S, serving_ms: 110 * S }),
      fact("2026-11-26", 9, "g1", "a2", {
        assignments: 1,
        queue_waits: 1,
        queue_wait_ms: 60 * S,
        first_responses: 1,
        first_response_ms: 60 * S,
        visitor_first_responses: 1,
        visitor_first_response_ms: 4 * MIN,
        handled: 1,
        handle_ms: 2 * MIN,
        serving_ms: 2 * MIN,
        ended: 1,
        resolved: 1,
      }),
    ]);
  });

  it("measures a manual claim's queue wait from when the conversation was queued", () => {
    const events = conversation(T0, [
      [0, say(visitor, "hi")],
      [1 * S, routed],
      [0, { type: "participant_joined", participant: a1 }],
      [90 * S, { type: "state_changed", from: "queued", to: "serving", by: a1 }],
    ]);
    expect(facts(events)).toEqual([fact("2026-11-26", 9, "g1", "a1", { started: 1, assignments: 1, queue_waits: 1, queue_wait_ms: 90 * S })]);
  });

  it("does not count a staff greeting before the visitor spoke as the visitor's first response", () => {
    const events = conversation(T0, [
      ...at(0, assigned(a1, 0)),
      [5 * S, say(a1, "welcome")],
      [20 * S, say(visitor, "hi")],
      [50 * S, say(a1, "how can I help?")],
    ]);
    const [f] = facts(events);
    expect(f).toMatchObject({ first_responses: 1, first_response_ms: 5 * S, visitor_first_responses: 1, visitor_first_response_ms: 30 * S });
  });

  it("gives the same facts whether events are folded at once, in pieces, or with pieces repeated", () => {
    const events = conversation(T0, [
      [0, say(visitor, "hi")],
      [1 * S, routed],
      ...at(10 * S, assigned(a1, 9 * S)),
      [30 * S, say(a1, "hello")],
      [5 * MIN, { type: "state_changed", from: "serving", to: "ended", by: a1 }],
    ]);
    const whole = foldEvents(emptyMetrics(), events);
    let pieces = foldEvents(emptyMetrics(), events.slice(0, 4));
    pieces = foldEvents(pieces, events.slice(2, 7));
    pieces = foldEvents(pieces, events);
    expect(pieces).toEqual(whole);
  });
});

describe("local hour buckets", () => {
  it("buckets by the workspace's wall clock, including half-hour zones", () => {
    expect(localHour(Date.UTC(2026, 10, 26, 3, 45), "Asia/Kolkata")).toEqual({ day: "2026-11-26", hour: 9, start: Date.UTC(2026, 10, 26, 3, 30) });
    expect(localHour(Date.UTC(2026, 10, 25, 16, 30), "Asia/Shanghai")).toMatchObject({ day: "2026-11-26", hour: 0 });
  });

  it("splits an interval at local hour boundaries", () => {
    const split = splitByHour(Date.UTC(2026, 10, 26, 4, 20), Date.UTC(2026, 10, 26, 4, 40), "Asia/Kolkata");
    expect(split.map((s) => [s.bucket.hour, s.ms])).toEqual([
      [9, 10 * MIN],
      [10, 10 * MIN],
    ]);
  });
});

describe("rollup increments", () => {
  const fact = (hour: number, measures: Partial<Fact>): Fact => ({ day: "2026-11-26", hour, channel: "web", group_id: "g", agent_id: "a", ...zeroMeasures(), ...measures });

  it("add to an hour what a conversation's facts gained and take from it what they lost", () => {
    const before = [fact(9, { started: 1, assignments: 1, queue_wait_ms: 4000 })];
    const after = [fact(9, { started: 1, assignments: 1, queue_wait_ms: 4000, ended: 1 }), fact(10, { transferred: 1 })];
    expect(factDeltas(before, after)).toEqual([fact(9, { ended: 1 }), fact(10, { transferred: 1 })]);
    expect(factDeltas(after, before)).toEqual([fact(9, { ended: -1 }), fact(10, { transferred: -1 })]);
  });

  it("leave out hours whose sums do not move", () => {
    const same = [fact(9, { started: 1 })];
    expect(factDeltas(same, same)).toEqual([]);
    expect(factDeltas([], same)).toEqual(same);
  });
});
