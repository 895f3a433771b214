import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, SHOTS, signIn, visitorEnds, widget } from "./browser.ts";

const base = inject("base");
let browser: Browser;
let admin: Page;
let adminToken: string;
const today = new Date().toISOString().slice(0, 10);

async function metrics(query: string): Promise<any> {
  const res = await fetch(`${base}/api/metrics?${query}`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  browser = await launch();
  // A conversation today, so the dashboard has something to count (metrics come from the archive pipeline).
  const visitor = await (await browser.newContext({ locale: "en-US" })).newPage();
  await visitor.goto(`${base}/demo/`);
  await widget(visitor).launcher.click();
  await widget(visitor).input.fill("How long is the warranty?");
  await widget(visitor).input.press("Enter");
  await visitor.waitForFunction(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.conversation_id, null, { timeout: 15_000 });
  const session = await visitor.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key")!).session);
  // Counted once it started; ended so that it waits in no queue for the next file's agents.
  await widget(visitor).mine.locator(".sb-mark", { hasText: "Sent" }).waitFor();
  await visitorEnds(base, session.conversation_id, session.token);
  await visitor.context().close();

  admin = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", timezoneId: "UTC" })).newPage();
  await signIn(admin, base, "admin@demo.switchboard.test");
  adminToken = await admin.evaluate(() => JSON.parse(localStorage.getItem("switchboard:workstation")!).token);
  await admin.click("[data-section=metrics]");
  await admin.locator("[data-testid=metrics]").waitFor();
});

afterAll(async () => {
  await browser?.close();
});

describe("the metrics dashboard", () => {
  it("shows the range's volume, first response time, queue wait and resolution rate as the API computes them", async () => {
    // Until the pipeline has counted today's conversations, refresh; then the tiles match the API.
    await expect
      .poll(
        async () => {
          await admin.click("[data-testid=refresh]");
          const api = (await metrics(`from=${new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10)}&to=${today}`)).totals;
          const tile = await admin.locator("[data-testid=tile-volume] .tile-value").innerText();
          return api.started > 0 && tile === String(api.started);
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
    for (const tile of ["tile-frt", "tile-wait", "tile-resolution"]) expect(await admin.locator(`[data-testid=${tile}] .tile-value`).innerText()).toMatch(/^(—|\d+(\.\d)? (s|min|%))$/);
    // Seven days, one point each on the volume chart, today's at the API's count.
    const volume = admin.locator("[data-testid=chart-volume] circle");
    expect(await volume.count()).toBe(7);
    expect(await volume.last().locator("title").textContent()).toMatch(new RegExp(`${today.slice(5)}: \\d+$`));
    await admin.screenshot({ path: join(SHOTS, "workstation-metrics.png"), fullPage: true });
  });

  it("splits every chart by channel, one line per channel with a legend", async () => {
    await admin.selectOption("select[name=by]", "channel");
    const api = await metrics(`from=${new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10)}&to=${today}&by=channel`);
    const keys = api.series.map((s: { key: string }) => s.key).sort();
    expect(keys).toContain("web");
    await expect.poll(async () => (await admin.locator("[data-testid=chart-volume] [data-series]").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-series")))).sort()).toEqual(keys);
    expect(await admin.locator("[data-testid=chart-volume] .legend").innerText()).toContain("web");
  });

  it("shows one point per hour when the range is one day by the hour", async () => {
    await admin.selectOption("select[name=by]", "workspace");
    await admin.fill("input[name=from]", today);
    await admin.selectOption("select[name=bucket]", "hour");
    await expect.poll(() => admin.locator("[data-testid=chart-volume] circle").count()).toBe(24);
  });
});
