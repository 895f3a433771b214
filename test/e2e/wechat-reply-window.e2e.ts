import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiToken, DEMO, goOnline, launch, SHOTS, signIn, withCapacity } from "./browser.ts";

const base = inject("base");
const state = inject("state");
let browser: Browser;
let agent: Page;
let adminToken: string;
let conversationId: string;
let restoreCapacity: (() => Promise<void>) | undefined;

const alnum = (n: number) => Array.from(randomBytes(n), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[b % 62]).join("");

async function call(path: string, token: string, method = "GET", body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeout = 20_000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A WeChat user's plaintext push, signed as WeChat signs it (SHA-1 of the sorted token, timestamp, nonce). */
async function wechatPush(account: { id: string; token: string }, openid: string, text: string): Promise<void> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const signature = createHash("sha1").update([account.token, timestamp, nonce].sort().join("")).digest("hex");
  const xml = `<xml><ToUserName><![CDATA[gh_e2e]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content><MsgId>${Date.now()}</MsgId></xml>`;
  const res = await fetch(`${base}/api/channels/wechat/${account.id}?${new URLSearchParams({ timestamp, nonce, signature })}`, { method: "POST", headers: { "content-type": "text/xml" }, body: xml });
  expect(await res.text()).toBe("success");
}

/**
 * Moves the user's last message 49 hours into the past in the conversation object's own SQLite
 * file, as test/channels does inside workerd: the object is reset before and after, so it holds
 * nothing in memory and rereads its storage.
 */
async function ageReplyWindow(openid: string): Promise<void> {
  const evict = () => call("/api/_faults/evict", adminToken, "POST", { conversation_ids: [conversationId] });
  await evict();
  const dir = join(state, "v3", "do", "switchboard-ConversationDO");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite"));
  let aged = 0;
  for (const f of files) {
    const db = new DatabaseSync(join(dir, f));
    try {
      const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'channel_link'").get();
      if (has) aged += Number(db.prepare("UPDATE channel_link SET last_inbound_at = ? WHERE binding LIKE ?").run(Date.now() - 49 * 3_600_000, `%${openid}%`).changes);
    } finally {
      db.close();
    }
  }
  expect(aged).toBe(1);
  await evict();
  await until("the reply window closed", async () => (await call(`/api/conversations/${conversationId}/channel`, adminToken)).reply_window_closed === true);
}

beforeAll(async () => {
  adminToken = await apiToken(base, "admin@demo.switchboard.test");
  restoreCapacity = await withCapacity(base, DEMO.agent1, 50);
  const account = { token: alnum(16), id: "" };
  const appId = `wx${alnum(16).toLowerCase()}`;
  account.id = (await call("/api/admin/channels/wechat", adminToken, "POST", { app_id: appId, app_secret: alnum(32), token: account.token, mode: "plain" })).id;

  browser = await launch();
  agent = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" })).newPage();
  await signIn(agent, base, DEMO.agent1);
  await goOnline(agent);

  const openid = `o${alnum(27)}`;
  await wechatPush(account, openid, "我想退货，订单 5512");
  conversationId = await until("the WeChat user's conversation", async () => {
    const res = await fetch(`${base}/api/contacts?kind=openid&value=${encodeURIComponent(`${appId}:${openid}`)}`, { headers: { authorization: `Bearer ${adminToken}` } });
    return res.ok ? ((await res.json()) as { conversations: { id: string }[] }).conversations.at(-1)?.id : undefined;
  });
  await agent.locator(`[data-testid=inbox-mine] .row[data-conversation='${conversationId}']`).waitFor({ timeout: 20_000 });
  // The workstation keeps a socket open to every conversation it serves: leave the page while
  // the object's storage is changed, and come back to it afterwards.
  await agent.goto("about:blank");
  await ageReplyWindow(openid);
  await agent.goto(`${base}/#/mine/${conversationId}`);
  await agent.locator(`[data-conversation-view='${conversationId}']`).waitFor();
  await agent.locator("[data-testid=transcript] .bubble .text", { hasText: "我想退货" }).waitFor();
}, 120_000);

afterAll(async () => {
  if (conversationId) await call(`/api/conversations/${conversationId}/state`, adminToken, "POST", { to: "ended" }).catch(() => {});
  await restoreCapacity?.();
  await browser?.close();
});

describe("a WeChat conversation past its 48-hour reply window", () => {
  it("tells the agent plainly that the reply was not sent, and stores nothing", async () => {
    await agent.fill("[data-testid=composer]", "您好，请问还需要帮助吗？");
    await agent.press("[data-testid=composer]", "Enter");
    const notice = agent.locator("[data-testid=conversation-error]");
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.innerText()).toBe(
      "The channel's reply window has closed (WeChat accepts replies only within 48 hours of the customer's last message). Your reply was not sent; an internal note still works.",
    );
    await agent.screenshot({ path: join(SHOTS, "workstation-reply-window-closed.png") });
    const { events } = await call(`/api/conversations/${conversationId}/events`, adminToken);
    expect(events.filter((e: { type: string; sender?: { role: string } }) => e.type === "message" && e.sender?.role === "agent")).toEqual([]);
  });

  it("still sends an internal note", async () => {
    await agent.check("[data-testid=internal]");
    await agent.fill("[data-testid=composer]", "Customer went quiet; follow up by phone.");
    await agent.press("[data-testid=composer]", "Enter");
    await expect.poll(() => agent.locator("[data-testid=transcript] .msg.internal .text").allInnerTexts()).toContain("Customer went quiet; follow up by phone.");
  });
});
