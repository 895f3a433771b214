import { beforeAll, describe, expect, it } from "vitest";
import { call, json } from "../support/api.ts";
import { createTeam, type Team } from "../support/fixture.ts";

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

describe("calls from another origin (the widget on a customer's site, a Pages-hosted workstation)", () => {
  it("answers a preflight for a JSON POST to the widget sessions endpoint", async () => {
    const res = await call("/api/widget/sessions", {
      method: "OPTIONS",
      headers: { origin: "https://shop.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("lets a page on another origin read the visitor session it started", async () => {
    const res = await call("/api/widget/sessions", {
      method: "POST",
      headers: { origin: "https://shop.example", "content-type": "application/json" },
      body: JSON.stringify({ widget_key: team.seed.workspace.widgetKey }),
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect((await json(res, 201)).conversation_id).toMatch(/^cv_/);
  });
});
