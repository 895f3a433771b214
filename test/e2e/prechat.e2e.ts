import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiToken, launch, SHOTS, visitorEnds, widget } from "./browser.ts";

const base = inject("base");
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

describe("the widget's pre-chat form", () => {
  it("asks for name and email before the first message, and the team sees who is writing", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" })).newPage();
    // A host page of the shop's own, on the same origin, embedding the widget with data-prechat.
    await page.route(`${base}/prechat-host.html`, (route) =>
      route.fulfill({ contentType: "text/html", body: `<!doctype html><title>Host</title><h1>Shop</h1><script src="/widget.js" data-key="wk_demo_public_key" data-prechat="true" async></script>` }),
    );
    await page.goto(`${base}/prechat-host.html`);
    const w = widget(page);
    await w.launcher.click();
    const form = page.locator(".sb-prechat");
    await expect.poll(() => form.innerText()).toContain("Before we start, tell us who you are (optional).");
    expect(await w.input.count()).toBe(0);
    await form.locator("input").first().fill("Li Lei");
    await form.locator("input[type=email]").fill("li.lei@example.com");
    await page.screenshot({ path: join(SHOTS, "widget-prechat.png") });
    await form.locator("button[type=submit]").click();

    await w.input.fill("Do you have the tent in green?");
    await w.input.press("Enter");
    await page.waitForFunction(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.conversation_id, null, { timeout: 15_000 });
    const session = await page.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key")!).session);
    const res = await fetch(`${base}/api/conversations/${session.conversation_id}`, { headers: { authorization: `Bearer ${await apiToken(base, "admin@demo.switchboard.test")}` } });
    const snapshot = (await res.json()) as { contact: { name: string | null } };
    expect(snapshot.contact.name).toBe("Li Lei");
    await visitorEnds(base, session.conversation_id, session.token);
    await page.context().close();
  });
});
