import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiCall, apiToken, DEMO, goOnline, launch, SHOTS, signIn, widget, withCapacity } from "./browser.ts";

const base = inject("base");
const ADMIN = "admin@demo.switchboard.test";
let browser: Browser;
let admin: Page;
let supervisor: Page;
let agent: Page;
let conversationId: string;
let agentId: string;
let adminToken: string;
const contexts: BrowserContext[] = [];
let restoreCapacity: (() => Promise<void>) | undefined;
let restoreSampling: unknown;
const cardName = `Service basics ${Date.now()}`;

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  contexts.push(context);
  return context.newPage();
}

const adminApi = (path: string, method = "GET", body?: unknown): Promise<any> => apiCall(base, adminToken, path, method, body);

/** Polls (outside a test, where expect.poll is not allowed) until `f` holds, or fails naming what it awaited. */
async function until(what: string, f: () => Promise<boolean>, timeout = 30_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The demo workspace's days are UTC days. */
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  adminToken = await apiToken(base, ADMIN);
  restoreSampling = await adminApi("/api/qa/settings");
  // Every ended conversation of the day is reviewed, so this file's one certainly is.
  await adminApi("/api/qa/settings", "PUT", { sample_percent: 100, low_rating_max: 2, review_transfers: true });
  restoreCapacity = await withCapacity(base, DEMO.agent1, 50);
  browser = await launch();

  // A conversation served and ended: the visitor leaves an email address the review must not show.
  agent = await newPage();
  await signIn(agent, base, DEMO.agent1);
  await goOnline(agent);
  const visitor = await newPage();
  await visitor.goto(`${base}/demo/`);
  const w = widget(visitor);
  await w.launcher.click();
  await w.input.fill("My parcel never came, write to jane.doe@example.com");
  await w.input.press("Enter");
  await visitor.waitForFunction(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.conversation_id, null, { timeout: 15_000 });
  conversationId = await visitor.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key")!).session.conversation_id as string);
  await agent.locator(`[data-testid=inbox-mine] .row[data-conversation='${conversationId}']`).click({ timeout: 20_000 });
  await agent.locator("[data-testid=transcript] .bubble .text", { hasText: "parcel" }).waitFor();
  await agent.fill("[data-testid=composer]", "Sorry about that, I am sending a new one today.");
  await agent.press("[data-testid=composer]", "Enter");
  await w.bubbles.filter({ hasText: "Sorry about that, I am sending a new one today." }).waitFor({ timeout: 15_000 });
  await agent.click("button.danger");
  await visitor.locator(".sb-ended button").waitFor({ timeout: 15_000 });
  agentId = (await adminApi("/api/directory")).users.find((u: { email: string }) => u.email === DEMO.agent1).id;

  // The end reaches the metric facts through the archive queue; sample the day once it has.
  await until("the ended conversation sampled for review", async () =>
    (await adminApi("/api/qa/sample", "POST", { day: today() })).selected.some((s: { conversation_id: string }) => s.conversation_id === conversationId),
  );

  admin = await newPage();
  await signIn(admin, base, ADMIN);
  await admin.selectOption("[data-testid=presence]", "away");
  supervisor = await newPage();
  await signIn(supervisor, base, DEMO.supervisor);
  await supervisor.selectOption("[data-testid=presence]", "away");
}, 120_000);

afterAll(async () => {
  await restoreCapacity?.();
  if (restoreSampling) await adminApi("/api/qa/settings", "PUT", restoreSampling);
  for (const c of contexts) await c.close();
  await browser?.close();
});

