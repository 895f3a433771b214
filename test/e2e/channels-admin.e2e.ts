import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiCall, apiToken, launch, SHOTS, signIn } from "./browser.ts";

const base = inject("base");
const ADMIN = "admin@demo.switchboard.test";
let browser: Browser;
let admin: Page;
/** The account the first test connects, which later tests edit and disconnect. */
let connectedAppId: string;
/** The inbox a test adds, which a later one removes. */
let addedInbox: string;

const alnum = (n: number) => Array.from(randomBytes(n), (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36]).join("");

beforeAll(async () => {
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: "en-US" });
  admin = await context.newPage();
  await signIn(admin, base, ADMIN);
  // An admin is staff, not on duty here: nothing should be assigned to them during this file.
  await admin.selectOption("[data-testid=presence]", "away");
  await admin.click("[data-section=admin]");
  await admin.click("[data-tab=channels]");
  await admin.locator("[data-testid=channels-admin]").waitFor();
});

afterAll(async () => {
  await browser?.close();
});

describe("channels administration on the workstation", () => {
  it("connects a WeChat account and lists it with the callback URL to paste into WeChat, never its secrets", async () => {
    const appId = `wx${alnum(16)}`;
    connectedAppId = appId;
    const secret = alnum(32);
    const token = alnum(16);
    const aesKey = alnum(43);
    const form = admin.locator("[data-testid=wechat-new]");
    await form.locator("select[name=kind]").selectOption("official_account");
    await form.locator("select[name=mode]").selectOption("safe");
    await form.locator("input[name=app_id]").fill(appId);
    await form.locator("input[name=app_secret]").fill(secret);
    await form.locator("input[name=token]").fill(token);
    await form.locator("input[name=encoding_aes_key]").fill(aesKey);
    await form.locator("button.primary").click();

    const item = admin.locator(`[data-testid=wechat-account][data-app-id='${appId}']`);
    await item.waitFor();
    const listed = (await adminApi("/api/admin/channels/wechat")).items.find((a: { app_id: string }) => a.app_id === appId);
    expect(await item.locator("[data-testid=webhook-url]").inputValue()).toBe(`${base}/api/channels/wechat/${listed.id}`);
    expect(await item.innerText()).toContain("Safe (encrypted)");
    expect(await item.innerText()).toContain("EncodingAESKey set");
    // The form is empty again and no secret is anywhere on the page.
    expect(await form.locator("input[name=app_secret]").inputValue()).toBe("");
    const html = await admin.content();
    for (const s of [secret, token, aesKey]) expect(html).not.toContain(s);
    await admin.screenshot({ path: join(SHOTS, "workstation-admin-channels.png"), fullPage: true });
  });

  it("edits a WeChat account's mode without re-entering its secrets", async () => {
    const appId = connectedAppId;
    const item = admin.locator(`[data-testid=wechat-account][data-app-id='${appId}']`);
    await item.locator("[data-testid=wechat-edit-toggle]").click();
    const edit = item.locator("[data-testid=wechat-edit]");
    await edit.locator("select[name=mode]").selectOption("compatible");
    await edit.locator("button.primary").click();
    await expect.poll(() => item.locator(".pill").allInnerTexts()).toEqual(["Official account", "Compatible"]);
    const listed = (await adminApi("/api/admin/channels/wechat")).items.find((a: { app_id: string }) => a.app_id === appId);
    expect(listed).toMatchObject({ mode: "compatible", has_encoding_aes_key: true });
  });

  it("shows the API's error for an app ID that is not a WeChat one, and connects nothing", async () => {
    const before = (await adminApi("/api/admin/channels/wechat")).items.length;
    const form = admin.locator("[data-testid=wechat-new]");
    await form.locator("input[name=app_id]").fill("not-an-app-id");
    await form.locator("input[name=app_secret]").fill(alnum(32));
    await form.locator("input[name=token]").fill(alnum(16));
    await form.locator("input[name=encoding_aes_key]").fill(alnum(43));
    await form.locator("button.primary").click();
    const error = form.locator("[data-testid=wechat-result].error");
    await expect.poll(() => error.innerText()).toContain("invalid_request");
    expect(await error.innerText()).toContain("app_id: a WeChat app ID starts with wx");
    expect((await adminApi("/api/admin/channels/wechat")).items.length).toBe(before);
  });

  it("adds an email inbox and lists it with its name, beside the Email Routing steps", async () => {
    const address = `help-${alnum(6)}@shop.example`;
    addedInbox = address;
    const section = admin.locator("[data-testid=email-inboxes]");
    await section.locator("input[name=address]").fill(address);
    await section.locator("input[name=name]").fill("Shop Help");
    await section.locator("button.primary").click();
    const row = section.locator("[data-testid=email-inbox]", { hasText: address });
    await row.waitFor();
    expect(await row.innerText()).toContain("Shop Help");
    expect(await section.locator(".instructions").innerText()).toContain("Email Routing");
  });

  it("refuses an inbox address with a + and says why", async () => {
    const section = admin.locator("[data-testid=email-inboxes]");
    await section.locator("input[name=address]").fill("help+sales@shop.example");
    await section.locator("button.primary").click();
    const error = section.locator("[data-testid=email-result].error");
    await expect.poll(() => error.innerText()).toContain("must not contain '+'");
    expect(await section.locator("[data-testid=email-inbox]", { hasText: "help+sales@shop.example" }).count()).toBe(0);
  });

  it("removes the inbox after a confirmation, and it is no longer listed", async () => {
    const section = admin.locator("[data-testid=email-inboxes]");
    const row = section.locator("[data-testid=email-inbox]", { hasText: addedInbox });
    admin.once("dialog", (d) => void d.accept());
    await row.locator("[data-testid=email-remove]").click();
    await row.waitFor({ state: "detached" });
    expect((await adminApi("/api/admin/channels/email")).items.map((i: { address: string }) => i.address)).not.toContain(addedInbox);
  });

  it("keeps the WeChat account when the disconnect is not confirmed, and disconnects it when it is", async () => {
    const item = admin.locator(`[data-testid=wechat-account][data-app-id='${connectedAppId}']`);
    admin.once("dialog", (d) => void d.dismiss());
    await item.locator("[data-testid=wechat-remove]").click();
    expect((await adminApi("/api/admin/channels/wechat")).items.map((a: { app_id: string }) => a.app_id)).toContain(connectedAppId);
    admin.once("dialog", (d) => void d.accept());
    await item.locator("[data-testid=wechat-remove]").click();
    await item.waitFor({ state: "detached" });
    expect((await adminApi("/api/admin/channels/wechat")).items.map((a: { app_id: string }) => a.app_id)).not.toContain(connectedAppId);
  });

  it("saves the attachment policy, and an out-of-range size shows the API's error", async () => {
    const section = admin.locator("[data-testid=attachment-policy]");
    await section.locator("input[name=max_mb]").fill("2");
    await section.locator("textarea[name=allowed_types]").fill("image/*\napplication/pdf");
    await section.locator("button.primary").click();
    await expect.poll(() => section.locator("[data-testid=attachments-result]").innerText()).toBe("Saved");
    expect(await adminApi("/api/admin/channels/attachments")).toEqual({ max_bytes: 2 * 1024 * 1024, allowed_types: ["image/*", "application/pdf"] });

    await section.locator("input[name=max_mb]").fill("500");
    await section.locator("button.primary").click();
    await expect.poll(() => section.locator("[data-testid=attachments-result].error").innerText()).toContain("max_bytes");
    // Put the demo's default back for the files after this one.
    await adminApi("/api/admin/channels/attachments", "PUT", DEFAULT_POLICY);
  });

  it("turns the form's Turnstile check on and off", async () => {
    const section = admin.locator("[data-testid=forms-settings]");
    await expect.poll(() => section.locator("[data-testid=turnstile-state]").innerText()).toBe("Turnstile verification is off.");
    await section.locator("input[name=turnstile_secret]").fill("0x4AAAAAAA-secret-key");
    await section.locator("button.primary").click();
    await expect.poll(() => section.locator("[data-testid=forms-result]").innerText()).toBe("Turnstile verification is on.");
    expect(await section.locator("input[name=turnstile_secret]").inputValue()).toBe("");
    expect(await adminApi("/api/admin/channels/forms")).toEqual({ turnstile: true });
    await section.locator("button:not(.primary)").click();
    await expect.poll(() => section.locator("[data-testid=forms-result]").innerText()).toBe("Turnstile verification is off.");
  });
});

const DEFAULT_POLICY = {
  max_bytes: 10 * 1024 * 1024,
  allowed_types: ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip", "audio/mpeg", "audio/amr", "video/mp4"],
};

let token: string | undefined;
async function adminApi(path: string, method = "GET", body?: unknown): Promise<any> {
  token ??= await apiToken(base, ADMIN);
  return apiCall(base, token, path, method, body);
}
