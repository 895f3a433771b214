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
