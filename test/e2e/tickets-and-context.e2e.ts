import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiCall, apiToken, DEMO, goOnline, launch, SHOTS, signIn, visitorEnds, widget, withCapacity } from "./browser.ts";

const base = inject("base");
let browser: Browser;
let visitor: Page;
let agent: Page;
let erp: Server;
let adminToken: string;
let firstConversation: string;
let secondConversation: string;
const lookups: string[] = [];
const contexts: BrowserContext[] = [];
let restoreCapacity: (() => Promise<void>) | undefined;

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  contexts.push(context);
  return context.newPage();
}

const adminApi = (path: string, method: string, body?: unknown): Promise<any> => apiCall(base, adminToken, path, method, body);

const storedConversation = () => visitor.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.conversation_id as string | undefined);

/** The visitor writes; the agent gets the conversation and opens it. */
async function visitorWrites(text: string): Promise<string> {
  const w = widget(visitor);
  await w.input.fill(text);
  await w.input.press("Enter");
  await visitor.waitForFunction(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.conversation_id, null, { timeout: 15_000 });
  const id = (await storedConversation())!;
  await agent.click("[data-section=mine]");
  await agent.locator(`[data-testid=inbox-mine] .row[data-conversation='${id}']`).click({ timeout: 20_000 });
  await agent.locator(`[data-conversation-view='${id}']`).waitFor();
  // The conversation's socket is up once its history is on screen.
  await agent.locator("[data-testid=transcript] .bubble .text", { hasText: text }).waitFor();
  return id;
}

beforeAll(async () => {
  // The company's ERP, answering the "Orders" lookup.
  erp = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tier: "Gold", open_orders: 2 })));
  await new Promise<void>((r) => erp.listen(0, "127.0.0.1", r));
  adminToken = await apiToken(base, "admin@demo.switchboard.test");
  restoreCapacity = await withCapacity(base, DEMO.agent1, 50);
  lookups.push((await adminApi("/api/context-lookups", "POST", { name: "Orders", url_template: `http://127.0.0.1:${(erp.address() as AddressInfo).port}/orders?contact={contact.id}`, timeout_ms: 2000, cache_ttl_seconds: 0 })).id);
  // Nothing listens on port 9 (discard): this lookup is unavailable.
  lookups.push((await adminApi("/api/context-lookups", "POST", { name: "Membership", url_template: "http://127.0.0.1:9/members/{contact.id}", timeout_ms: 500, cache_ttl_seconds: 0 })).id);

  browser = await launch();
  agent = await newPage();
  await signIn(agent, base, DEMO.agent1);
  await goOnline(agent);
  visitor = await newPage();
  await visitor.goto(`${base}/demo/`);
  await widget(visitor).launcher.click();
  firstConversation = await visitorWrites("Where is my order 1001?");
  await agent.click("button.danger");
  await visitor.locator(".sb-ended button").click({ timeout: 15_000 });
  secondConversation = await visitorWrites("The tent from order 1001 is torn.");
});

afterAll(async () => {
  // End what this file started, so no conversation of it waits for an agent in the next file.
  const token = await visitor?.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.token as string | undefined);
  if (secondConversation && token) await visitorEnds(base, secondConversation, token);
  await restoreCapacity?.();
  for (const id of lookups) await adminApi(`/api/context-lookups/${id}`, "DELETE").catch(() => {});
  for (const c of contexts) await c.close();
  await browser?.close();
  await new Promise((r) => erp?.close(r));
});

