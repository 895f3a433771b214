import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, json } from "../support/api.ts";
import { deliver } from "../support/archive.ts";
import { createTeam, type Team, userId } from "../support/fixture.ts";
import { assignment, atOffset, MIN, routedTo, S, scriptedConversation, text } from "../support/metrics.ts";
import { createGroup } from "../support/routing.ts";
import { runCron } from "../../workers/cron.ts";

let team: Team;
let sales: string;
let support: string;
const DAY = "2026-09-03";
const T0 = Date.UTC(2026, 8, 3, 10, 0);
const ids: Record<string, string> = {};

/** A conversation served by `agent` in `group`, ended, with optional transfer-in and rating. */
function script(group: string, agent: string, options: { rating?: number; transferFrom?: string; text?: string } = {}) {
  const a = { role: "agent" as const, id: agent };
  const steps: Array<[number, Record<string, unknown>]> = [[0, text("visitor", options.text ?? "hello")], [1 * S, routedTo(group)]];
  if (options.transferFrom) {
    const from = { role: "agent" as const, id: options.transferFrom };
    steps.push(
      ...atOffset(5 * S, assignment(from, group, 4 * S)),
      ...atOffset(30 * S, [
        { type: "transferred", visibility: "internal", by: from, from_agent: from, from_group: group, to: { kind: "agent", agent_id: agent } },
        { type: "participant_left", participant: from },
        { type: "state_changed", from: "serving", to: "transferring", by: from },
        { type: "participant_joined", participant: a },
        { type: "assigned", visibility: "internal", agent: a, group_id: group, queue_wait_ms: 0 },
        { type: "state_changed", from: "transferring", to: "serving", by: { role: "system", id: "system" } },
      ]),
    );
  } else {
    steps.push(...atOffset(5 * S, assignment(a, group, 4 * S)));
  }
  steps.push([1 * MIN, text(a, "hi")], [3 * MIN, { type: "state_changed", from: "serving", to: "ended", by: a }]);
  if (options.rating) steps.push([4 * MIN, { type: "rated", by: "visitor", score: options.rating }]);
  return steps;
}

const put = (path: string, token: string, body: unknown) => call(path, { method: "PUT", token, json: body });
const post = (path: string, token: string, body: unknown) => call(path, { method: "POST", token, json: body });

beforeAll(async () => {
  team = await createTeam();
  const [a1, a2] = [userId(team, "agent", 0), userId(team, "agent", 1)];
  sales = await createGroup(team.admin, "Sales", [a1, userId(team, "supervisor")]);
  support = await createGroup(team.admin, "Support", [a2]);
  const convs = {
    plain1: await scriptedConversation(team.workspaceId, T0, script(sales, a1)),
    plain2: await scriptedConversation(team.workspaceId, T0, script(sales, a1)),
    plain3: await scriptedConversation(team.workspaceId, T0, script(sales, a1)),
    plain4: await scriptedConversation(team.workspaceId, T0, script(sales, a1)),
    transferred: await scriptedConversation(team.workspaceId, T0, script(support, a2, { transferFrom: a1 })),
    lowRated: await scriptedConversation(team.workspaceId, T0, script(support, a2, { rating: 1, text: "call me on 13812348000 or mail li.lei@example.com" })),
    highRated: await scriptedConversation(team.workspaceId, T0, script(support, a2, { rating: 5 })),
  };
  await deliver(Object.values(convs).map((c) => c.batch(1, c.events.length)));
  for (const [k, c] of Object.entries(convs)) ids[k] = c.conversationId;
  await json(await put("/api/qa/settings", team.admin, { sample_percent: 25, low_rating_max: 2, review_transfers: true }), 200);
});

