import { describe, expect, it } from "vitest";
import { type AgentSlot, estimateWait, pickAgent } from "../../src/routing/index.ts";

function agent(user_id: string, over: Partial<AgentSlot> = {}): AgentSlot {
  return { user_id, presence: "online", load: 0, max_concurrent: 3, last_assigned_at: 0, in_shift: true, ...over };
}

/** Assigns `n` conversations one by one, as the group's loop does, and counts who got what. */
function simulate(agents: AgentSlot[], policy: "least_loaded" | "round_robin", n: number, closeEvery = 0): Map<string, number> {
  const got = new Map(agents.map((a) => [a.user_id, 0]));
  let cursor: string | null = null;
  for (let i = 0; i < n; i++) {
    const a: AgentSlot | null = pickAgent(agents, policy, cursor);
    if (!a) break;
    a.load += 1;
    a.last_assigned_at = i + 1;
    cursor = a.user_id;
    got.set(a.user_id, got.get(a.user_id)! + 1);
    // Conversations end over time, so capacity frees up again.
    if (closeEvery > 0 && i % closeEvery === 0) for (const x of agents) x.load = Math.max(0, x.load - 1);
  }
  return got;
}

describe("choosing an agent", () => {
  it("gives the next conversation to the least-loaded agent, then the one idle longest", () => {
    const agents = [agent("us_a", { load: 2 }), agent("us_b", { load: 1, last_assigned_at: 50 }), agent("us_c", { load: 1, last_assigned_at: 10 })];
    expect(pickAgent(agents, "least_loaded", null)?.user_id).toBe("us_c");
  });

  it("never offers a conversation to an agent who is away, offline, off shift or full", () => {
    const agents = [
      agent("us_a", { presence: "away" }),
      agent("us_b", { presence: "offline" }),
      agent("us_c", { in_shift: false }),
      agent("us_d", { load: 3 }),
    ];
    expect(pickAgent(agents, "least_loaded", null)).toBeNull();
    expect(pickAgent(agents, "round_robin", null)).toBeNull();
  });

  it("round-robin takes turns in a fixed order and skips agents who cannot take one", () => {
    const agents = [agent("us_a"), agent("us_b", { presence: "away" }), agent("us_c"), agent("us_d")];
    const order: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 6; i++) {
      const a: AgentSlot = pickAgent(agents, "round_robin", cursor)!;
      order.push(a.user_id);
      cursor = a.user_id;
    }
    expect(order).toEqual(["us_a", "us_c", "us_d", "us_a", "us_c", "us_d"]);
  });

  it("spreads many assignments evenly: nobody starved, nobody flooded", () => {
    for (const policy of ["least_loaded", "round_robin"] as const) {
      const agents = Array.from({ length: 20 }, (_, i) => agent(`us_${String(i).padStart(2, "0")}`, { max_concurrent: 1000 }));
      const got = [...simulate(agents, policy, 10_000, 3).values()];
      expect(Math.min(...got), policy).toBeGreaterThanOrEqual(490);
      expect(Math.max(...got), policy).toBeLessThanOrEqual(510);
    }
  });

  it("never goes past an agent's maximum however many are waiting", () => {
    const agents = [agent("us_a", { max_concurrent: 2 }), agent("us_b", { max_concurrent: 5 })];
    const got = simulate(agents, "least_loaded", 100);
    expect(Object.fromEntries(got)).toEqual({ us_a: 2, us_b: 5 });
  });

  it("estimates the wait from the position and the recent pace, and only once it has a pace", () => {
    expect(estimateWait(3, null)).toBeNull();
    expect(estimateWait(3, 20_000)).toBe(60);
    expect(estimateWait(1, 100)).toBe(1);
  });
});
