import { beforeAll, describe, expect, it } from "vitest";
import { call, json } from "../support/api.ts";
import { createTeam, userId, type Team } from "../support/fixture.ts";

/** Partial updates found while probing every route: a patch changes what it names and nothing else. */
let team: Team;

beforeAll(async () => {
  team = await createTeam();
});

describe("routing admin patches", () => {
  it("refuses a capacity patch that changes nothing with 400, not a server error", async () => {
    const res = await call(`/api/admin/users/${userId(team, "agent")}/routing`, { method: "PATCH", token: team.admin, json: {} });
    expect((await json(res, 400)).error.code).toBe("invalid_request");
  });

  it("keeps a skill group's policy and requeue when only its name is changed", async () => {
    const group = await json(await call("/api/admin/skill-groups", { method: "POST", token: team.admin, json: { name: "Round", policy: "round_robin", requeue: "back" } }), 201);
    const renamed = await json(await call(`/api/admin/skill-groups/${group.id}`, { method: "PATCH", token: team.admin, json: { name: "Renamed" } }), 200);
    expect(renamed).toMatchObject({ name: "Renamed", policy: "round_robin", requeue: "back" });
  });
});

describe("channel and integration patches", () => {
  it("keeps a disabled context lookup disabled, with its timeout and cache, when only its name is changed", async () => {
    const created = await json(
      await call("/api/context-lookups", {
        method: "POST",
        token: team.admin,
        json: { name: "Orders", url_template: "https://crm.test/orders/{contact.id}", timeout_ms: 1000, cache_ttl_seconds: 60, active: false },
      }),
      201,
    );
    const renamed = await json(await call(`/api/context-lookups/${created.id}`, { method: "PATCH", token: team.admin, json: { name: "Old orders" } }), 200);
    expect(renamed).toMatchObject({ name: "Old orders", active: false, timeout_ms: 1000, cache_ttl_seconds: 60 });
  });

  it("keeps a WeChat account's mode and kind when only its token is changed", async () => {
    const created = await json(
      await call("/api/admin/channels/wechat", {
        method: "POST",
        token: team.admin,
        json: { kind: "mini_program", app_id: "wxpatch0001", app_secret: "a-secret-of-16-chars", token: "firsttoken", mode: "plain" },
      }),
      201,
    );
    const changed = await json(await call(`/api/admin/channels/wechat/${created.id}`, { method: "PATCH", token: team.admin, json: { token: "secondtoken" } }), 200);
    expect(changed).toMatchObject({ kind: "mini_program", mode: "plain" });
  });
});

