import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { faultConfig } from "../../workers/faults/config.ts";
import { call, json } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

describe("the load harness's fault hooks", () => {
  it("are not reachable when FAULTS is not set", async () => {
    const visitor = await newVisitor(team);
    const res = await call("/api/_faults/evict", { method: "POST", token: team.admin, json: { conversation_ids: [visitor.conversation_id] } });
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
    expect(env.FAULTS).toBeUndefined();
  });

  it("stay off outside development whatever FAULTS says", () => {
    expect(faultConfig({ ENVIRONMENT: "production", FAULTS: "evict,consumer_fail=1" })).toBeNull();
  });

  it("read the faults the bench asked for in development", () => {
    expect(faultConfig({ ENVIRONMENT: "development", FAULTS: "evict,consumer_fail=0.3" })).toEqual({ evict: true, consumerFailShare: 0.3 });
    expect(faultConfig({ ENVIRONMENT: "development", FAULTS: "hooks" })).toEqual({ evict: false, consumerFailShare: 0 });
  });
});
