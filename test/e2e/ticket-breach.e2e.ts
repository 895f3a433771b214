import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiToken, DEMO, goOnline, launch, SHOTS, signIn, visitorEnds, withCapacity } from "./browser.ts";

const base = inject("base");
let browser: Browser;
let agent: Page;
let visitor: { token: string; conversation_id: string };
let restoreCapacity: (() => Promise<void>) | undefined;

async function call(path: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

beforeAll(async () => {
  restoreCapacity = await withCapacity(base, DEMO.agent1, 50);
  browser = await launch();
  agent = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" })).newPage();
  await signIn(agent, base, DEMO.agent1);
  await goOnline(agent);
  // A customer's conversation, through the widget API.
  const res = await fetch(`${base}/api/widget/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ widget_key: "wk_demo_public_key" }) });
  visitor = (await res.json()) as typeof visitor;
  await call(`/api/conversations/${visitor.conversation_id}/messages`, visitor.token, { client_msg_id: "breach-1", content: { kind: "text", text: "Please call me back about my invoice." } });
});

afterAll(async () => {
  if (visitor) await visitorEnds(base, visitor.conversation_id, visitor.token);
  await restoreCapacity?.();
  await browser?.close();
});

describe("a ticket that misses its promised reply time", () => {
  it("tells its owner on the workstation, and Open shows the ticket's conversation", async () => {
    const agentToken = await apiToken(base, DEMO.agent1);
    const me = (await call("/api/directory", agentToken)).users.find((u: { email: string }) => u.email === DEMO.agent1);
    // The customer was promised a reply a minute ago.
    await call("/api/tickets", agentToken, { summary: "Call back about invoice 2207", conversation_id: visitor.conversation_id, owner_id: me.id, expected_reply_at: Date.now() - 60_000 });
    // The SLA sweep runs from the cron trigger (every 5 minutes); wrangler dev runs it on request.
    const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
    expect(cron.status).toBe(200);

    const toast = agent.locator("[data-testid=toast]", { hasText: "Call back about invoice 2207" });
    await toast.waitFor({ timeout: 15_000 });
    expect(await toast.locator("span").innerText()).toBe("Ticket \u201cCall back about invoice 2207\u201d missed its promised reply time.");
    await agent.screenshot({ path: join(SHOTS, "workstation-ticket-breached.png") });
    await toast.locator("button", { hasText: "Open" }).click();
    await agent.locator(`[data-conversation-view='${visitor.conversation_id}']`).waitFor();
    await expect.poll(() => agent.locator("[data-testid=tickets]").innerText()).toContain("SLA breached");
  });
});
