import { beforeAll, describe, expect, it } from "vitest";
import { call, json, post } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

describe("the workspace directory", () => {
  it("lists the workspace's users with their role and capacity to an agent", async () => {
    const dir = await json(await call("/api/directory", { token: team.agent }), 200);
    expect(dir.users.map((u: any) => u.id).sort()).toEqual(team.seed.users.map((u) => u.id).sort());
    const agent = dir.users.find((u: any) => u.role === "agent");
    expect(agent).toMatchObject({ max_concurrent: 5, shift_schedule_id: null });
    expect(agent.email).toContain("@");
    expect(JSON.stringify(dir)).not.toContain("password");
  });

  it("lists skill groups an admin created, and nothing from another workspace", async () => {
    const created = await json(await post("/api/admin/skill-groups", team.admin, { name: "Billing" }), 201);
    await json(await post("/api/admin/skill-groups", other.admin, { name: "Elsewhere" }), 201);
    const dir = await json(await call("/api/directory", { token: team.agent }), 200);
    expect(dir.groups).toContainEqual({ id: created.id, name: "Billing" });
    expect(dir.groups.map((g: any) => g.name)).not.toContain("Elsewhere");
    expect(dir.users.map((u: any) => u.id)).not.toContain(other.seed.users[0]!.id);
  });

  it("is closed to visitors", async () => {
    const visitor = await newVisitor(team);
    const res = await call("/api/directory", { token: visitor.token });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe("forbidden");
  });
});