describe("tickets and the contact's history in the workstation's context panel", () => {
  it("creates a ticket from the conversation with its summary, problem type, priority, owner and promised reply time, and lists it", async () => {
    const tickets = agent.locator("[data-testid=tickets]");
    await expect.poll(() => tickets.innerText()).toContain("No tickets for this conversation.");
    await agent.click("[data-testid=create-ticket]");
    const dialog = agent.locator("[data-testid=ticket-dialog]");
    await dialog.locator("input[name=summary]").fill("Replace torn tent from order 1001");
    await dialog.locator("input[name=problem_type]").fill("Damaged goods");
    await dialog.locator("select[name=priority]").selectOption("high");
    await dialog.locator("select[name=owner]").selectOption({ label: "Alex Agent" });
    await dialog.locator("input[name=expected_reply_at]").fill("2030-01-15T10:00");
    await agent.screenshot({ path: join(SHOTS, "workstation-create-ticket.png") });
    await dialog.locator("button[type=submit]").click();
    await dialog.waitFor({ state: "detached" });

    const row = tickets.locator(".ticket");
    await expect.poll(() => row.innerText()).toContain("Replace torn tent from order 1001");
    const text = await row.innerText();
    for (const part of ["High", "Open", "Damaged goods", "Alex Agent", `reply promised by ${new Date("2030-01-15T10:00").toLocaleString("en-US")}`]) expect(text).toContain(part);
    // It is a real ticket linked to the conversation.
    const { items } = await adminApi(`/api/tickets?conversation_id=${secondConversation}`, "GET");
    expect(items.map((k: { summary: string; priority: string }) => [k.summary, k.priority])).toEqual([["Replace torn tent from order 1001", "high"]]);
    // The link is an event in the conversation itself: the agent's transcript shows it live.
    await expect.poll(() => agent.locator("[data-testid=transcript] .note.internal").allInnerTexts()).toContain("Alex Agent opened a ticket: Replace torn tent from order 1001 (High)");
  });

  it("shows what the company's systems know about the contact, and a system that does not answer as unavailable", async () => {
    const orders = agent.locator("[data-testid=lookup][data-status=ok]");
    await expect.poll(() => orders.innerText()).toContain("Gold");
    expect(await orders.locator("h4").innerText()).toMatch(/orders/i);
    const membership = agent.locator("[data-testid=lookup][data-status=unavailable]");
    expect(await membership.locator("h4").innerText()).toMatch(/membership/i);
    expect(await membership.innerText()).toContain("Unavailable right now");
    await agent.screenshot({ path: join(SHOTS, "workstation-context-panel.png") });
  });

  it("lists the contact's previous conversation, and opening it shows its transcript", async () => {
    const previous = agent.locator(`[data-testid=previous] button[data-conversation='${firstConversation}']`);
    // The list comes from the archive pipeline, which trails the conversation by about a second.
    const shown = async () => {
      if ((await previous.count()) > 0 && (await previous.innerText()).includes("Ended")) return true;
      await agent.reload();
      await agent.locator(`[data-conversation-view='${secondConversation}'] ~ [data-testid=context] [data-testid=previous]`).waitFor();
      return false;
    };
    await expect.poll(shown, { timeout: 30_000, interval: 1000 }).toBe(true);
    await previous.click();
    await agent.locator(`[data-conversation-view='${firstConversation}']`).waitFor();
    await expect.poll(() => agent.locator("[data-testid=transcript] .bubble .text").allInnerTexts()).toContain("Where is my order 1001?");
  });

  it("filters the All inbox by channel and by skill group", async () => {
    await agent.click("[data-section=all]");
    const all = agent.locator("[data-testid=inbox-all]");
    const ours = all.locator(`.row[data-conversation='${secondConversation}']`);
    await ours.waitFor();
    await all.locator("select[name=channel]").selectOption("email");
    await expect.poll(() => ours.count()).toBe(0);
    await all.locator("select[name=channel]").selectOption("web");
    await ours.waitFor();
    await all.locator("select[name=group]").selectOption({ label: "Sales" });
    await expect.poll(() => ours.count()).toBe(0);
    await all.locator("select[name=group]").selectOption({ label: "Support" });
    await ours.waitFor();
    await all.locator("select[name=channel]").selectOption("");
    await all.locator("select[name=group]").selectOption("");
    await agent.click("[data-section=mine]");
  });
});
