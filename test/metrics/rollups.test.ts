import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "../support/archive.ts";
import { createTeam, type Team, userId } from "../support/fixture.ts";
import { assignment, atOffset, MIN, metrics, rollupRows, routedTo, S, scriptedConversation, setTimezone, text } from "../support/metrics.ts";
import { createGroup } from "../support/routing.ts";
import { ARCHIVE_LISTENERS } from "../../workers/archive/consumer.ts";

let team: Team;
let sales: string;
let support: string;
let a1: { role: "agent"; id: string };
let a2: { role: "agent"; id: string };
beforeAll(async () => {
  team = await createTeam();
  await setTimezone(team.workspaceId, "Asia/Shanghai");
  a1 = { role: "agent", id: userId(team, "agent", 0) };
  a2 = { role: "agent", id: userId(team, "agent", 1) };
  sales = await createGroup(team.admin, "Sales", [a1.id, userId(team, "supervisor")]);
  support = await createGroup(team.admin, "Support", [a2.id]);
});

const listeners = [...ARCHIVE_LISTENERS];
afterEach(() => {
  ARCHIVE_LISTENERS.splice(0, ARCHIVE_LISTENERS.length, ...listeners);
});

/** 09:10 local (Asia/Shanghai) on the given November day. */
const morning = (day: number) => Date.UTC(2026, 10, day, 1, 10);

/** Served by a1 in sales: queue wait 30 s, first response 60 s after assignment, 90 s after the visitor's first message, 30 min held. */
function served(group: string) {
  return [
    [10 * S, text("visitor", "hi")],
    [11 * S, routedTo(group)],
    ...atOffset(40 * S, assignment(a1, group, 30 * S)),
    [45 * S, text({ role: "bot", id: "bot" }, "an agent is coming")],
    [50 * S, text(a1, "note to self", "internal")],
    [100 * S, text(a1, "hello")],
    [40 * S + 30 * MIN, { type: "state_changed", from: "serving", to: "ended", by: a1 }],
  ] as Array<[number, Record<string, unknown>]>;
}

function abandoned(group: string) {
  return [
    [5 * S, text("visitor", "anyone?")],
    [6 * S, routedTo(group)],
    [2 * MIN, { type: "state_changed", from: "queued", to: "ended", by: "visitor" }],
  ] as Array<[number, Record<string, unknown>]>;
}