describe("quality review", () => {
  it("queues each agent's share of the day plus every transfer and low rating, once however often sampling runs", async () => {
    const first = await json(await post("/api/qa/sample", team.admin, { day: DAY }), 200);
    expect(first.ended).toBe(7);
    const reasons = Object.fromEntries(first.selected.map((s: any) => [s.conversation_id, s.reasons]));
    expect(reasons[ids.transferred!]).toContain("transfer");
    expect(reasons[ids.lowRated!]).toContain("low_rating");
    // 25% of a1's four is one; of a2's three, one (rounded up), which may coincide with another reason.
    expect(first.selected.filter((s: any) => s.agent_id === userId(team, "agent", 0) && s.reasons.includes("sampled"))).toHaveLength(1);
    expect(first.selected.filter((s: any) => s.agent_id === userId(team, "agent", 1) && s.reasons.includes("sampled"))).toHaveLength(1);
    await json(await post("/api/qa/sample", team.admin, { day: DAY }), 200);
    const queue = await json(await call("/api/qa/reviews?status=pending", { token: team.admin }), 200);
    expect(queue.items.map((i: any) => i.conversation_id).sort()).toEqual(first.selected.map((s: any) => s.conversation_id).sort());
  });

  it("shows a reviewer the transcript with phone numbers and emails masked, and records the viewing", async () => {
    const view = await json(await call(`/api/qa/reviews/${ids.lowRated}/transcript`, { token: team.admin }), 200);
    const said = view.events.find((e: any) => e.type === "message" && e.sender.role === "visitor").content.text;
    expect(said).toBe("call me on 138****8000 or mail l***@example.com");
    expect(view.events.find((e: any) => e.type === "rated")).toMatchObject({ score: 1 });
    const audit = await env.DB.prepare("SELECT action, raw FROM audit_log WHERE workspace_id = ? AND conversation_id = ?").bind(team.workspaceId, ids.lowRated).all();
    expect(audit.results).toEqual([{ action: "view", raw: 0 }]);
  });

  it("scores a review on a weighted scorecard and reports per-agent results", async () => {
    const card = await json(
      await post("/api/qa/scorecards", team.admin, {
        name: "Standard",
        pass_mark: 80,
        criteria: [
          { id: "greeting", label: "Greets", weight: 1 },
          { id: "accuracy", label: "Correct answer", weight: 3 },
        ],
      }),
      201,
    );
    const done = await json(await post(`/api/qa/reviews/${ids.lowRated}`, team.admin, { scorecard_id: card.id, scores: { greeting: 100, accuracy: 70 }, comment: "wrong refund policy" }), 200);
    expect(done).toMatchObject({ status: "done", total: 77.5, passed: false, comment: "wrong refund policy", reviewer_id: userId(team, "admin") });
    await json(await post(`/api/qa/reviews/${ids.transferred}`, team.admin, { scorecard_id: card.id, scores: { greeting: 90, accuracy: 90 } }), 200);
    const results = await json(await call(`/api/qa/results?from=${DAY}&to=${DAY}`, { token: team.admin }), 200);
    expect(results.items).toEqual([{ agent_id: userId(team, "agent", 1), reviewed: 2, passed: 1, pass_rate: 0.5, avg_total: 83.75 }]);
  });

  it("refuses a verdict that does not score every criterion, with invalid_request", async () => {
    const cards = await json(await call("/api/qa/scorecards", { token: team.admin }), 200);
    const res = await post(`/api/qa/reviews/${ids.lowRated}`, team.admin, { scorecard_id: cards.items[0].id, scores: { greeting: 100 } });
    expect((await json(res, 400)).error.code).toBe("invalid_request");
  });

  it("lets a supervisor review only their own groups' conversations", async () => {
    const queue = await json(await call("/api/qa/reviews", { token: team.supervisor }), 200);
    expect(queue.items.length).toBeGreaterThan(0);
    expect(queue.items.every((i: any) => i.group_id === sales)).toBe(true);
    const res = await call(`/api/qa/reviews/${ids.lowRated}/transcript`, { token: team.supervisor });
    expect((await json(res, 403)).error.code).toBe("forbidden");
  });

  it("keeps agents out of the queue and shows them only their own results", async () => {
    expect((await json(await call("/api/qa/reviews", { token: team.agent }), 403)).error.code).toBe("forbidden");
    expect((await json(await call(`/api/qa/results?from=${DAY}&to=${DAY}`, { token: team.agent }), 200)).items).toEqual([]);
    const own = await json(await call(`/api/qa/results?from=${DAY}&to=${DAY}`, { token: team.agent2 }), 200);
    expect(own.items.map((i: any) => i.agent_id)).toEqual([userId(team, "agent", 1)]);
  });

  it("never shows another workspace's reviews", async () => {
    const other = await createTeam();
    expect((await json(await call("/api/qa/reviews", { token: other.admin }), 200)).items).toEqual([]);
    expect((await json(await call(`/api/qa/reviews/${ids.lowRated}/transcript`, { token: other.admin }), 404)).error.code).toBe("not_found");
  });

  it("rejects a malformed sampling rule with invalid_request", async () => {
    const res = await put("/api/qa/settings", team.admin, { sample_percent: 150, low_rating_max: 2, review_transfers: true });
    expect((await json(res, 400)).error.code).toBe("invalid_request");
  });

  it("samples each workspace's previous local day once, from the cron, an hour after it ended", async () => {
    const own = await createTeam();
    const c = await scriptedConversation(own.workspaceId, Date.UTC(2026, 8, 20, 9, 0), script("", userId(own, "agent", 0)));
    await deliver([c.batch(1, c.events.length)]);
    const queue = async () => (await json(await call("/api/qa/reviews", { token: own.admin }), 200)).items.map((i: any) => [i.conversation_id, i.day, i.reasons]);
    await runCron(env, Date.UTC(2026, 8, 21, 0, 30));
    expect(await queue()).toEqual([]);
    await runCron(env, Date.UTC(2026, 8, 21, 1, 5));
    expect(await queue()).toEqual([[c.conversationId, "2026-09-20", ["sampled"]]]);
    await runCron(env, Date.UTC(2026, 8, 21, 1, 10));
    expect(await queue()).toHaveLength(1);
  });
});
