import { z } from "zod";
import { Channel } from "../model/context.ts";

/** Skill groups, agents and schedules are referred to by ID; the admin API checks they exist. */
const Ref = z.string().min(1).max(64);

export const IntentLevel = z.enum(["none", "low", "medium", "high"]);
export type IntentLevel = z.infer<typeof IntentLevel>;

const Glob = z.string().min(1).max(2048);

/** A condition is a test over the routing input; the explanation says for each why it held or not. */
export const Condition: z.ZodType<ConditionT> = z.lazy(() =>
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("channel"), in: z.array(Channel).min(1) }),
    /** `*` matches within a path segment, `**` across segments; matched against the whole URL. */
    z.object({ type: z.literal("entry_page"), glob: Glob }),
    z.object({ type: z.literal("referrer"), glob: Glob }),
    z.object({
      type: z.literal("utm"),
      field: z.enum(["source", "medium", "campaign", "term", "content"]),
      in: z.array(z.string().max(200)).min(1),
    }),
    /** The visitor's trail holds at least `min_visits` pages matching `glob`. */
    z.object({ type: z.literal("trail"), glob: Glob, min_visits: z.int().min(1).default(1) }),
    z.object({ type: z.literal("intent"), at_least: IntentLevel }),
    z.object({ type: z.literal("contact_tag"), any_of: z.array(z.string().max(50)).min(1) }),
    /** Inside the opening hours of a schedule (weekly hours in the workspace time zone, minus closures). */
    z.object({ type: z.literal("open"), schedule: Ref }),
    /** At least `min_online` agents of the group are online with free capacity. */
    z.object({ type: z.literal("group_available"), group: Ref, min_online: z.int().min(1).default(1) }),
    /** The group's waiting queue is at most `max_waiting` long. */
    z.object({ type: z.literal("group_load"), group: Ref, max_waiting: z.int().min(0) }),
    z.object({ type: z.literal("all"), of: z.array(Condition).min(1) }),
    z.object({ type: z.literal("any"), of: z.array(Condition).min(1) }),
    z.object({ type: z.literal("not"), condition: Condition }),
  ]),
);

export type ConditionT =
  | { type: "channel"; in: z.infer<typeof Channel>[] }
  | { type: "entry_page"; glob: string }
  | { type: "referrer"; glob: string }
  | { type: "utm"; field: "source" | "medium" | "campaign" | "term" | "content"; in: string[] }
  | { type: "trail"; glob: string; min_visits: number }
  | { type: "intent"; at_least: IntentLevel }
  | { type: "contact_tag"; any_of: string[] }
  | { type: "open"; schedule: string }
  | { type: "group_available"; group: string; min_online: number }
  | { type: "group_load"; group: string; max_waiting: number }
  | { type: "all"; of: ConditionT[] }
  | { type: "any"; of: ConditionT[] }
  | { type: "not"; condition: ConditionT };

export const Priority = z.int().min(0).max(100);

/** What a matching rule does. Terminal actions (enqueue, route_to_*, offline) end evaluation. */
export const Action = z.discriminatedUnion("type", [
  z.object({ type: z.literal("enqueue"), group: Ref, priority: Priority.default(50) }),
  z.object({ type: z.literal("raise_priority"), by: z.int().min(1).max(100) }),
  /** Straight to one agent; if they cannot take it, to `fallback_group`. */
  z.object({ type: z.literal("route_to_agent"), agent: Ref, fallback_group: Ref.optional() }),
  z.object({ type: z.literal("route_to_supervisor"), supervisor: Ref, fallback_group: Ref.optional() }),
  /** Leave-a-message; `notify` pushes the left message to these addresses or webhooks. */
  z.object({ type: z.literal("offline"), notify: z.array(z.string().max(254)).max(10).optional() }),
  z.object({ type: z.literal("auto_reply"), text: z.string().min(1).max(2000) }),
  /** After waiting `after_seconds` in the queue, move to `group` or, without one, offline. */
  z.object({ type: z.literal("overflow"), after_seconds: z.int().min(5).max(86_400), group: Ref.optional() }),
]);
export type Action = z.infer<typeof Action>;

/** Actions that decide where the conversation goes and end the walk through the rules. */
export const TERMINAL: readonly Action["type"][] = ["enqueue", "route_to_agent", "route_to_supervisor", "offline"];

export const Rule = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "rule ids are lowercase letters, digits, _ and -"),
  name: z.string().min(1).max(200),
  enabled: z.boolean().default(true),
  /** All must hold (an empty list always holds). */
  when: z.array(Condition).default([]),
  then: z.array(Action).min(1),
});
export type Rule = z.infer<typeof Rule>;

export const IntentKeywords = z.object({
  high: z.array(z.string().min(1).max(100)).max(200).default([]),
  medium: z.array(z.string().min(1).max(100)).max(200).default([]),
  low: z.array(z.string().min(1).max(100)).max(200).default([]),
});

/** A workspace's routing policy: rules in order, first terminal action wins, then the fallback. */
export const RuleSet = z
  .object({
    rules: z.array(Rule).max(200),
    /** Applied when no rule reached a terminal action. */
    fallback: z.array(Action).min(1),
    intent_keywords: IntentKeywords.default({ high: [], medium: [], low: [] }),
  })
  .superRefine((set, ctx) => {
    if (!set.fallback.some((a) => TERMINAL.includes(a.type))) {
      ctx.addIssue({ code: "custom", path: ["fallback"], message: "the fallback needs a terminal action (enqueue, route_to_agent, route_to_supervisor or offline)" });
    }
    const seen = new Set<string>();
    set.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id ${rule.id}` });
      seen.add(rule.id);
    });
  });
export type RuleSet = z.infer<typeof RuleSet>;
