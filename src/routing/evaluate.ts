import type { ConversationContext } from "../model/context.ts";
import { globMatch } from "./glob.ts";
import { type Action, type ConditionT, type IntentLevel, type Rule, type RuleSet, TERMINAL } from "./rule-set.ts";
import { type Schedule, scheduleOpen } from "./schedule.ts";

/** Everything a routing decision may look at; gathered by the caller, so evaluation stays pure. */
export interface RoutingInput {
  context: ConversationContext;
  contact_tags: readonly string[];
  /** The visitor's first message, when there is one: read for intent keywords. */
  first_message?: string | undefined;
  now: number;
  timezone: string;
  schedules: Readonly<Record<string, Schedule>>;
  groups: Readonly<Record<string, { available_agents: number; waiting: number }>>;
}

export type Target =
  | { kind: "group"; group: string; priority: number }
  | { kind: "agent"; agent: string; fallback_group?: string | undefined; priority: number }
  | { kind: "supervisor"; supervisor: string; fallback_group?: string | undefined; priority: number }
  | { kind: "offline"; notify: string[] };

export interface ConditionTrace {
  type: ConditionT["type"];
  held: boolean;
  why: string;
  of?: ConditionTrace[];
}

export interface RuleTrace {
  rule_id: string;
  name: string;
  enabled: boolean;
  matched: boolean;
  conditions: ConditionTrace[];
  /** Actions this rule contributed, in order. */
  applied: Action[];
}

export interface Decision {
  target: Target;
  auto_replies: string[];
  overflow: { after_seconds: number; group?: string | undefined } | null;
  intent: IntentLevel;
  /** The rule whose terminal action decided, or null when the fallback did. */
  decided_by: string | null;
  trace: RuleTrace[];
}

const INTENT_ORDER: IntentLevel[] = ["none", "low", "medium", "high"];

/** Intent from an `intent:<level>` context tag or the first message's keywords, whichever is higher. */
export function intentOf(input: RoutingInput, keywords: RuleSet["intent_keywords"]): IntentLevel {
  let level: IntentLevel = "none";
  const raise = (l: IntentLevel) => {
    if (INTENT_ORDER.indexOf(l) > INTENT_ORDER.indexOf(level)) level = l;
  };
  for (const tag of input.context.tags ?? []) {
    const m = /^intent:(low|medium|high)$/.exec(tag);
    if (m) raise(m[1] as IntentLevel);
  }
  const text = input.first_message?.toLowerCase();
  if (text) {
    for (const l of ["high", "medium", "low"] as const) {
      if (keywords[l].some((k) => text.includes(k.toLowerCase()))) raise(l);
    }
  }
  return level;
}