describe("quality review on the workstation", () => {
  it("lets an admin create a scorecard with weighted criteria", async () => {
    await admin.click("[data-section=quality]");
    await admin.click("[data-tab=scorecards]");
    const form = admin.locator("[data-testid=scorecard-new]");
    await form.locator("input[name=name]").fill(cardName);
    await form.locator("input[name=pass_mark]").fill("80");
    await form.locator("[data-testid=add-criterion]").click();
    const rows = form.locator("[data-testid=criterion-row]");
    for (const [i, [id, label, weight]] of [["greeting", "Greets the customer", "1"], ["accuracy", "Solves the problem correctly", "3"]].entries()) {
      await rows.nth(i).locator("input[name=criterion_id]").fill(id!);
      await rows.nth(i).locator("input[name=criterion_label]").fill(label!);
      await rows.nth(i).locator("input[name=criterion_weight]").fill(weight!);
    }
    await form.locator("button.primary").click();
    const card = admin.locator("[data-testid=scorecard]", { hasText: cardName });
    await card.waitFor();
    expect(await card.innerText()).toContain("Solves the problem correctly (accuracy) × 3");
  });

  it("shows the admin the API's error for a scorecard without a name, and creates nothing", async () => {
    const form = admin.locator("[data-testid=scorecard-new]");
    const rows = form.locator("[data-testid=criterion-row]");
    await rows.nth(0).locator("input[name=criterion_id]").fill("tone");
    await rows.nth(0).locator("input[name=criterion_label]").fill("Friendly tone");
    await form.locator("button.primary").click();
    await expect.poll(() => form.locator(".error").innerText()).toContain("invalid_request");
    expect(await form.locator(".error").innerText()).toContain("name");
    expect((await adminApi("/api/qa/scorecards")).items.filter((c: { name: string }) => c.name === "").length).toBe(0);
  });

  it("lists the ended conversation in a supervisor's review queue and opens its transcript masked", async () => {
    await supervisor.click("[data-section=quality]");
    const row = supervisor.locator(`[data-testid=review-queue] .row[data-conversation='${conversationId}']`);
    await row.waitFor();
    expect(await row.innerText()).toContain("Alex Agent");
    expect(await row.innerText()).toContain("Sampled");
    await row.click();
    const transcript = supervisor.locator("[data-testid=review-transcript]");
    await expect.poll(() => transcript.locator(".bubble .text").allInnerTexts()).toContain("Sorry about that, I am sending a new one today.");
    expect(await transcript.locator("[data-testid=masked]").innerText()).toBe("Masked");
    const text = await transcript.innerText();
    expect(text).toContain("My parcel never came");
    expect(text).not.toContain("jane.doe@example.com");
  });

  it("scores the conversation against the scorecard and shows the weighted verdict", async () => {
    const form = supervisor.locator("[data-testid=score-form]");
    await form.locator("select[name=scorecard]").selectOption({ label: cardName });
    await form.locator("input[name=score-greeting]").fill("100");
    await form.locator("input[name=score-accuracy]").fill("70");
    await form.locator("textarea[name=comment]").fill("Apologise, then say when it ships.");
    await supervisor.screenshot({ path: join(SHOTS, "workstation-quality-review.png") });
    await form.locator("button.primary").click();
    // (100 × 1 + 70 × 3) / 4 = 77.5, below the pass mark of 80.
    await expect.poll(() => form.locator("[data-testid=verdict]").innerText()).toBe("77.5 · Failed");
    const [review] = (await adminApi(`/api/qa/reviews?status=done&agent_id=${agentId}`)).items.filter((r: { conversation_id: string }) => r.conversation_id === conversationId);
    expect(review).toMatchObject({ total: 77.5, passed: false, comment: "Apologise, then say when it ships.", scores: { greeting: 100, accuracy: 70 } });
    // Reviewed, it leaves the queue of what is still to review.
    await expect.poll(() => supervisor.locator(`[data-testid=review-queue] .row[data-conversation='${conversationId}']`).count()).toBe(0);
  });

  it("shows the agent's result among the per-agent results", async () => {
    await supervisor.click("[data-tab=qa_results]");
    const line = supervisor.locator(`[data-testid=qa-results] tr[data-agent='${agentId}']`);
    await line.waitFor();
    const cells = await line.locator("td").allInnerTexts();
    const { items } = await adminApi(`/api/qa/results?from=${today()}&to=${today()}`);
    const mine = items.find((r: { agent_id: string }) => r.agent_id === agentId);
    expect(cells[0]).toBe("Alex Agent");
    expect(Number(cells[1])).toBe(mine.reviewed);
    expect(cells[4]).toBe(String(mine.avg_total));
    await supervisor.screenshot({ path: join(SHOTS, "workstation-quality-results.png") });
  });

  it("shows the agent their own result and nothing to review", async () => {
    await agent.click("[data-section=quality]");
    const lines = agent.locator("[data-testid=qa-results] tbody tr");
    await expect.poll(() => lines.count()).toBe(1);
    expect(await lines.first().getAttribute("data-agent")).toBe(agentId);
    expect((await lines.first().locator("td").allInnerTexts())[0]).toBe("Alex Agent");
    expect(await agent.locator("[data-testid=review-queue], [data-tab=review_queue]").count()).toBe(0);
  });
});
