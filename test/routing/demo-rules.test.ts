import { describe, expect, it } from "vitest";
import { buildWorkspaceSeed, DEMO_SEED, demoRouting } from "../../src/db/demo-seed.ts";
import { decide, references, RuleSet, Schedule } from "../../src/routing/index.ts";

describe("the demo workspace's routing", () => {
  it("is a valid rule set whose references all exist in the demo", async () => {
    const demo = demoRouting(await buildWorkspaceSeed(DEMO_SEED));
    const ruleSet = RuleSet.parse(demo.ruleSet);
    for (const s of demo.schedules) Schedule.parse(s.body);
    const refs = references(ruleSet);
    expect([...refs.groups].every((g) => demo.groups.some((x) => x.id === g))).toBe(true);
    const now = Date.UTC(2026, 10, 24, 3, 0);
    const base = { contact_tags: [], now, timezone: "Asia/Shanghai", schedules: {}, groups: {} };
    expect(decide(ruleSet, { ...base, context: { channel: "web", entry_page: "https://shop.example/pricing" } }).target).toMatchObject({ group: demo.groups[0]!.id });
    expect(decide(ruleSet, { ...base, context: { channel: "web" }, first_message: "我要退款" }).target).toMatchObject({ group: demo.groups[1]!.id, priority: 80 });
  });
});
