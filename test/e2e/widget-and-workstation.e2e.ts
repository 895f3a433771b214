import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO, expectCount, launch, SHOTS, signIn, texts, widget } from "./browser.ts";

const base = inject("base");
let browser: Browser;
let visitorContext: BrowserContext;
let visitor: Page;
let agent1: Page;
let agent2: Page;
const contexts: BrowserContext[] = [];

async function newPage(viewport = { width: 1280, height: 800 }): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext({ viewport, locale: "en-US" });
  contexts.push(context);
  return [context, await context.newPage()];
}

beforeAll(async () => {
  browser = await launch();
  [, agent1] = await newPage();
  await signIn(agent1, base, DEMO.agent1);
  [visitorContext, visitor] = await newPage();
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
});

/** The agent's transcript texts (bubbles), for counting exact copies. */
const agentBubbles = (page: Page) => page.locator("[data-testid=transcript] .bubble .text");

async function agentOpens(page: Page, conversationId: string) {
  await page.click("[data-section=mine]");
  await page.locator(`.row[data-conversation='${conversationId}']`).click();
  await page.locator(`[data-conversation-view='${conversationId}']`).waitFor();
}

let conversationId: string;

describe("a visitor on the demo shop and an agent on the workstation", () => {
  it("assigns the visitor's first message to the signed-in agent, who replies, and the visitor sees the reply", async () => {
    await visitor.goto(`${base}/demo/?page=tents`);
    await visitor.goto(`${base}/demo/?utm_source=newsletter&utm_campaign=spring`);
    const w = widget(visitor);
    await w.launcher.click();
    await w.input.fill("Hello, do you ship to Lyon?");
    await w.input.press("Enter");

    // The agent is told, and the conversation is in their inbox with the message.
    await agent1.locator("[data-testid=toast]").first().waitFor();
    const row = agent1.locator("[data-testid=inbox-mine] .row").first();
    await row.waitFor();
    conversationId = (await row.getAttribute("data-conversation"))!;
    await expect.poll(() => row.locator("[data-testid=unread]").innerText()).toBe("1");
    await agentOpens(agent1, conversationId);
    await expectCount(agentBubbles(agent1), "Hello, do you ship to Lyon?", 1);
    // The context panel shows where the visitor came from and what they viewed.
    const context = agent1.locator("[data-testid=context]");
    await expect.poll(() => context.innerText()).toContain("source=newsletter · campaign=spring");
    expect(await context.locator(".trail li").count()).toBe(2);

    await agent1.fill("[data-testid=composer]", "Yes, delivery to France takes 3 days.");
    await agent1.press("[data-testid=composer]", "Enter");
    await expectCount(w.bubbles, "Yes, delivery to France takes 3 days.", 1);
    await expect.poll(() => w.status.innerText()).toContain("Alex Agent");
  });

  it("marks the visitor's message read once the agent has it on screen", async () => {
    await expect.poll(() => texts(widget(visitor).mine.locator(".sb-mark"))).toEqual(["Read"]);
  });

  it("shows typing both ways", async () => {
    const w = widget(visitor);
    await w.input.fill("I am wri");
    await expect.poll(() => agent1.locator(".typing").innerText()).toContain("is typing");
    await w.input.fill("");
    await agent1.fill("[data-testid=composer]", "Let me che");
    await expect.poll(() => visitor.locator(".sb-typing").innerText()).toBe("Alex Agent is typing…");
    await agent1.fill("[data-testid=composer]", "");
  });

  it("loses and doubles nothing when the visitor's network drops and comes back", async () => {
    const w = widget(visitor);
    await visitorContext.setOffline(true);
    await expect.poll(() => visitor.locator(".sb-banner").first().innerText()).toContain("No connection");
    await w.input.fill("Written while offline, one");
    await w.input.press("Enter");
    await w.input.fill("Written while offline, two");
    await w.input.press("Enter");
    await agent1.fill("[data-testid=composer]", "Sent while the visitor was away");
    await agent1.press("[data-testid=composer]", "Enter");
    await expect.poll(() => texts(w.mine.locator(".sb-mark"))).toEqual(["Read", "Sending", "Sending"]);

    await visitorContext.setOffline(false);
    for (const text of ["Written while offline, one", "Written while offline, two"]) {
      await expectCount(agentBubbles(agent1), text, 1);
      await expectCount(w.bubbles, text, 1);
    }
    await expectCount(w.bubbles, "Sent while the visitor was away", 1);
    // Whatever retries happened, each message is stored once: the agent's transcript has every message once.
    expect(await texts(agentBubbles(agent1))).toEqual([
      "Hello, do you ship to Lyon?",
      "Yes, delivery to France takes 3 days.",
      // Stored while the visitor was cut off, so it comes before their re-sent messages.
      "Sent while the visitor was away",
      "Written while offline, one",
      "Written while offline, two",
    ]);
  });

  it("keeps the transcript across a page reload", async () => {
    await visitor.reload();
    const w = widget(visitor);
    await w.launcher.click();
    await expectCount(w.bubbles, "Sent while the visitor was away", 1);
    expect(await texts(w.bubbles)).toEqual([
      "Hi! How can we help you today?",
      "Hello, do you ship to Lyon?",
      "Yes, delivery to France takes 3 days.",
      // Stored while the visitor was cut off, so it comes before their re-sent messages.
      "Sent while the visitor was away",
      "Written while offline, one",
      "Written while offline, two",
    ]);
  });

  it("never shows an internal note (whisper) in the widget", async () => {
    await agent1.check("[data-testid=internal]");
    await agent1.fill("[data-testid=composer]", "Internal: customer is a repeat buyer");
    await agent1.press("[data-testid=composer]", "Enter");
    await expect.poll(() => agent1.locator(".msg.internal .mark").last().innerText()).not.toContain("sending");
    await agent1.uncheck("[data-testid=internal]");
    await agent1.fill("[data-testid=composer]", "Anything else I can help with?");
    await agent1.press("[data-testid=composer]", "Enter");

    const w = widget(visitor);
    // The public message sent after the note has arrived, so the note would have arrived before it.
    await expectCount(w.bubbles, "Anything else I can help with?", 1);
    expect((await texts(w.bubbles)).join("\n")).not.toContain("repeat buyer");
    await visitor.screenshot({ path: join(SHOTS, "widget-desktop.png") });
    await agent1.screenshot({ path: join(SHOTS, "workstation-conversation.png") });
  });

  it("moves the conversation to the other agent's screen on transfer, with its history", async () => {
    [, agent2] = await newPage();
    await signIn(agent2, base, DEMO.agent2);
    await agent1.click("text=Transfer");
    await agent1.check("input[name=kind] >> nth=0");
    const option = agent1.locator("[data-testid=transfer-target] option", { hasText: "Bo Agent" });
    await agent1.selectOption("[data-testid=transfer-target]", (await option.getAttribute("value"))!);
    await agent1.fill(".dialog textarea", "Shipping question, almost done");
    await agent1.click(".dialog button.primary");

    await agent2.locator(`[data-testid=inbox-mine] .row[data-conversation='${conversationId}']`).waitFor();
    await agentOpens(agent2, conversationId);
    await expectCount(agentBubbles(agent2), "Hello, do you ship to Lyon?", 1);
    await expect.poll(() => agent2.locator("[data-testid=owner]").innerText()).toContain("Bo Agent");
    await expect.poll(() => agent1.locator(`[data-testid=inbox-mine] .row[data-conversation='${conversationId}']`).count()).toBe(0);

    await agent2.fill("[data-testid=composer]", "Hi, I am taking over from Alex.");
    await agent2.press("[data-testid=composer]", "Enter");
    await expectCount(widget(visitor).bubbles, "Hi, I am taking over from Alex.", 1);
    await agent2.screenshot({ path: join(SHOTS, "workstation-after-transfer.png") });
  });
});