describe("metric rollups from the archive", () => {
  it("reports hand-computed figures for a day with a served and an abandoned conversation", async () => {
    const one = await scriptedConversation(team.workspaceId, morning(2), served(sales));
    const two = await scriptedConversation(team.workspaceId, morning(2), abandoned(sales));
    expect(await deliver([one.batch(1, one.events.length), two.batch(1, two.events.length)])).toEqual({ acked: 2, retried: 0 });
    const report = await metrics(team.admin, { from: "2026-11-02", to: "2026-11-02" });
    expect(report.timezone).toBe("Asia/Shanghai");
    expect(report.totals).toMatchObject({
      started: 2,
      ended: 2,
      resolved: 1,
      abandoned: 1,
      unanswered: 1,
      resolution_rate: 0.5,
      abandonment_rate: 0.5,
      transfer_rate: 0,
      avg_queue_wait_ms: 30 * S,
      avg_first_response_ms: 60 * S,
      avg_visitor_first_response_ms: 90 * S,
      avg_handle_ms: 30 * MIN,
      serving_ms: 30 * MIN,
    });
    expect(report.series).toHaveLength(1);
    expect(report.series[0].points.map((p: any) => p.bucket)).toEqual(["2026-11-02"]);
  });

  it("buckets by the workspace's local hour and splits by agent, with concurrency and utilisation", async () => {
    const c = await scriptedConversation(team.workspaceId, morning(3), served(sales));
    await deliver([c.batch(1, c.events.length)]);
    const report = await metrics(team.admin, { from: "2026-11-03", to: "2026-11-03", bucket: "hour", by: "agent" });
    expect(report.series.map((s: any) => s.key)).toEqual([a1.id]);
    const agent = report.series[0];
    expect(agent.points.map((p: any) => p.bucket)).toEqual(["2026-11-03T09"]);
    // 30 minutes served in one hour: half a conversation at a time; the seeded capacity is 5.
    expect(agent.points[0]).toMatchObject({ serving_ms: 30 * MIN, concurrency: 0.5, utilisation: 0.1 });
  });

  it("counts nothing twice when batches are redelivered, overlap or arrive out of order", async () => {
    const c = await scriptedConversation(team.workspaceId, morning(4), served(sales));
    const n = c.events.length;
    await deliver([c.batch(1, 3)]);
    await deliver([c.batch(1, 3)]);
    // Beyond a gap: the consumer retries it and the metrics see nothing of it yet.
    expect(await deliver([c.batch(6, n)])).toEqual({ acked: 0, retried: 1 });
    await deliver([c.batch(2, 5), c.batch(4, 7)]);
    await deliver([c.batch(6, n), c.batch(1, n)]);
    await deliver([c.batch(1, n)]);
    const report = await metrics(team.admin, { from: "2026-11-04", to: "2026-11-04" });
    expect(report.totals).toMatchObject({ started: 1, assignments: 1, first_responses: 1, first_response_ms: 60 * S, handled: 1, handle_ms: 30 * MIN, ended: 1, resolved: 1 });
  });

  it("moves a conversation's figures when later events change where they count, without leaving the old ones behind", async () => {
    const c = await scriptedConversation(team.workspaceId, morning(5), [
      [0, text("visitor", "hi")],
      [1 * S, routedTo(sales)],
      ...atOffset(20 * S, assignment(a1, sales, 19 * S)),
      ...atOffset(2 * MIN, [
        { type: "transferred", visibility: "internal", by: a1, from_agent: a1, from_group: sales, to: { kind: "agent", agent_id: a2.id } },
        { type: "participant_left", participant: a1 },
        { type: "state_changed", from: "serving", to: "transferring", by: a1 },
        { type: "participant_joined", participant: a2 },
        { type: "assigned", visibility: "internal", agent: a2, group_id: support, queue_wait_ms: 0 },
        { type: "state_changed", from: "transferring", to: "serving", by: { role: "system", id: "system" } },
      ]),
      [3 * MIN, text(a2, "hello")],
      [10 * MIN, { type: "state_changed", from: "serving", to: "ended", by: a2 }],
    ]);
    await deliver([c.batch(1, 5)]);
    await deliver([c.batch(6, c.events.length)]);
    const byGroup = await metrics(team.admin, { from: "2026-11-05", to: "2026-11-05", by: "group" });
    const totals = Object.fromEntries(byGroup.series.map((s: any) => [s.key, s.totals]));
    expect(totals[sales]).toMatchObject({ started: 1, assignments: 1, handled: 1, handle_ms: 100 * S, first_responses: 0, ended: 0 });
    expect(totals[support]).toMatchObject({ started: 0, assignments: 1, handled: 1, handle_ms: 8 * MIN, first_responses: 1, ended: 1, transferred: 1, resolved: 1 });
  });

  it("refolds a conversation from R2 when the metrics listener missed a delivery the index took", async () => {
    const c = await scriptedConversation(team.workspaceId, morning(6), served(sales));
    ARCHIVE_LISTENERS.splice(1);
    await deliver([c.batch(1, 5)]);
    ARCHIVE_LISTENERS.splice(0, ARCHIVE_LISTENERS.length, ...listeners);
    await deliver([c.batch(6, c.events.length)]);
    const report = await metrics(team.admin, { from: "2026-11-06", to: "2026-11-06" });
    expect(report.totals).toMatchObject({ started: 1, assignments: 1, queue_wait_ms: 30 * S, first_responses: 1, handled: 1, resolved: 1 });
  });

  it("keeps rollups equal to the sum of every conversation's facts when deliveries of one hour race", async () => {
    const convs = await Promise.all([1, 2, 3, 4].map(() => scriptedConversation(team.workspaceId, morning(7), served(sales))));
    await Promise.all(convs.map((c) => deliver([c.batch(1, c.events.length)])));
    const report = await metrics(team.admin, { from: "2026-11-07", to: "2026-11-07" });
    expect(report.totals).toMatchObject({ started: 4, handled: 4, resolved: 4 });
    expect((await rollupRows(team.workspaceId)).filter((r: any) => r.day === "2026-11-07")).toHaveLength(1);
  });

  it("counts a conversation once when two deliveries of it race, retrying the one that lost", async () => {
    const c = await scriptedConversation(team.workspaceId, morning(8), served(sales));
    const n = c.events.length;
    const results = await Promise.all([deliver([c.batch(1, n)]), deliver([c.batch(1, n)]), deliver([c.batch(3, n)])]);
    // Whatever lost a race is retried by the queue: deliver those again.
    for (const r of results) if (r.retried > 0) expect(await deliver([c.batch(1, n)])).toEqual({ acked: 1, retried: 0 });
    const report = await metrics(team.admin, { from: "2026-11-08", to: "2026-11-08" });
    expect(report.totals).toMatchObject({ started: 1, assignments: 1, handled: 1, handle_ms: 30 * MIN, ended: 1, resolved: 1 });
  });
});
