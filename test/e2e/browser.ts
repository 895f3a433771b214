import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Frame, type Locator, type Page } from "playwright-core";
import { expect, inject } from "vitest";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SHOTS = join(import.meta.dirname, "..", "..", "test-results");
export const DEMO = { workspace: "demo", password: "switchboard-demo", agent1: "agent1@demo.switchboard.test", agent2: "agent2@demo.switchboard.test", supervisor: "supervisor@demo.switchboard.test" };

/** Headless Debian Chromium; Playwright gives every launch a fresh, throw-away profile (user data dir). */
export function launch(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function signIn(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.fill("input[name=workspace]", DEMO.workspace);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", DEMO.password);
  await page.click("button[type=submit]");
  await page.locator("[data-testid=load]").waitFor();
}

/** The widget's parts, inside its open shadow root (Playwright's CSS selectors pierce it). */
export function widget(page: Page | Frame) {
  return {
    launcher: page.locator(".sb-launcher"),
    input: page.locator(".sb-compose textarea"),
    bubbles: page.locator(".sb-msg .sb-bubble"),
    mine: page.locator(".sb-msg.sb-mine"),
    status: page.locator("[data-testid=status-line]"),
  };
}

export async function texts(locator: Locator): Promise<string[]> {
  return (await locator.allInnerTexts()).map((t) => t.trim());
}

/** Waits until `locator` holds exactly `n` elements with this text (`poll`, not a sleep). */
export async function expectCount(locator: Locator, text: string, n: number, timeout = 15_000): Promise<void> {
  await expect.poll(async () => (await texts(locator)).filter((t) => t === text).length, { timeout }).toBe(n);
}

/**
 * A session token for API setup steps a test does not exercise in the browser: the one the global
 * setup signed in for the run, so setup steps do not spend the account's sign-in rate limit.
 */
export async function apiToken(base: string, email: string): Promise<string> {
  const shared = inject("tokens")[email];
  if (shared) return shared;
  const res = await fetch(`${base}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ workspace: DEMO.workspace, email, password: DEMO.password }) });
  if (!res.ok) throw new Error(`login ${email}: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/**
 * Gives an agent room for `n` conversations and returns how to put their capacity back: conversations
 * another file left behind (requeued when its agents signed out) must not fill this file's agent.
 */
export async function withCapacity(base: string, email: string, n: number): Promise<() => Promise<void>> {
  const token = await apiToken(base, "admin@demo.switchboard.test");
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const directory = (await (await fetch(`${base}/api/directory`, { headers })).json()) as { users: { id: string; email: string; max_concurrent: number }[] };
  const user = directory.users.find((u) => u.email === email)!;
  const set = async (max_concurrent: number) => {
    const res = await fetch(`${base}/api/admin/users/${user.id}/routing`, { method: "PATCH", headers, body: JSON.stringify({ max_concurrent }) });
    if (!res.ok) throw new Error(`capacity of ${email}: ${res.status} ${await res.text()}`);
  };
  await set(n);
  return () => set(user.max_concurrent);
}

/** The visitor ends their conversation through the API, so it waits in no queue for the next file's agents. */
export async function visitorEnds(base: string, conversationId: string, visitorToken: string): Promise<void> {
  const res = await fetch(`${base}/api/conversations/${conversationId}/state`, { method: "POST", headers: { authorization: `Bearer ${visitorToken}`, "content-type": "application/json" }, body: JSON.stringify({ to: "ended" }) });
  if (!res.ok && res.status !== 409) throw new Error(`ending ${conversationId}: ${res.status} ${await res.text()}`);
}

/** Presence outlives a quick sign-out (another file may have left this agent Away): say Online. */
export async function goOnline(page: Page): Promise<void> {
  await page.selectOption("[data-testid=presence]", "online");
}

/** A JSON call to the API as `token`, for setup steps; throws with the status and body unless it succeeds. */
export async function apiCall(base: string, token: string, path: string, method = "GET", body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}
