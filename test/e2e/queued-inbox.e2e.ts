import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiCall, apiToken, DEMO, launch, SHOTS, signIn, visitorEnds, widget } from "./browser.ts";

const base = inject("base");
let browser: Browser;
let adminToken: string;
let liveVersion: number | undefined;
let deskId: string;
let agent: Page | undefined;
const contexts: BrowserContext[] = [];
const visitors: { conversation_id: string; token: string }[] = [];

const adminApi = (path: string, method = "GET", body?: unknown): Promise<any> => apiCall(base, adminToken, path, method, body);

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  contexts.push(context);
  return context.newPage();
}

/** A visitor on the desk's page writes; the conversation waits, since the desk's only agent is away. */
async function visitorWrites(text: string): Promise<void> {
  const visitor = await newPage();
  await visitor.goto(`${base}/demo/?from=returns-desk`);
  const w = widget(visitor);
  await w.launcher.click();
  await w.input.fill(text);
  await w.input.press("Enter");
  await visitor.waitForFunction(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.conversation_id, null, { timeout: 15_000 });
  visitors.push(await visitor.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key")!).session as { conversation_id: string; token: string }));
}

beforeAll(async () => {
  adminToken = await apiToken(base, "admin@demo.switchboard.test");
  const agentId = (await adminApi("/api/directory")).users.find((u: { email: string }) => u.email === DEMO.agent2).id;
  // A desk of its own, so no agent of another file can take what waits in it.
  deskId = (await adminApi("/api/admin/skill-groups", "POST", { name: `Returns desk ${Date.now()}` })).id;
  await adminApi(`/api/admin/skill-groups/${deskId}/members`, "PUT", { user_ids: [agentId] });
  const live = await adminApi("/api/admin/routing/rules");
  liveVersion = live.version;
  const rule = { id: "e2e-returns-desk", name: "Returns page to the returns desk", when: [{ type: "entry_page", glob: "*returns-desk*" }], then: [{ type: "enqueue", group: deskId, priority: 50 }] };
  await adminApi("/api/admin/routing/rules", "POST", { rule_set: { ...live.body, rules: [rule, ...live.body.rules] }, note: "e2e: queued inbox" });
  browser = await launch();
});

afterAll(async () => {
  for (const v of visitors) await visitorEnds(base, v.conversation_id, v.token);
  // Presence outlives the page: leave the agent Online, as the other files find them.
  if (agent) {
    await agent.selectOption("[data-testid=presence]", "online");
    const presence = async () => (await adminApi(`/api/admin/skill-groups/${deskId}/stats`)).agents[0]?.presence;
    for (let i = 0; i < 50 && (await presence()) !== "online"; i++) await new Promise((r) => setTimeout(r, 200));
    if ((await presence()) !== "online") throw new Error(`${DEMO.agent2} did not come back Online`);
  }
  if (liveVersion !== undefined) await adminApi(`/api/admin/routing/rules/versions/${liveVersion}/restore`, "POST", {});
  for (const c of contexts) await c.close();
  await browser?.close();
});

describe("the Queued inbox", () => {
  it("shows each waiting conversation at its place in its group's queue, from one request", async () => {
    agent = await newPage();
    await signIn(agent, base, DEMO.agent2);
    await agent.selectOption("[data-testid=presence]", "away");
    await expect.poll(async () => (await adminApi(`/api/admin/skill-groups/${deskId}/stats`)).agents.map((a: { presence: string }) => a.presence)).toEqual(["away"]);
    await visitorWrites("I want to return a tent.");
    await visitorWrites("And I want to return a stove.");

    const requests: string[] = [];
    agent.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await agent.click("[data-section=queued]");
    const desk = agent.locator(`[data-testid=inbox-queued] [data-group='${deskId}']`);
    // The rows' previews come from the D1 index, which trails the conversation: the list refreshes every 10 s.
    await expect.poll(() => desk.locator(".row").allInnerTexts(), { timeout: 30_000, interval: 500 }).toEqual([
      expect.stringMatching(/^#1 · .*I want to return a tent\./s),
      expect.stringMatching(/^#2 · .*And I want to return a stove\./s),
    ]);
    expect(await desk.locator(".group-head").textContent()).toMatch(/^Returns desk \d+ 2$/);
    expect(await desk.locator(".row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-conversation")))).toEqual(visitors.map((v) => v.conversation_id));
    // No snapshot per conversation: the queues come in one request (again every 10 s).
    expect(requests.filter((p) => p.startsWith("/api/conversations/"))).toEqual([]);
    expect(requests.filter((p) => p === "/api/queues").length).toBeGreaterThanOrEqual(1);
    await agent.screenshot({ path: join(SHOTS, "workstation-queued.png") });
  });
});