function test(c: ConditionT, input: RoutingInput, intent: IntentLevel): ConditionTrace {
  const ctx = input.context;
  const trace = (held: boolean, why: string): ConditionTrace => ({ type: c.type, held, why });
  switch (c.type) {
    case "channel":
      return trace(c.in.includes(ctx.channel), `channel is ${ctx.channel}; wanted ${c.in.join(" or ")}`);
    case "entry_page":
      return ctx.entry_page === undefined
        ? trace(false, "no entry page")
        : trace(globMatch(c.glob, ctx.entry_page), `entry page ${ctx.entry_page} vs ${c.glob}`);
    case "referrer":
      return ctx.referrer === undefined
        ? trace(false, "no referrer")
        : trace(globMatch(c.glob, ctx.referrer), `referrer ${ctx.referrer} vs ${c.glob}`);
    case "utm": {
      const value = ctx.utm?.[c.field];
      return trace(value !== undefined && c.in.includes(value), `utm_${c.field} is ${value ?? "absent"}; wanted ${c.in.join(" or ")}`);
    }
    case "trail": {
      const visits = (ctx.trail ?? []).filter((t) => globMatch(c.glob, t.url)).length;
      return trace(visits >= c.min_visits, `${visits} trail page(s) match ${c.glob}; wanted ≥ ${c.min_visits}`);
    }
    case "intent":
      return trace(INTENT_ORDER.indexOf(intent) >= INTENT_ORDER.indexOf(c.at_least), `intent is ${intent}; wanted ≥ ${c.at_least}`);
    case "contact_tag": {
      const hit = c.any_of.filter((t) => input.contact_tags.includes(t));
      return trace(hit.length > 0, hit.length > 0 ? `contact has tag ${hit.join(", ")}` : `contact has none of ${c.any_of.join(", ")}`);
    }
    case "open": {
      const schedule = input.schedules[c.schedule];
      if (!schedule) return trace(false, `schedule ${c.schedule} does not exist`);
      const { open, why } = scheduleOpen(schedule, input.now, input.timezone);
      return trace(open, why);
    }
    case "group_available": {
      const n = input.groups[c.group]?.available_agents ?? 0;
      return trace(n >= c.min_online, `${n} agent(s) of ${c.group} online with free capacity; wanted ≥ ${c.min_online}`);
    }
    case "group_load": {
      const n = input.groups[c.group]?.waiting ?? 0;
      return trace(n <= c.max_waiting, `${n} waiting in ${c.group}; wanted ≤ ${c.max_waiting}`);
    }
    case "all": {
      const of = c.of.map((x) => test(x, input, intent));
      return { ...trace(of.every((x) => x.held), "all of"), of };
    }
    case "any": {
      const of = c.of.map((x) => test(x, input, intent));
      return { ...trace(of.some((x) => x.held), "any of"), of };
    }
    case "not": {
      const inner = test(c.condition, input, intent);
      return { ...trace(!inner.held, "not"), of: [inner] };
    }
  }
}

/**
 * Walks the rules in order. Every enabled rule whose conditions all hold contributes its
 * actions; the first rule with a terminal action (enqueue, route to someone, offline) decides
 * and ends the walk. If none decides, the fallback actions apply. Every rule evaluated is in the trace.
 */
export function decide(ruleSet: RuleSet, input: RoutingInput): Decision {
  const intent = intentOf(input, ruleSet.intent_keywords);
  const trace: RuleTrace[] = [];
  let boost = 0;
  const autoReplies: string[] = [];
  let overflow: Decision["overflow"] = null;
  let target: Target | null = null;

  /** A rule's actions all apply; its first terminal action decides. */
  const apply = (actions: Action[]): Action[] => {
    const applied: Action[] = [];
    for (const a of actions) {
      if (TERMINAL.includes(a.type) && target) continue;
      applied.push(a);
      switch (a.type) {
        case "raise_priority":
          boost += a.by;
          break;
        case "auto_reply":
          autoReplies.push(a.text);
          break;
        case "overflow":
          overflow = { after_seconds: a.after_seconds, group: a.group };
          break;
        case "enqueue":
          target = { kind: "group", group: a.group, priority: a.priority };
          break;
        case "route_to_agent":
          target = { kind: "agent", agent: a.agent, fallback_group: a.fallback_group, priority: 50 };
          break;
        case "route_to_supervisor":
          target = { kind: "supervisor", supervisor: a.supervisor, fallback_group: a.fallback_group, priority: 50 };
          break;
        case "offline":
          target = { kind: "offline", notify: a.notify ?? [] };
          break;
      }
    }
    return applied;
  };

  let decidedBy: string | null = null;
  for (const rule of ruleSet.rules as Rule[]) {
    if (!rule.enabled) {
      trace.push({ rule_id: rule.id, name: rule.name, enabled: false, matched: false, conditions: [], applied: [] });
      continue;
    }
    const conditions = rule.when.map((c) => test(c, input, intent));
    const matched = conditions.every((c) => c.held);
    const applied = matched ? apply(rule.then) : [];
    trace.push({ rule_id: rule.id, name: rule.name, enabled: true, matched, conditions, applied });
    if (target) {
      decidedBy = rule.id;
      break;
    }
  }
  if (!target) apply(ruleSet.fallback);
  const decided = (target ?? { kind: "offline", notify: [] }) as Target;
  if (decided.kind !== "offline") decided.priority = Math.min(100, decided.priority + boost);
  return { target: decided, auto_replies: autoReplies, overflow, intent, decided_by: decidedBy, trace };
}