describe("a supervisor and an admin on the workstation", () => {
  let supervisor: Page;

  it("shows the supervisor the queues and the live conversation, and lets them whisper to the agent unseen by the visitor", async () => {
    [, supervisor] = await newPage();
    await signIn(supervisor, base, DEMO.supervisor);
    // Away: keep watching, take no conversations of the Support group they belong to.
    await supervisor.selectOption("[data-testid=presence]", "away");
    await supervisor.click("[data-section=monitor]");
    await expect.poll(() => supervisor.locator(".stats").innerText()).toContain("Support");
    await supervisor.locator(`[data-testid=monitor] .row[data-conversation='${conversationId}']`).click();
    await supervisor.screenshot({ path: join(SHOTS, "workstation-monitor.png") });
    await expectCount(agentBubbles(supervisor), "Hi, I am taking over from Alex.", 1);

    // Watching, the composer starts as an internal note: a whisper.
    expect(await supervisor.isChecked("[data-testid=internal]")).toBe(true);
    await supervisor.fill("[data-testid=composer]", "Whisper: offer free shipping");
    await supervisor.press("[data-testid=composer]", "Enter");
    await expectCount(agentBubbles(agent2), "Whisper: offer free shipping", 1);

    // Barging in is a public reply.
    await supervisor.uncheck("[data-testid=internal]");
    await supervisor.fill("[data-testid=composer]", "Hello, I am Alex's supervisor.");
    await supervisor.press("[data-testid=composer]", "Enter");
    const w = widget(visitor);
    await expectCount(w.bubbles, "Hello, I am Alex's supervisor.", 1);
    expect((await texts(w.bubbles)).join("\n")).not.toContain("free shipping");
    await supervisor.screenshot({ path: join(SHOTS, "workstation-monitor.png") });
  });

  it("tells the supervisor when the agent asks for help", async () => {
    await agent2.click("text=Ask for help");
    await expect.poll(() => supervisor.locator("[data-testid=toast]").allInnerTexts()).toContainEqual(expect.stringContaining("Bo Agent asked for help"));
  });

  it("lets an admin dry-run a rule-set draft, shows what is wrong with a bad one, and publishes a good one", async () => {
    const [, admin] = await newPage();
    await signIn(admin, base, "admin@demo.switchboard.test");
    await admin.click("[data-section=admin]");
    await admin.click("[data-tab=rules]");
    const editor = admin.locator("[data-testid=rules-json]");
    await expect.poll(() => editor.inputValue()).toContain('"fallback"');
    const good = await editor.inputValue();

    await editor.fill("{ not json");
    await admin.click("[data-testid=dry-run]");
    await expect.poll(() => admin.locator("[data-testid=rules-result]").innerText()).toContain("Not valid JSON");

    await editor.fill(JSON.stringify({ ...JSON.parse(good), fallback: [{ type: "enqueue" }] }));
    await admin.click("[data-testid=dry-run]");
    await expect.poll(() => admin.locator("[data-testid=rules-result]").innerText()).toContain("invalid_request");

    await editor.fill(good);
    await admin.fill("input[placeholder='Entry page']", "https://shop.example/");
    await admin.fill("input[placeholder='First message']", "I want a refund");
    await admin.click("[data-testid=dry-run]");
    await expect.poll(() => admin.locator("[data-testid=rules-result]").innerText()).toContain('"decided_by": "refunds"');

    await admin.click("text=Publish");
    await expect.poll(() => admin.locator("[data-testid=rules-result]").innerText()).toMatch(/Published version \d+/);
    await admin.screenshot({ path: join(SHOTS, "workstation-admin-rules.png") });

    await admin.click("[data-tab=canned_replies]");
    await admin.fill(".card input[placeholder=Title] >> nth=-1", "Shipping times");
    await admin.fill(".card textarea >> nth=-1", "Orders ship within 24 hours; delivery takes 2–4 working days.");
    await admin.click(".card button.primary >> nth=-1");
    await expect.poll(() => admin.locator(".card").count()).toBe(2);
  });

  it("lets an agent answer with a canned reply, after a reload of the workstation", async () => {
    await agent2.reload();
    await agent2.locator(`[data-conversation-view='${conversationId}']`).waitFor();
    const canned = agent2.locator("[data-testid=canned] option", { hasText: "Shipping times" });
    await agent2.selectOption("[data-testid=canned]", (await canned.getAttribute("value"))!);
    expect(await agent2.inputValue("[data-testid=composer]")).toBe("Orders ship within 24 hours; delivery takes 2–4 working days.");
    await agent2.press("[data-testid=composer]", "Enter");
    await expectCount(widget(visitor).bubbles, "Orders ship within 24 hours; delivery takes 2–4 working days.", 1);
  });

  it("shows the visitor that the agent ended the conversation, and their next message starts a new one", async () => {
    await agent2.click("text=End conversation");
    const w = widget(visitor);
    await expect.poll(() => visitor.locator(".sb-ended").innerText()).toContain("This conversation has ended.");
    await expect.poll(() => agent2.locator(`[data-testid=inbox-mine] .row[data-conversation='${conversationId}']`).count()).toBe(0);
    await agent1.selectOption("[data-testid=presence]", "away");
    await visitor.click("text=Start a new conversation");
    expect(await texts(w.bubbles)).toEqual(["Hi! How can we help you today?"]);
    await w.input.fill("One more question");
    await w.input.press("Enter");
    // A new conversation, assigned to the only agent online (Alex and the supervisor are away).
    await agent2.locator("[data-testid=inbox-mine] .row", { hasText: "One more question" }).waitFor();
    expect(await agent2.locator(`[data-testid=inbox-mine] .row[data-conversation='${conversationId}']`).count()).toBe(0);
  });
});

