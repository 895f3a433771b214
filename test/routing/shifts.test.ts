import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database, schema } from "../../workers/db.ts";
import { localTime } from "../../src/routing/index.ts";
import { call, json, waitUntil } from "../support/api.ts";
import { createTeam, type Team, userId } from "../support/fixture.ts";
import {
  assignmentsSoFar,
  createGroup,
  drained,
  groupObject,
  openWorkstation,
  publishRules,
  routedVisitor,
  setCapacity,
  waitAssignments,
  waitQueued,
  waitServedBy,
} from "../support/routing.ts";
import { closeSocketsAfterEach } from "../support/socket.ts";

closeSocketsAfterEach();

const DAY_MS = 86_400_000;
const ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => ({ day, start: "00:00", end: "24:00" }));

async function createSchedule(team: Team, name: string, schedule: unknown): Promise<string> {
  return (await json<{ id: string }>(await call("/api/admin/schedules", { method: "POST", token: team.admin, json: { name, schedule } }), 201)).id;
}

async function putSchedule(team: Team, id: string, name: string, schedule: unknown): Promise<void> {
  await json(await call(`/api/admin/schedules/${id}`, { method: "PUT", token: team.admin, json: { name, schedule } }), 200);
}

async function agentStatus(token: string): Promise<any> {
  return json(await call("/api/agent/status", { token }), 200);
}

describe("shifts in a time zone", () => {
  it("does not assign an agent on a holiday of their shift (local dates in Asia/Shanghai), and does once the holiday is lifted", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    const zone = "Asia/Shanghai";
    const now = Date.now();
    // Yesterday to tomorrow, in the shift's own zone: today there is a holiday whatever the hour.
    const holiday = { from: localTime(now - DAY_MS, zone).date, to: localTime(now + DAY_MS, zone).date, name: "Spring Festival" };
    const shift = await createSchedule(team, "Day shift", { timezone: zone, weekly: ALL_WEEK, closures: [holiday] });
    await setCapacity(team.admin, agentId, 5, shift);

    const workstation = await openWorkstation(team.agent);
    expect(workstation.frames[0]).toMatchObject({ type: "status", presence: "online", in_shift: false });
    const v = await routedVisitor(team);
    await waitQueued(team, groupId, v.conversation_id);
    const stats = await drained(team, groupId);
    expect(stats).toMatchObject({ waiting: 1, assigned: 0, available_agents: 0 });
    expect(stats.agents).toEqual([expect.objectContaining({ user_id: agentId, presence: "online", in_shift: false })]);
    expect(await assignmentsSoFar(workstation)).toEqual([]);

    await putSchedule(team, shift, "Day shift", { timezone: zone, weekly: ALL_WEEK, closures: [] });
    expect(await waitAssignments(workstation, 1)).toEqual([v.conversation_id]);
    await waitServedBy(v.conversation_id, team.agent, agentId);
    expect(await agentStatus(team.agent)).toMatchObject({ in_shift: true, load: 1 });
  });

  it("reads a shift's weekly hours in the shift's time zone: closed in Pacific/Pago_Pago, open in Pacific/Kiritimati", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    // Kiritimati (UTC+14) and Pago Pago (UTC−11) are 25 hours apart: never on the same weekday.
    const day = localTime(Date.now(), "Pacific/Kiritimati").day;
    const hours = [{ day, start: "00:00", end: "24:00" }];
    const shift = await createSchedule(team, "Island shift", { timezone: "Pacific/Pago_Pago", weekly: hours });
    await setCapacity(team.admin, agentId, 5, shift);
    const workstation = await openWorkstation(team.agent);
    expect(workstation.frames[0]).toMatchObject({ type: "status", in_shift: false });

    const v = await routedVisitor(team);
    await waitQueued(team, groupId, v.conversation_id);
    expect(await drained(team, groupId)).toMatchObject({ waiting: 1, assigned: 0 });
    expect(await agentStatus(team.agent)).toMatchObject({ in_shift: false, load: 0 });

    await putSchedule(team, shift, "Island shift", { timezone: "Pacific/Kiritimati", weekly: hours });
    expect(await waitAssignments(workstation, 1)).toEqual([v.conversation_id]);
    await waitServedBy(v.conversation_id, team.agent, agentId);
    expect(await agentStatus(team.agent)).toMatchObject({ in_shift: true, load: 1 });
    expect((await groupObject(team.workspaceId, groupId).stats()).waiting).toBe(0);
  });
});

