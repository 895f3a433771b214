import { beforeAll, describe, expect, it } from "vitest";
import { call, json, post } from "../support/api.ts";
import { createTeam, type Team } from "../support/fixture.ts";

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

const list = async (token: string) => (await json(await call("/api/canned-replies", { token }), 200)).items;

describe("canned replies", () => {
  it("lets a supervisor save one that every agent of the workspace then reads, sorted by title", async () => {
    await json(await post("/api/canned-replies", team.supervisor, { title: "Shipping times", body: "Delivery takes 2–4 working days." }), 201);
    const created = await json(await post("/api/canned-replies", team.admin, { title: "Greeting", body: "Hello! How can I help?" }), 201);
    expect(created).toMatchObject({ id: expect.stringMatching(/^cr_/), title: "Greeting", body: "Hello! How can I help?" });
    const items = await list(team.agent);
    expect(items.map((r: any) => r.title)).toEqual(["Greeting", "Shipping times"]);
    expect(await list(other.agent)).toEqual([]);
  });

  it("refuses changes from an agent", async () => {
    const res = await post("/api/canned-replies", team.agent, { title: "Mine", body: "text" });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe("forbidden");
  });

  it("explains an empty title or body, and a title already taken", async () => {
    const bad = await json(await post("/api/canned-replies", team.admin, { title: " ", body: "" }), 400);
    expect(bad.error.code).toBe("invalid_request");
    expect(bad.error.details.map((d: any) => d.path).sort()).toEqual(["body", "title"]);
    await json(await post("/api/canned-replies", team.admin, { title: "Refunds", body: "Refunds take 5 days." }), 201);
    const again = await json(await post("/api/canned-replies", team.admin, { title: "Refunds", body: "other" }), 400);
    expect(again.error.message).toContain("already exists");
  });

  it("updates and deletes one, and answers 404 for another workspace's", async () => {
    const r = await json(await post("/api/canned-replies", team.admin, { title: "Hours", body: "9 to 6" }), 201);
    const updated = await json(await call(`/api/canned-replies/${r.id}`, { method: "PUT", token: team.supervisor, json: { title: "Opening hours", body: "9:00–18:00" } }), 200);
    expect(updated).toMatchObject({ id: r.id, title: "Opening hours", body: "9:00–18:00" });
    expect((await call(`/api/canned-replies/${r.id}`, { method: "DELETE", token: other.admin })).status).toBe(404);
    expect((await call(`/api/canned-replies/${r.id}`, { method: "DELETE", token: team.admin })).status).toBe(204);
    expect((await list(team.agent)).map((x: any) => x.id)).not.toContain(r.id);
  });
});
