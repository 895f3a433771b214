import { describe, expect, it } from "vitest";
import { decide, type RoutingInput, RuleSet } from "../../src/routing/index.ts";

const ruleSet = RuleSet.parse({
  intent_keywords: { high: ["refund", "退款"], medium: ["price"], low: [] },
  rules: [
    { id: "off-hours", name: "Outside hours: leave a message", when: [{ type: "not", condition: { type: "open", schedule: "office" } }], then: [{ type: "offline", notify: ["support@shop.example"] }] },
    { id: "vip", name: "VIP contacts jump the queue", when: [{ type: "contact_tag", any_of: ["vip"] }], then: [{ type: "raise_priority", by: 30 }] },
    { id: "greeting", name: "Greet WeChat users", when: [{ type: "channel", in: ["wechat"] }], then: [{ type: "auto_reply", text: "您好！" }] },
    {
      id: "pricing",
      name: "Pricing pages to sales",
      when: [{ type: "any", of: [{ type: "entry_page", glob: "https://shop.example/pricing*" }, { type: "utm", field: "campaign", in: ["spring"] }] }],
      then: [{ type: "enqueue", group: "sales", priority: 60 }, { type: "overflow", after_seconds: 120, group: "support" }],
    },
    { id: "refunds", name: "Refund intent to billing", when: [{ type: "intent", at_least: "high" }], then: [{ type: "enqueue", group: "billing", priority: 70 }] },
    { id: "disabled", name: "Old rule", enabled: false, when: [], then: [{ type: "enqueue", group: "legacy" }] },
  ],
  fallback: [{ type: "enqueue", group: "support", priority: 50 }],
});

function input(over: Partial<RoutingInput> = {}): RoutingInput {
  return {
    context: { channel: "web" },
    contact_tags: [],
    // Tuesday 10:00 UTC.
    now: Date.UTC(2026, 10, 24, 10, 0),
    timezone: "UTC",
    schedules: { office: { weekly: [{ day: "tue", start: "09:00", end: "18:00" }], closures: [], extra_openings: [] } },
    groups: {},
    ...over,
  };
}

describe("routing decisions", () => {
  it("falls back when no rule decides, and says so", () => {
    const d = decide(ruleSet, input());
    expect(d.target).toEqual({ kind: "group", group: "support", priority: 50 });
    expect(d.decided_by).toBeNull();
    expect(d.trace.map((t) => [t.rule_id, t.matched])).toEqual([
      ["off-hours", false],
      ["vip", false],
      ["greeting", false],
      ["pricing", false],
      ["refunds", false],
      ["disabled", false],
    ]);
  });

  it("routes an entry page matching a glob and records the overflow", () => {
    const d = decide(ruleSet, input({ context: { channel: "web", entry_page: "https://shop.example/pricing?plan=pro" } }));
    expect(d.target).toEqual({ kind: "group", group: "sales", priority: 60 });
    expect(d.overflow).toEqual({ after_seconds: 120, group: "support" });
    expect(d.decided_by).toBe("pricing");
    // Evaluation stops at the deciding rule.
    expect(d.trace.map((t) => t.rule_id)).toEqual(["off-hours", "vip", "greeting", "pricing"]);
  });

  it("adds a raised priority to the deciding rule's priority, capped at 100", () => {
    const d = decide(ruleSet, input({ contact_tags: ["vip"], context: { channel: "web", utm: { campaign: "spring" } } }));
    expect(d.target).toEqual({ kind: "group", group: "sales", priority: 90 });
    const d2 = decide(ruleSet, input({ contact_tags: ["vip"], first_message: "I want a REFUND now" }));
    expect(d2.target).toEqual({ kind: "group", group: "billing", priority: 100 });
  });

  it("reads intent from keywords in the first message and from intent tags", () => {
    expect(decide(ruleSet, input({ first_message: "我要退款" })).intent).toBe("high");
    expect(decide(ruleSet, input({ first_message: "what is the price?" })).intent).toBe("medium");
    expect(decide(ruleSet, input({ context: { channel: "web", tags: ["intent:high"] } })).target).toMatchObject({ group: "billing" });
  });

  it("collects auto-replies from matching rules before the decision", () => {
    const d = decide(ruleSet, input({ context: { channel: "wechat" } }));
    expect(d.auto_replies).toEqual(["您好！"]);
    expect(d.target).toMatchObject({ group: "support" });
  });

  it("sends conversations outside opening hours to leave-a-message, explaining why", () => {
    const d = decide(ruleSet, input({ now: Date.UTC(2026, 10, 24, 20, 0) }));
    expect(d.target).toEqual({ kind: "offline", notify: ["support@shop.example"] });
    const condition = d.trace[0]!.conditions[0]!;
    expect(condition.held).toBe(true);
    expect(condition.of?.[0]?.why).toContain("outside the weekly hours");
  });

  it("refuses a rule set whose fallback cannot decide, or with duplicate rule ids", () => {
    expect(RuleSet.safeParse({ rules: [], fallback: [{ type: "auto_reply", text: "hi" }] }).success).toBe(false);
    const dup = { id: "a", name: "A", then: [{ type: "offline" }] };
    expect(RuleSet.safeParse({ rules: [dup, dup], fallback: [{ type: "offline" }] }).success).toBe(false);
  });

  it("tests group availability and load from the live figures it is given", () => {
    const set = RuleSet.parse({
      rules: [
        {
          id: "busy",
          name: "Sales busy: to support",
          when: [{ type: "any", of: [{ type: "not", condition: { type: "group_available", group: "sales" } }, { type: "not", condition: { type: "group_load", group: "sales", max_waiting: 10 } }] }],
          then: [{ type: "enqueue", group: "support" }],
        },
      ],
      fallback: [{ type: "enqueue", group: "sales" }],
    });
    expect(decide(set, input({ groups: { sales: { available_agents: 2, waiting: 3 } } })).target).toMatchObject({ group: "sales" });
    expect(decide(set, input({ groups: { sales: { available_agents: 0, waiting: 3 } } })).target).toMatchObject({ group: "support" });
    expect(decide(set, input({ groups: { sales: { available_agents: 2, waiting: 11 } } })).target).toMatchObject({ group: "support" });
  });
});
