import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Frame, type Locator, type Page } from "playwright-core";
import { expect } from "vitest";

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
