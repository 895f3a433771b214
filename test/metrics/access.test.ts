import { beforeAll, describe, expect, it } from "vitest";
import { call, json } from "../support/api.ts";
import { createApiKey, v1 } from "../support/api-keys.ts";
import { deliver } from "../support/archive.ts";
import { createTeam, type Team, userId } from "../support/fixture.ts";
import { assignment, atOffset, MIN, metrics, routedTo, S, scriptedConversation, text } from "../support/metrics.ts";
import { addStaff, createGroup } from "../support/routing.ts";

let team: Team;
let sales: string;
let support: string;
const T0 = Date.UTC(2026, 9, 14, 9, 0);

function served(group: string, agent: string) {
  const a = { role: "agent" as const, id: agent };
  return [
    [0, text("visitor", "hi")],
    [1 * S, routedTo(group)],
    ...atOffset(10 * S, assignment(a, group, 9 * S)),
    [20 * S, text(a, "hello")],
    [5 * MIN, { type: "state_changed", from: "serving", to: "ended", by: a }],
  ] as Array<[number, Record<string, unknown>]>;
}

beforeAll(async () => {
  team = await createTeam();
  sales = await createGroup(team.admin, "Sales", [userId(team, "agent", 0), userId(team, "supervisor")]);
  support = await createGroup(team.admin, "Support", [userId(team, "agent", 1)]);
  const one = await scriptedConversation(team.workspaceId, T0, served(sales, userId(team, "agent", 0)));
  const two = await scriptedConversation(team.workspaceId, T0, served(support, userId(team, "agent", 1)));
  await deliver([one.batch(1, one.events.length), two.batch(1, two.events.length)]);
});

const DAY = { from: "2026-10-14", to: "2026-10-14" };

describe("who may read metrics", () => {
  it("gives admins every skill group of their workspace", async () => {
    const report = await metrics(team.admin, { ...DAY, by: "group" });
    expect(report.series.map((s: any) => s.key).sort()).toEqual([sales, support].sort());
    expect(report.totals.started).toBe(2);
  });

  it("gives a supervisor only the skill groups they belong to", async () => {
    const report = await metrics(team.supervisor, { ...DAY, by: "group" });
    expect(report.series.map((s: any) => s.key)).toEqual([sales]);
    expect(report.totals.started).toBe(1);
  });

  it("refuses a supervisor who asks for another group's figures", async () => {
    const body = await metrics(team.supervisor, { ...DAY, group_id: support }, 403);
    expect(body.error.code).toBe("forbidden");
  });

  it("shows a supervisor in no group nothing", async () => {
    const [lonely] = await addStaff(team, 1, "supervisor");
    const report = await metrics(lonely!.token, DAY);
    expect(report.series).toEqual([]);
    expect(report.totals.started).toBe(0);
  });

  it("refuses agents and visitors", async () => {
    expect((await metrics(team.agent, DAY, 403)).error.code).toBe("forbidden");
    expect((await call(`/api/metrics?${new URLSearchParams(DAY)}`)).status).toBe(401);
  });

  it("never shows another workspace's figures", async () => {
    const other = await createTeam();
    const report = await metrics(other.admin, DAY);
    expect(report.totals.started).toBe(0);
  });

  it("rejects a malformed or reversed range with invalid_request", async () => {
    expect((await metrics(team.admin, { from: "2026-10-15", to: "2026-10-14" }, 400)).error.code).toBe("invalid_request");
    expect((await metrics(team.admin, { from: "14/10/2026", to: "2026-10-14" }, 400)).error.code).toBe("invalid_request");
    expect((await metrics(team.admin, { ...DAY, bucket: "week" }, 400)).error.code).toBe("invalid_request");
  });

  it("gives an API key with metrics:read the whole workspace's figures, the same as an admin's, and a key without it 403", async () => {
    const query = new URLSearchParams({ ...DAY, by: "group" });
    const reader = await createApiKey(team, ["metrics:read"]);
    const viaKey = await json(await v1(`/metrics?${query}`, reader.secret), 200);
    expect(viaKey).toEqual(await metrics(team.admin, { ...DAY, by: "group" }));
    expect(viaKey.totals.started).toBe(2);
    const other = await createApiKey(team, ["conversations:read"]);
    expect((await json(await v1(`/metrics?${query}`, other.secret), 403)).error.code).toBe("forbidden");
  });

  it("lets only admins run the rebuild", async () => {
    const res = await call("/api/metrics/rebuild", { method: "POST", token: team.supervisor, json: {} });
    expect((await json(res, 403)).error.code).toBe("forbidden");
  });
});
