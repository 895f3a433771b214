import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO, launch, SHOTS, signIn, visitorEnds, widget } from "./browser.ts";

const base = inject("base");
let browser: Browser;
let conversationId: string;
const TEXT = "My number is 13800138000, please call about the broken zipper";

async function staffPage(email: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", acceptDownloads: true })).newPage();
  await signIn(page, base, email);
  await page.click("[data-section=audit]");
  await page.locator("[data-testid=audit]").waitFor();
  return page;
}

/** Searches until the archive pipeline has indexed the conversation (about a second behind). */
async function searchFinds(page: Page, q: string): Promise<void> {
  await page.fill("[data-testid=audit] input[name=q]", q);
  await expect
    .poll(
      async () => {
        await page.click("[data-testid=audit] button[type=submit]");
        return page.locator(`[data-testid=audit-results] .row[data-conversation='${conversationId}']`).count();
      },
      { timeout: 30_000, interval: 1000 },
    )
    .toBe(1);
}

beforeAll(async () => {
  browser = await launch();
  const visitor = await (await browser.newContext({ locale: "en-US" })).newPage();
  await visitor.goto(`${base}/demo/`);
  await widget(visitor).launcher.click();
  await widget(visitor).input.fill(TEXT);
  await widget(visitor).input.press("Enter");
  await visitor.waitForFunction(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.conversation_id, null, { timeout: 15_000 });
  const session = await visitor.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key")!).session);
  conversationId = session.conversation_id;
  await widget(visitor).mine.locator(".sb-mark", { hasText: "Sent" }).waitFor();
  // The visitor ends it: nothing of this file waits in a queue for the next file's agents.
  await visitorEnds(base, conversationId, session.token);
  await visitor.context().close();
});

afterAll(async () => {
  await browser?.close();
});

describe("audit search and transcripts", () => {
  it("finds a conversation by full text and shows an admin its timeline masked, and unmasked on request", async () => {
    const admin = await staffPage("admin@demo.switchboard.test");
    await searchFinds(admin, "broken zipper");
    await admin.click(`[data-testid=audit-results] .row[data-conversation='${conversationId}']`);
    const transcript = admin.locator("[data-testid=audit-transcript]");
    await expect.poll(() => transcript.locator(".bubble .text").allInnerTexts()).toContain("My number is 138****8000, please call about the broken zipper");
    expect(await transcript.locator("[data-testid=masked]").innerText()).toBe("Masked");
    // The timeline has the conversation's events, not only its messages.
    expect(await transcript.locator(".timeline-row[data-type=state_changed]").count()).toBeGreaterThan(0);

    await admin.check("[data-testid=audit] input[name=raw]");
    await admin.click(`[data-testid=audit-results] .row[data-conversation='${conversationId}']`);
    await expect.poll(() => transcript.locator(".bubble .text").allInnerTexts()).toContain(TEXT);
    expect(await transcript.locator("[data-testid=masked]").innerText()).toBe("Unmasked");
    await admin.screenshot({ path: join(SHOTS, "workstation-audit.png"), fullPage: true });
    await admin.context().close();
  });

  it("gives a supervisor the masked transcript only, with no way to unmask it", async () => {
    const supervisor = await staffPage(DEMO.supervisor);
    expect(await supervisor.locator("[data-testid=audit] input[name=raw]").count()).toBe(0);
    await searchFinds(supervisor, "zipper");
    await supervisor.click(`[data-testid=audit-results] .row[data-conversation='${conversationId}']`);
    const transcript = supervisor.locator("[data-testid=audit-transcript]");
    await expect.poll(() => transcript.locator(".bubble .text").allInnerTexts()).toContain("My number is 138****8000, please call about the broken zipper");
    expect(await transcript.innerText()).not.toContain("13800138000");
    await supervisor.context().close();
  });

  it("exports the search's conversations as CSV and NDJSON files", async () => {
    const admin = await staffPage("admin@demo.switchboard.test");
    await searchFinds(admin, "broken zipper");
    const [csv] = await Promise.all([admin.waitForEvent("download"), admin.click("[data-testid=export-csv]")]);
    expect(csv.suggestedFilename()).toBe("switchboard-export.csv");
    const rows = (await readFile((await csv.path())!, "utf8")).trim().split("\r\n");
    expect(rows[0]).toBe("conversation_id,channel,contact_id,seq,at,sender_role,sender_id,visibility,kind,text");
    expect(rows.slice(1).every((r) => r.startsWith(`${conversationId},`))).toBe(true);
    expect(rows.some((r) => r.includes("138****8000") && r.includes("broken zipper"))).toBe(true);

    const [ndjson] = await Promise.all([admin.waitForEvent("download"), admin.click("[data-testid=export-ndjson]")]);
    const lines = (await readFile((await ndjson.path())!, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.conversation.id)).toEqual([conversationId]);
    await admin.context().close();
  });
});