describe("an open-hours condition in a rule", () => {
  /** Office hours in Shanghai, a New Year holiday and a working Saturday; in hours → Sales, else Support. */
  async function officeRules(team: Team) {
    const sales = await createGroup(team.admin, "Sales", []);
    const support = await createGroup(team.admin, "Support", []);
    const office = await createSchedule(team, "Office hours", {
      timezone: "Asia/Shanghai",
      weekly: ["mon", "tue", "wed", "thu", "fri"].map((d) => ({ day: d, start: "09:00", end: "21:00" })),
      closures: [{ from: "2027-01-01", to: "2027-01-01", name: "New Year's Day" }],
      extra_openings: [{ date: "2026-11-28", start: "10:00", end: "16:00" }],
    });
    await publishRules(team.admin, {
      rules: [{ id: "office", name: "In office hours to Sales", when: [{ type: "open", schedule: office }], then: [{ type: "enqueue", group: sales, priority: 60 }] }],
      fallback: [{ type: "enqueue", group: support, priority: 40 }],
    });
    return { sales, support };
  }

  async function explainAt(team: Team, iso: string, token = team.admin): Promise<any> {
    return json(await call("/api/admin/routing/rules/explain", { method: "POST", token, json: { at: Date.parse(iso) } }), 200);
  }

  it("routes by the time of day in the schedule's zone, not UTC", async () => {
    const team = await createTeam();
    const { sales, support } = await officeRules(team);
    const cases: Array<[string, string, string]> = [
      // [instant, group, why]
      ["2026-11-24T01:30:00Z", sales, "tue 2026-11-24 09:30 Asia/Shanghai is within tue 09:00–21:00"],
      ["2026-11-24T00:30:00Z", support, "tue 2026-11-24 08:30 Asia/Shanghai is outside the weekly hours"],
      // 13:30 UTC would be inside 09:00–21:00 in UTC, but it is 21:30 in Shanghai.
      ["2026-11-24T13:30:00Z", support, "tue 2026-11-24 21:30 Asia/Shanghai is outside the weekly hours"],
      // 23:30 UTC on Sunday is already Monday morning in Shanghai.
      ["2026-11-22T23:30:00Z", support, "mon 2026-11-23 07:30 Asia/Shanghai is outside the weekly hours"],
      // The start is inclusive, the end exclusive.
      ["2026-11-23T01:00:00Z", sales, "mon 2026-11-23 09:00 Asia/Shanghai is within mon 09:00–21:00"],
      ["2026-11-27T12:59:00Z", sales, "fri 2026-11-27 20:59 Asia/Shanghai is within fri 09:00–21:00"],
      ["2026-11-27T13:00:00Z", support, "fri 2026-11-27 21:00 Asia/Shanghai is outside the weekly hours"],
    ];
    for (const [at, group, why] of cases) {
      const out = await explainAt(team, at);
      expect({ at, group: out.target.group, decided_by: out.decided_by, why: out.trace[0].conditions[0].why }).toEqual({
        at,
        group,
        decided_by: group === sales ? "office" : null,
        why,
      });
    }
  });

  it("is closed on a holiday and open on an extra working day of the schedule", async () => {
    const team = await createTeam();
    const { sales, support } = await officeRules(team);
    const holiday = await explainAt(team, "2027-01-01T02:00:00Z");
    expect(holiday.target).toEqual({ kind: "group", group: support, priority: 40 });
    expect(holiday.trace[0]).toMatchObject({ rule_id: "office", matched: false });
    expect(holiday.trace[0].conditions[0]).toEqual({ type: "open", held: false, why: "fri 2027-01-01 10:00 Asia/Shanghai falls in closure New Year's Day" });
    // The day before the holiday is an ordinary Thursday.
    expect((await explainAt(team, "2026-12-31T02:00:00Z")).target.group).toBe(sales);

    const saturday = await explainAt(team, "2026-11-28T03:00:00Z");
    expect(saturday.target).toEqual({ kind: "group", group: sales, priority: 60 });
    expect(saturday.trace[0].conditions[0]).toEqual({ type: "open", held: true, why: "sat 2026-11-28 11:00 Asia/Shanghai is in an extra opening 10:00–16:00" });
    expect((await explainAt(team, "2026-11-28T09:00:00Z")).target.group).toBe(support);
  });

  it("reads a schedule without a zone of its own in the workspace's time zone", async () => {
    const team = await createTeam();
    const db = database(env.DB);
    await db.update(schema.workspaces).set({ timezone: "America/New_York" }).where(eq(schema.workspaces.id, team.workspaceId));
    const sales = await createGroup(team.admin, "Sales", []);
    const support = await createGroup(team.admin, "Support", []);
    const office = await createSchedule(team, "Office hours", { weekly: [{ day: "mon", start: "09:00", end: "17:00" }] });
    await publishRules(team.admin, {
      rules: [{ id: "office", name: "In office hours to Sales", when: [{ type: "open", schedule: office }], then: [{ type: "enqueue", group: sales }] }],
      fallback: [{ type: "enqueue", group: support }],
    });
    // 14:30 UTC on a Monday in November is 09:30 in New York (EST, UTC−5); 13:30 UTC is 08:30 there.
    const open = await explainAt(team, "2026-11-23T14:30:00Z");
    expect(open.target.group).toBe(sales);
    expect(open.trace[0].conditions[0].why).toBe("mon 2026-11-23 09:30 America/New_York is within mon 09:00–17:00");
    expect((await explainAt(team, "2026-11-23T13:30:00Z")).target.group).toBe(support);
    // In July New York is on daylight time (UTC−4): 13:30 UTC is already 09:30.
    expect((await explainAt(team, "2026-07-13T13:30:00Z")).target.group).toBe(sales);
  });
});
