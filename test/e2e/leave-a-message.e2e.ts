import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiCall, apiToken, DEMO, expectCount, launch, SHOTS, signIn, visitorEnds, widget } from "./browser.ts";

const base = inject("base");
let browser: Browser;
let adminToken: string;
let liveVersion: number | undefined;
const contexts: BrowserContext[] = [];

const adminApi = (path: string, method = "GET", body?: unknown): Promise<any> => apiCall(base, adminToken, path, method, body);

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  contexts.push(context);
  return context.newPage();
}

beforeAll(async () => {
  adminToken = await apiToken(base, "admin@demo.switchboard.test");
  // A night desk nobody staffs, and a rule that sends its page's visitors to leave a message
  // when none of its agents is online — the live rules otherwise unchanged.
  const night = await adminApi("/api/admin/skill-groups", "POST", { name: `Night desk ${Date.now()}` });
  const live = await adminApi("/api/admin/routing/rules");
  liveVersion = live.version;
  const rule = {
    id: "e2e-night-desk",
    name: "Night desk: leave a message when nobody is online",
    when: [{ type: "entry_page", glob: "*night-desk*" }, { type: "not", condition: { type: "group_available", group: night.id, min_online: 1 } }],
    then: [{ type: "offline" }],
  };
  await adminApi("/api/admin/routing/rules", "POST", { rule_set: { ...live.body, rules: [rule, ...live.body.rules] }, note: "e2e: leave a message" });
  browser = await launch();
});

afterAll(async () => {
  if (liveVersion !== undefined) await adminApi(`/api/admin/routing/rules/versions/${liveVersion}/restore`, "POST", {});
  for (const c of contexts) await c.close();
  await browser?.close();
});

describe("leave a message when nobody is online", () => {
  it("tells the visitor to leave a message, keeps what they write, and shows it to an agent as an offline conversation", async () => {
    const visitor = await newPage();
    await visitor.goto(`${base}/demo/?from=night-desk`);
    const w = widget(visitor);
    await w.launcher.click();
    await w.input.fill("Is anyone there? My order has not arrived.");
    await w.input.press("Enter");
    await visitor.locator(".sb-leave").waitFor({ timeout: 15_000 });
    expect(await visitor.locator(".sb-leave").innerText()).toBe("Nobody is available right now. Leave a message and we will get back to you.");
    await w.input.fill("Order 4411, please email me.");
    await w.input.press("Enter");
    await expectCount(w.bubbles, "Order 4411, please email me.", 1);
    await visitor.screenshot({ path: join(SHOTS, "widget-leave-a-message.png") });
    const session = await visitor.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key")!).session as { conversation_id: string; token: string });

    const agent = await newPage();
    await signIn(agent, base, DEMO.agent1);
    await agent.click("[data-section=all]");
    const all = agent.locator("[data-testid=inbox-all]");
    await all.locator("select[name=state]").selectOption("offline");
    const row = all.locator(`.row[data-conversation='${session.conversation_id}']`);
    // The list is D1's index, fed by the archive queue; it refreshes every 15 s.
    await expect.poll(async () => ((await row.count()) ? row.innerText() : ""), { timeout: 40_000, interval: 500 }).toContain("Offline (left message)");
    await row.click();
    const transcript = agent.locator("[data-testid=transcript] .bubble .text");
    await expect.poll(() => transcript.allInnerTexts()).toEqual(["Is anyone there? My order has not arrived.", "Order 4411, please email me."]);
    await agent.screenshot({ path: join(SHOTS, "workstation-offline-conversation.png") });
    await visitorEnds(base, session.conversation_id, session.token);
  });
});
