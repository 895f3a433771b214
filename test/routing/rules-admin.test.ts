import { beforeAll, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { database, schema } from "../../workers/db.ts";
import { allEvents, call, json } from "../support/api.ts";
import { createTeam, type Team, userId } from "../support/fixture.ts";
import { createGroup, publishRules, routedVisitor, waitQueued } from "../support/routing.ts";
import { closeSocketsAfterEach } from "../support/socket.ts";

closeSocketsAfterEach();

function admin(path: string, token: string, init: { method?: string; json?: unknown; body?: string } = {}) {
  return call(`/api/admin${path}`, { method: init.method ?? "GET", token, ...(init.json === undefined ? {} : { json: init.json }), ...(init.body === undefined ? {} : { body: init.body }) });
}

async function error(res: Response, status: number): Promise<{ code: string; message: string; details?: any }> {
  return (await json<{ error: { code: string; message: string; details?: any } }>(res, status)).error;
}

describe("rule-set versions", () => {
  let team: Team;
  let sales: string;
  let support: string;
  const v1 = () => ({
    rules: [
      { id: "pricing", name: "Pricing to Sales", when: [{ type: "entry_page", glob: "*/pricing*" }], then: [{ type: "enqueue", group: sales, priority: 60 }] },
      { id: "vip", name: "VIP first", when: [{ type: "contact_tag", any_of: ["vip"] }], then: [{ type: "raise_priority", by: 30 }] },
    ],
    fallback: [{ type: "enqueue", group: support, priority: 50 }],
  });
  const v2 = () => ({
    rules: [
      { id: "vip", name: "VIP first", when: [{ type: "contact_tag", any_of: ["vip"] }], then: [{ type: "raise_priority", by: 40 }] },
      { id: "pricing", name: "Pricing to Sales", when: [{ type: "entry_page", glob: "*/pricing*" }], then: [{ type: "enqueue", group: sales, priority: 60 }] },
      { id: "refunds", name: "Refunds to Support", when: [{ type: "intent", at_least: "high" }], then: [{ type: "enqueue", group: support, priority: 80 }] },
    ],
    fallback: [{ type: "enqueue", group: sales, priority: 50 }],
    intent_keywords: { high: ["refund"], medium: [], low: [] },
  });

  beforeAll(async () => {
    team = await createTeam();
    sales = await createGroup(team.admin, "Sales", []);
    support = await createGroup(team.admin, "Support", []);
  });

  it("publishes, lists, reads, diffs and restores versions; a restore is a new version that names its source", async () => {
    const adminId = userId(team, "admin");
    expect((await error(await admin("/routing/rules", team.admin), 404)).code).toBe("not_found");

    const first = await publishRules(team.admin, v1(), "first");
    expect(first).toMatchObject({ version: 1, note: "first", published_by: adminId, restored_from: null });
    const second = await publishRules(team.admin, v2(), "second");
    expect(second).toMatchObject({ version: 2, restored_from: null });

    const live = await json(await admin("/routing/rules", team.admin), 200);
    expect(live).toMatchObject({ version: 2, note: "second" });
    expect(live.body.rules.map((r: any) => r.id)).toEqual(["vip", "pricing", "refunds"]);

    const list = await json(await admin("/routing/rules/versions", team.admin), 200);
    expect(list.items.map((i: any) => [i.version, i.note, i.restored_from])).toEqual([
      [2, "second", null],
      [1, "first", null],
    ]);

    const got = await json(await admin("/routing/rules/versions/1", team.admin), 200);
    expect(got.version).toBe(1);
    expect(got.body.rules.map((r: any) => r.id)).toEqual(["pricing", "vip"]);
    expect(got.body.fallback).toEqual([{ type: "enqueue", group: support, priority: 50 }]);

    const diff = await json(await admin("/routing/rules/diff?from=1&to=2", team.admin), 200);
    expect(diff).toEqual({
      from: 1,
      to: 2,
      added: ["refunds"],
      removed: [],
      changed: ["vip"],
      reordered: true,
      fallback_changed: true,
      intent_keywords_changed: true,
    });

    const restored = await json(await admin("/routing/rules/versions/1/restore", team.admin, { method: "POST", json: {} }), 201);
    expect(restored).toMatchObject({ version: 3, restored_from: 1, note: "restored version 1", published_by: adminId });
    expect(restored.body).toEqual(got.body);
    expect((await json(await admin("/routing/rules", team.admin), 200)).version).toBe(3);
    const after = await json(await admin("/routing/rules/versions", team.admin), 200);
    expect(after.items.map((i: any) => [i.version, i.restored_from])).toEqual([
      [3, 1],
      [2, null],
      [1, null],
    ]);
    const back = await json(await admin("/routing/rules/diff?from=1&to=3", team.admin), 200);
    expect(back).toMatchObject({ added: [], removed: [], changed: [], reordered: false, fallback_changed: false, intent_keywords_changed: false });
  });

  it("records the live version and the deciding rule on a conversation's routed event", async () => {
    const live = await json(await admin("/routing/rules", team.admin), 200);
    // Restored version 1 puts "pricing" before "vip": the VIP boost comes after the decision and does not apply.
    const v = await routedVisitor(team, { entry_page: "https://shop.example/pricing/teams", tags: ["vip"] });
    await waitQueued(team, sales, v.conversation_id);
    const routed = (await allEvents(v.conversation_id, team.admin)).filter((e) => e.type === "routed");
    expect(routed).toEqual([
      expect.objectContaining({
        visibility: "internal",
        version: live.version,
        decided_by: "pricing",
        target: { kind: "group", group: sales, priority: 60 },
      }),
    ]);
  });

  it("answers 404 for a version that does not exist and 400 for a diff without versions", async () => {
    expect((await error(await admin("/routing/rules/versions/99", team.admin), 404)).code).toBe("not_found");
    expect((await error(await admin("/routing/rules/versions/abc", team.admin), 404)).code).toBe("not_found");
    expect((await error(await admin("/routing/rules/versions/99/restore", team.admin, { method: "POST", json: {} }), 404)).code).toBe("not_found");
    expect((await error(await admin("/routing/rules/diff?from=1", team.admin), 400)).code).toBe("invalid_request");
  });
});

describe("the live rule set", () => {
  it("routes the very next conversation by a rule set published a moment ago, though routing caches its configuration", async () => {
    const team = await createTeam();
    const sales = await createGroup(team.admin, "Sales", []);
    const support = await createGroup(team.admin, "Support", []);
    await publishRules(team.admin, { rules: [], fallback: [{ type: "enqueue", group: sales }] });
    const before = await routedVisitor(team);
    await waitQueued(team, sales, before.conversation_id);

    await publishRules(team.admin, { rules: [], fallback: [{ type: "enqueue", group: support }] });
    const after = await routedVisitor(team);
    await waitQueued(team, support, after.conversation_id);
    const routed = (await allEvents(after.conversation_id, team.admin)).filter((e) => e.type === "routed");
    expect(routed).toEqual([expect.objectContaining({ target: { kind: "group", group: support, priority: 50 } })]);
  });
});

describe("explain", () => {
  let team: Team;
  let sales: string;
  let support: string;

  beforeAll(async () => {
    team = await createTeam();
    sales = await createGroup(team.admin, "Sales", []);
    support = await createGroup(team.admin, "Support", []);
    await publishRules(team.admin, {
      intent_keywords: { high: ["refund"], medium: ["price"], low: [] },
      rules: [
        { id: "paused", name: "Paused campaign", enabled: false, when: [], then: [{ type: "enqueue", group: sales, priority: 99 }] },
        { id: "wechat", name: "WeChat to Support", when: [{ type: "channel", in: ["wechat"] }], then: [{ type: "enqueue", group: support }] },
        { id: "vip", name: "VIP first", when: [{ type: "contact_tag", any_of: ["vip", "gold"] }], then: [{ type: "raise_priority", by: 30 }, { type: "auto_reply", text: "Welcome back!" }] },
        {
          id: "refunds",
          name: "Refunds",
          when: [{ type: "intent", at_least: "high" }, { type: "entry_page", glob: "*/orders/*" }],
          then: [{ type: "enqueue", group: support, priority: 60 }, { type: "overflow", after_seconds: 60, group: sales }],
        },
        { id: "spring", name: "Spring campaign", when: [{ type: "utm", field: "campaign", in: ["spring"] }], then: [{ type: "enqueue", group: sales }] },
      ],
      fallback: [{ type: "offline" }],
    });
  });

  function explain(body: unknown, token = team.admin) {
    return admin("/routing/rules/explain", token, { method: "POST", json: body });
  }

  it("traces every rule it evaluated: the matched one, its conditions' reasons and the actions applied", async () => {
    const out = await json(
      await explain({ context: { entry_page: "https://shop.example/orders/42", tags: ["gold"] }, first_message: "I want a REFUND now" }),
      200,
    );
    expect(out).toMatchObject({
      version: 1,
      decided_by: "refunds",
      intent: "high",
      target: { kind: "group", group: support, priority: 90 },
      auto_replies: ["Welcome back!"],
      overflow: { after_seconds: 60, group: sales },
    });
    // The walk stops at the deciding rule: "spring" is not in the trace.
    expect(out.trace.map((r: any) => [r.rule_id, r.enabled, r.matched])).toEqual([
      ["paused", false, false],
      ["wechat", true, false],
      ["vip", true, true],
      ["refunds", true, true],
    ]);
    expect(out.trace[1].conditions).toEqual([{ type: "channel", held: false, why: "channel is web; wanted wechat" }]);
    expect(out.trace[2].conditions).toEqual([{ type: "contact_tag", held: true, why: "contact has tag gold" }]);
    expect(out.trace[2].applied).toEqual([{ type: "raise_priority", by: 30 }, { type: "auto_reply", text: "Welcome back!" }]);
    expect(out.trace[3].conditions).toEqual([
      { type: "intent", held: true, why: "intent is high; wanted ≥ high" },
      { type: "entry_page", held: true, why: "entry page https://shop.example/orders/42 vs */orders/*" },
    ]);
    expect(out.trace[3].applied).toEqual([{ type: "enqueue", group: support, priority: 60 }, { type: "overflow", after_seconds: 60, group: sales }]);
  });

  it("says why nothing matched when the fallback decides", async () => {
    const out = await json(await explain({ context: { entry_page: "https://shop.example/" }, first_message: "what's the price?" }), 200);
    expect(out).toMatchObject({ decided_by: null, intent: "medium", target: { kind: "offline", notify: [] }, auto_replies: [] });
    expect(out.trace.map((r: any) => [r.rule_id, r.matched])).toEqual([
      ["paused", false],
      ["wechat", false],
      ["vip", false],
      ["refunds", false],
      ["spring", false],
    ]);
    expect(out.trace[2].conditions).toEqual([{ type: "contact_tag", held: false, why: "contact has none of vip, gold" }]);
    expect(out.trace[3].conditions).toEqual([
      { type: "intent", held: false, why: "intent is medium; wanted ≥ high" },
      { type: "entry_page", held: false, why: "entry page https://shop.example/ vs */orders/*" },
    ]);
    expect(out.trace[4].conditions).toEqual([{ type: "utm", held: false, why: "utm_campaign is absent; wanted spring" }]);
  });

  it("dry-runs a draft rule set without publishing it", async () => {
    const draft = { rules: [], fallback: [{ type: "enqueue", group: sales, priority: 70 }] };
    const out = await json(await explain({ rule_set: draft, context: { entry_page: "https://shop.example/orders/1" } }), 200);
    expect(out).toMatchObject({ version: null, decided_by: null, target: { kind: "group", group: sales, priority: 70 }, trace: [] });
    expect((await json(await admin("/routing/rules", team.admin), 200)).version).toBe(1);
    expect((await json(await admin("/routing/rules/versions", team.admin), 200)).items).toHaveLength(1);
  });

  it("refuses rule sets that name unknown groups, users or schedules, in publish and in explain, with 400 invalid_request", async () => {
    const bad = {
      rules: [
        { id: "ghost", name: "ghost", when: [{ type: "open", schedule: "sch_nope" }], then: [{ type: "route_to_agent", agent: "us_nope", fallback_group: sales }] },
      ],
      fallback: [{ type: "enqueue", group: "sg_nope" }],
    };
    const published = await error(await admin("/routing/rules", team.admin, { method: "POST", json: { rule_set: bad } }), 400);
    expect(published.code).toBe("invalid_request");
    expect([...published.details].sort()).toEqual(["schedule sch_nope", "skill group sg_nope", "user us_nope"]);
    const explained = await error(await explain({ rule_set: bad }), 400);
    expect(explained.code).toBe("invalid_request");
    expect([...explained.details].sort()).toEqual(["schedule sch_nope", "skill group sg_nope", "user us_nope"]);
    expect((await json(await admin("/routing/rules/versions", team.admin), 200)).items).toHaveLength(1);
  });
});

describe("admin API access", () => {
  let team: Team;
  let groupId: string;

  beforeAll(async () => {
    team = await createTeam();
    groupId = await createGroup(team.admin, "Support", [userId(team, "agent")]);
    await publishRules(team.admin, { rules: [], fallback: [{ type: "enqueue", group: groupId }] });
  });

  it("refuses agents with 403, even for reading", async () => {
    expect((await error(await admin("/skill-groups", team.agent, { method: "POST", json: { name: "Mine" } }), 403)).code).toBe("forbidden");
    expect((await error(await admin("/skill-groups", team.agent), 403)).code).toBe("forbidden");
    expect((await error(await admin("/routing/rules/explain", team.agent, { method: "POST", json: {} }), 403)).code).toBe("forbidden");
  });

  it("refuses visitors with 403 and callers without a token with 401", async () => {
    const v = await routedVisitor(team);
    expect((await error(await admin("/skill-groups", v.token), 403)).code).toBe("forbidden");
    expect((await error(await call("/api/admin/skill-groups"), 401)).code).toBe("unauthorized");
  });

  it("lets a supervisor read and explain but not change anything", async () => {
    const sup = team.supervisor;
    const groups = await json(await admin("/skill-groups", sup), 200);
    expect(groups.items).toEqual([expect.objectContaining({ id: groupId, name: "Support", member_ids: [userId(team, "agent")] })]);
    expect((await json(await admin("/routing/rules", sup), 200)).version).toBe(1);
    expect((await json(await admin("/routing/rules/versions", sup), 200)).items).toHaveLength(1);
    expect((await json(await admin(`/skill-groups/${groupId}/stats`, sup), 200)).group_id).toBe(groupId);
    expect((await json(await admin("/routing/rules/explain", sup, { method: "POST", json: {} }), 200)).target).toMatchObject({ group: groupId });

    const denied = [
      admin("/routing/rules", sup, { method: "POST", json: { rule_set: { rules: [], fallback: [{ type: "offline" }] } } }),
      admin("/routing/rules/versions/1/restore", sup, { method: "POST", json: {} }),
      admin("/skill-groups", sup, { method: "POST", json: { name: "Sup's group" } }),
      admin(`/skill-groups/${groupId}/members`, sup, { method: "PUT", json: { user_ids: [] } }),
      admin(`/users/${userId(team, "agent")}/routing`, sup, { method: "PATCH", json: { max_concurrent: 1 } }),
      admin("/schedules", sup, { method: "POST", json: { name: "x", schedule: { weekly: [] } } }),
    ];
    for (const res of await Promise.all(denied)) expect((await error(res, 403)).code).toBe("forbidden");
    expect((await json(await admin("/routing/rules/versions", sup), 200)).items).toHaveLength(1);
    expect((await json(await admin("/skill-groups", sup), 200)).items).toHaveLength(1);
  });
});

describe("workspace boundaries in the admin API", () => {
  it("treats another workspace's groups, users and schedules as unknown", async () => {
    const [mine, theirs] = await Promise.all([createTeam(), createTeam()]);
    const myGroup = await createGroup(mine.admin, "Support", []);
    const theirGroup = await createGroup(theirs.admin, "Support", [userId(theirs, "agent")]);
    const theirAgent = userId(theirs, "agent");
    const theirSchedule = (
      await json(await admin("/schedules", theirs.admin, { method: "POST", json: { name: "Hours", schedule: { weekly: [] } } }), 201)
    ).id;

    const members = await error(await admin(`/skill-groups/${myGroup}/members`, mine.admin, { method: "PUT", json: { user_ids: [theirAgent] } }), 400);
    expect(members).toMatchObject({ code: "invalid_request", details: [theirAgent] });
    expect((await error(await admin(`/users/${theirAgent}/routing`, mine.admin, { method: "PATCH", json: { max_concurrent: 0 } }), 404)).code).toBe("not_found");
    const shift = await error(await admin(`/users/${userId(mine, "agent")}/routing`, mine.admin, { method: "PATCH", json: { shift_schedule_id: theirSchedule } }), 400);
    expect(shift.code).toBe("invalid_request");
    expect((await error(await admin(`/skill-groups/${theirGroup}/stats`, mine.admin), 404)).code).toBe("not_found");
    expect((await error(await admin(`/schedules/${theirSchedule}`, mine.admin, { method: "PUT", json: { name: "Mine now", schedule: { weekly: [] } } }), 404)).code).toBe("not_found");
    const rules = await error(
      await admin("/routing/rules", mine.admin, { method: "POST", json: { rule_set: { rules: [], fallback: [{ type: "route_to_agent", agent: theirAgent, fallback_group: theirGroup }] } } }),
      400,
    );
    expect([...rules.details].sort()).toEqual([`skill group ${theirGroup}`, `user ${theirAgent}`]);

    expect((await json(await admin("/skill-groups", mine.admin), 200)).items.map((g: any) => g.id)).toEqual([myGroup]);
    expect((await json(await admin("/schedules", mine.admin), 200)).items).toEqual([]);
    expect((await json(await admin("/skill-groups", theirs.admin), 200)).items).toEqual([expect.objectContaining({ id: theirGroup, member_ids: [theirAgent] })]);
  });
});

describe("bad admin input", () => {
  let team: Team;
  let groupId: string;

  beforeAll(async () => {
    team = await createTeam();
    groupId = await createGroup(team.admin, "Support", []);
  });

  it("answers 400 invalid_request with the offending paths for an invalid skill group or rule set", async () => {
    const group = await error(await admin("/skill-groups", team.admin, { method: "POST", json: { name: "", policy: "random" } }), 400);
    expect(group.code).toBe("invalid_request");
    expect(group.details.map((d: any) => d.path).sort()).toEqual(["name", "policy"]);

    const ruleSet = await error(
      await admin("/routing/rules", team.admin, {
        method: "POST",
        json: {
          rule_set: {
            rules: [
              { id: "a", name: "a", then: [{ type: "enqueue", group: groupId, priority: 101 }] },
              { id: "a", name: "again", then: [{ type: "enqueue", group: groupId }] },
              { id: "Bad Id", name: "b", then: [{ type: "overflow", after_seconds: 1 }] },
            ],
            fallback: [{ type: "auto_reply", text: "hi" }],
          },
        },
      }),
      400,
    );
    expect(ruleSet.code).toBe("invalid_request");
    const paths = ruleSet.details.map((d: any) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["rule_set.rules.0.then.0.priority", "rule_set.rules.2.id", "rule_set.rules.2.then.0.after_seconds"]));
    // The refinements (terminal fallback, unique ids) run once the shapes are valid.
    const refined = await error(
      await admin("/routing/rules", team.admin, {
        method: "POST",
        json: { rule_set: { rules: [{ id: "a", name: "a", then: [{ type: "enqueue", group: groupId }] }, { id: "a", name: "b", then: [{ type: "enqueue", group: groupId }] }], fallback: [{ type: "auto_reply", text: "hi" }] } },
      }),
      400,
    );
    expect(refined.details.map((d: any) => d.path).sort()).toEqual(["rule_set.fallback", "rule_set.rules.1.id"]);
    expect((await json(await admin("/routing/rules/versions", team.admin), 200)).items).toEqual([]);
  });

  it("answers 400 for invalid schedules, capacities, members and JSON", async () => {
    const badTime = await error(
      await admin("/schedules", team.admin, { method: "POST", json: { name: "Late", schedule: { weekly: [{ day: "mon", start: "25:00", end: "26:00" }] } } }),
      400,
    );
    expect(badTime).toMatchObject({ code: "invalid_request" });
    expect(badTime.details.map((d: any) => d.path)).toEqual(expect.arrayContaining(["schedule.weekly.0.start"]));
    const backwards = await error(
      await admin("/schedules", team.admin, { method: "POST", json: { name: "Backwards", schedule: { weekly: [{ day: "mon", start: "18:00", end: "09:00" }] } } }),
      400,
    );
    expect(backwards.details).toEqual([{ path: "schedule.weekly.0", message: "an interval ends after it starts" }]);
    const zone = await error(await admin("/schedules", team.admin, { method: "POST", json: { name: "Mars", schedule: { timezone: "Mars/Olympus", weekly: [] } } }), 400);
    expect(zone).toMatchObject({ code: "invalid_request", message: "unknown time zone Mars/Olympus" });

    const capacity = await error(await admin(`/users/${userId(team, "agent")}/routing`, team.admin, { method: "PATCH", json: { max_concurrent: -1 } }), 400);
    expect(capacity.details.map((d: any) => d.path)).toEqual(["max_concurrent"]);
    const shift = await error(await admin(`/users/${userId(team, "agent")}/routing`, team.admin, { method: "PATCH", json: { shift_schedule_id: "sch_nope" } }), 400);
    expect(shift.code).toBe("invalid_request");

    const members = await error(await admin(`/skill-groups/${groupId}/members`, team.admin, { method: "PUT", json: { user_ids: ["us_nope", userId(team, "agent")] } }), 400);
    expect(members).toMatchObject({ code: "invalid_request", details: ["us_nope"] });
    expect((await json(await admin("/skill-groups", team.admin), 200)).items[0].member_ids).toEqual([]);

    const notJson = await error(await admin("/skill-groups", team.admin, { method: "POST", body: "{name:" }), 400);
    expect(notJson.code).toBe("invalid_json");
    expect((await error(await admin("/skill-groups/sg_nope/members", team.admin, { method: "PUT", json: { user_ids: [] } }), 404)).code).toBe("not_found");
  });
});

describe("large skill groups", () => {
  it("takes a membership of 150 agents in one request", async () => {
    const team = await createTeam();
    const db = database(env.DB);
    const now = Date.now();
    const ids = Array.from({ length: 150 }, (_, i) => `us_bulk${String(i).padStart(4, "0")}${team.workspaceId.slice(3, 12)}`);
    for (let i = 0; i < ids.length; i += 10) {
      await db.insert(schema.users).values(
        ids.slice(i, i + 10).map((id) => ({ id, workspaceId: team.workspaceId, email: `${id}@bulk.test`, name: id, role: "agent" as const, passwordHash: "x", createdAt: now })),
      );
    }
    const groupId = await createGroup(team.admin, "Bulk", ids);
    const listed = await json<{ items: Array<{ id: string; member_ids: string[] }> }>(await call("/api/admin/skill-groups", { token: team.admin }), 200);
    expect(listed.items.find((g) => g.id === groupId)?.member_ids.sort()).toEqual([...ids].sort());
  });
});
