import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = new URL("..", import.meta.url).pathname;

/** Everything runs offline: no telemetry, no request for Cloudflare's edge metadata. */
export const OFFLINE_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

export function wrangler(args, options = {}) {
  const result = spawnSync(WRANGLER, args, { cwd: ROOT, env: OFFLINE_ENV, encoding: "utf8", ...options });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? "");
    process.stderr.write(result.stderr ?? "");
    throw new Error(`wrangler ${args.join(" ")} failed with exit code ${result.status}`);
  }
  return result.stdout;
}

export function spawnWrangler(args, options = {}) {
  return spawn(WRANGLER, args, { cwd: ROOT, env: OFFLINE_ENV, ...options });
}

/** `.dev.vars` holds local secrets; a fresh checkout gets a random one of each, once. */
export function ensureDevVars() {
  const path = join(ROOT, ".dev.vars");
  let current = existsSync(path) ? readFileSync(path, "utf8") : "";
  for (const name of ["TOKEN_SECRET", "WEBHOOK_SECRET_KEY"]) {
    if (new RegExp(`^${name}=.{32,}$`, "m").test(current)) continue;
    current = `${current}${current && !current.endsWith("\n") ? "\n" : ""}${name}=${randomBytes(32).toString("hex")}\n`;
  }
  writeFileSync(path, current);
}

/** Resolves once `url` answers 200, or rejects after `ms`. */
export async function waitForHttp(url, ms, isAlive = () => true) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error("wrangler dev exited before it was ready");
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms / 1000}s`);
}
