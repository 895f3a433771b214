import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO, expectCount, launch, SHOTS, goOnline, signIn, texts, visitorEnds, widget, withCapacity } from "./browser.ts";

const base = inject("base");
let browser: Browser;
let visitor: Page;
let agent: Page;
let conversationId: string;
let visitorToken: string;
let agentToken: string;
const contexts: BrowserContext[] = [];
let restoreCapacity: (() => Promise<void>) | undefined;

/** A 160×100 PNG (a blue-to-green gradient), made here: sniffed as image/png by the server. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rows.set([40, 90 + Math.round((x / width) * 120), 230 - Math.round((y / height) * 120)], y * (width * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}
const PNG = png(160, 100);

async function newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: "en-US" });
  contexts.push(context);
  return context.newPage();
}

async function post(path: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
}

beforeAll(async () => {
  restoreCapacity = await withCapacity(base, DEMO.agent1, 50);
  browser = await launch();
  agent = await newPage();
  await signIn(agent, base, DEMO.agent1);
  await goOnline(agent);
  visitor = await newPage();
  await visitor.goto(`${base}/demo/`);
  const w = widget(visitor);
  await w.launcher.click();
  await w.input.fill("My tent arrived torn, I have a photo.");
  await w.input.press("Enter");
  await visitor.waitForFunction(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key") ?? "{}").session?.conversation_id, null, { timeout: 15_000 });
  const stored = await visitor.evaluate(() => JSON.parse(localStorage.getItem("switchboard:wk_demo_public_key")!).session);
  conversationId = stored.conversation_id;
  visitorToken = stored.token;
  agentToken = await agent.evaluate(() => JSON.parse(localStorage.getItem("switchboard:workstation")!).token);
  await agent.click("[data-section=mine]");
  await agent.locator(`[data-testid=inbox-mine] .row[data-conversation='${conversationId}']`).click({ timeout: 30_000 });
  await agent.locator(`[data-conversation-view='${conversationId}']`).waitFor();
  await agent.locator("[data-testid=transcript] .bubble .text", { hasText: "My tent arrived torn" }).waitFor();
  await w.status.filter({ hasText: "Alex Agent" }).waitFor();
});

afterAll(async () => {
  // End what this file started, so no conversation of it waits for an agent in the next file.
  if (conversationId) await visitorEnds(base, conversationId, visitorToken);
  await restoreCapacity?.();
  for (const c of contexts) await c.close();
  await browser?.close();
});

describe("every content kind and attachments, in the widget and on the workstation", () => {
  it("shows a card and a channel message in both clients, the channel message labelled with its channel and type", async () => {
    const card = await post(`/api/conversations/${conversationId}/messages`, agentToken, {
      client_msg_id: "e2e-card-1",
      content: { kind: "card", title: "Return label", text: "Print it and drop the parcel at any post office.", buttons: [{ label: "Get label", url: "https://shop.example/returns" }] },
    });
    expect(card.status).toBe(201);
    const channel = await post(`/api/conversations/${conversationId}/messages`, visitorToken, {
      client_msg_id: "e2e-channel-1",
      content: { kind: "channel", channel: "wechat", type: "location", text: "Shared a location: Lyon Part-Dieu" },
    });
    expect(channel.status).toBe(201);

    const agentCard = agent.locator("[data-testid=transcript] [data-kind=card]");
    await expect.poll(() => agentCard.innerText()).toContain("Return label");
    expect(await agentCard.locator("a", { hasText: "Get label" }).getAttribute("href")).toBe("https://shop.example/returns");
    const agentChannel = agent.locator("[data-testid=transcript] [data-kind=channel]");
    await expect.poll(() => agentChannel.locator(".channel-label").innerText()).toMatch(/wechat · location/i);
    expect(await agentChannel.locator(".text").innerText()).toBe("Shared a location: Lyon Part-Dieu");

    const widgetCard = visitor.locator(".sb-bubble [data-kind=card]");
    await expect.poll(() => widgetCard.innerText()).toContain("Print it and drop the parcel");
    await expect.poll(() => visitor.locator(".sb-bubble [data-kind=channel] .sb-text").innerText()).toBe("Shared a location: Lyon Part-Dieu");
  });

  it("sends the agent's picture to the visitor, who sees the thumbnail and opens the full image", async () => {
    await agent.setInputFiles("[data-testid=attach-input]", { name: "how-to-pack.png", mimeType: "image/png", buffer: PNG });
    const agentImg = agent.locator("[data-testid=transcript] .msg.mine [data-kind=image] img");
    await expect.poll(() => agentImg.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBe(160);

    const thumb = visitor.locator(".sb-mine, .sb-theirs").locator("[data-kind=image] img");
    await expect.poll(() => thumb.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth), { timeout: 15_000 }).toBe(160);
    const [popup] = await Promise.all([visitor.waitForEvent("popup"), thumb.click()]);
    await popup.waitForLoadState();
    // The attachment URL redirected to a short-lived signed link that serves the picture.
    expect(popup.url()).toMatch(/\/api\/attachments\/att_[^/]+\/content\?exp=\d+&sig=/);
    await popup.close();
    await visitor.screenshot({ path: join(SHOTS, "widget-content-kinds.png") });
  });

  it("sends the visitor's file to the agent, who sees its name and size and downloads it", async () => {
    const receipt = "Order 4711\nTent Alpine 2, 189 EUR\n";
    await visitor.setInputFiles(".sb-compose input[type=file]", { name: "receipt.txt", mimeType: "text/plain", buffer: Buffer.from(receipt) });
    const file = agent.locator("[data-testid=transcript] .msg.theirs [data-kind=file]");
    await expect.poll(() => file.locator(".file-name").innerText(), { timeout: 15_000 }).toBe("receipt.txt");
    expect(await file.locator(".file-size").innerText()).toBe(`${receipt.length} B`);
    const [download] = await Promise.all([agent.waitForEvent("download"), file.click()]);
    expect(download.suggestedFilename()).toBe("receipt.txt");
    const { readFile } = await import("node:fs/promises");
    expect(await readFile((await download.path())!, "utf8")).toBe(receipt);
    await expectCount(visitor.locator(".sb-mine [data-kind=file] .sb-file-name"), "receipt.txt", 1);
    await agent.screenshot({ path: join(SHOTS, "workstation-content-kinds.png") });
  });

  it("tells the visitor plainly when a file is of a type the workspace does not accept", async () => {
    await visitor.setInputFiles(".sb-compose input[type=file]", { name: "setup.exe", mimeType: "application/octet-stream", buffer: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]) });
    await expect.poll(() => visitor.locator("[data-testid=upload-error]").innerText()).toBe("setup.exe cannot be sent: this type of file is not accepted.");
    expect(await texts(visitor.locator(".sb-mine .sb-file-name"))).toEqual(["receipt.txt"]);
    await visitor.screenshot({ path: join(SHOTS, "widget-upload-refused.png") });
  });

  it("tells the agent when a file is over the workspace's size limit, and sends nothing", async () => {
    await agent.setInputFiles("[data-testid=attach-input]", { name: "huge.txt", mimeType: "text/plain", buffer: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61) });
    await expect.poll(() => agent.locator("[data-testid=notice]").innerText(), { timeout: 20_000 }).toContain("huge.txt is too large");
    expect(await agent.locator("[data-testid=transcript] .file-name", { hasText: "huge.txt" }).count()).toBe(0);
  });
});