describe("the widget on its host page", () => {
  const probe = () =>
    (() => {
      const pick = (el: Element | null) => {
        if (!el) return null;
        const s = getComputedStyle(el);
        return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.margin, s.padding, s.border, s.textTransform, s.lineHeight].join("|");
      };
      return {
        body: pick(document.body),
        h1: pick(document.querySelector("h1")),
        lede: pick(document.querySelector("#lede")),
        button: pick(document.querySelector(".card button")),
        card: pick(document.querySelector(".card")),
        scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
      };
    })();

  it("does not change the host page's styles, and the page's styles do not reach it", async () => {
    const [, bare] = await newPage();
    await bare.route("**/widget.js", (route) => route.abort());
    await bare.goto(`${base}/demo/`);
    const without = await bare.evaluate(probe);

    const [, page] = await newPage();
    await page.goto(`${base}/demo/`);
    const w = widget(page);
    await w.launcher.click();
    await w.input.waitFor();
    expect(await page.evaluate(probe)).toEqual(without);
    // The shop styles every <button> rust-red and upper-case: the launcher keeps its own look.
    const launcher = await w.launcher.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).textTransform]);
    expect(launcher).toEqual(["rgb(47, 91, 234)", "none"]);
  });

  it("fills the screen on a phone, speaks Chinese to a zh-CN browser, and shows the queue until an agent is back", async () => {
    // Nobody takes new conversations: the visitor waits in the Support queue.
    await agent1.selectOption("[data-testid=presence]", "away");
    await agent2.selectOption("[data-testid=presence]", "away");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN", isMobile: true, hasTouch: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/demo/`);
    const w = widget(page);
    await page.screenshot({ path: join(SHOTS, "widget-mobile-closed.png") });
    await w.launcher.click();
    await w.input.fill("你好，请问有折扣吗？");
    await w.input.press("Enter");
    await expectCount(w.bubbles, "你好，请问有折扣吗？", 1);
    await expect.poll(() => w.status.innerText()).toContain("当前排第 1 位");
    const box = await page.locator(".sb-panel").boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    expect(await w.input.getAttribute("placeholder")).toBe("输入消息…");
    await page.screenshot({ path: join(SHOTS, "widget-mobile-queued.png") });

    await agent2.selectOption("[data-testid=presence]", "online");
    await expect.poll(() => w.status.innerText()).toBe("Bo Agent 正在为您服务");
    await page.screenshot({ path: join(SHOTS, "widget-mobile.png") });
  });

  it("lets an agent switch conversations with Alt+↑/↓ and write two lines with Shift+Enter", async () => {
    await agent2.click("[data-section=mine]");
    const rows = agent2.locator("[data-testid=inbox-mine] .row");
    await expect.poll(() => rows.count()).toBe(2);
    const [first, second] = await Promise.all([rows.nth(0).getAttribute("data-conversation"), rows.nth(1).getAttribute("data-conversation")]);
    const view = agent2.locator("[data-conversation-view]");
    await rows.nth(0).click();
    await agent2.keyboard.press("Alt+ArrowDown");
    await expect.poll(() => view.getAttribute("data-conversation-view")).toBe(second);
    await agent2.keyboard.press("Alt+ArrowUp");
    await expect.poll(() => view.getAttribute("data-conversation-view")).toBe(first);

    await agent2.click("[data-testid=composer]");
    await agent2.keyboard.type("Line one");
    await agent2.keyboard.press("Shift+Enter");
    await agent2.keyboard.type("Line two");
    await agent2.keyboard.press("Enter");
    await expectCount(agentBubbles(agent2), "Line one\nLine two", 1);
  });
});
