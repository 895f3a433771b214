import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM helpers shared with the benchmarks and `npm start`
import { startWranglerDev } from "../../bench/lib/wrangler-target.mjs";
// @ts-expect-error plain ESM helper
import { migrateAndSeed } from "../../scripts/seed.mjs";
// @ts-expect-error plain ESM helper
import { ensureDevVars } from "../../scripts/wrangler-env.mjs";

const DEMO_USERS = ["admin@demo.switchboard.test", "agent1@demo.switchboard.test", "agent2@demo.switchboard.test", "supervisor@demo.switchboard.test"];

declare module "vitest" {
  export interface ProvidedContext {
    base: string;
    /** wrangler dev's state dir (D1, R2, Durable Object storage), for tests that age stored state. */
    state: string;
    /** An API session token per demo user, signed in once for the whole run (see apiToken). */
    tokens: Record<string, string>;
  }
}

/**
 * One `wrangler dev` on a free port with a throw-away, migrated and seeded state dir. The cron
 * handler is reachable at /__scheduled (`--test-scheduled`): a test runs the SLA sweep on demand.
 * FAULTS=evict lets a test reset a conversation object (workers/faults, development only) so it
 * rereads storage the test changed, as test/channels does with evictDurableObject.
 */
export default async function setup(project: TestProject) {
  ensureDevVars();
  const target = await startWranglerDev({ name: "e2e", args: ["--test-scheduled"], vars: { FAULTS: "evict" }, prepare: (dir: string) => migrateAndSeed({ persistTo: dir }) });
  project.provide("base", target.base);
  project.provide("state", target.persistTo);
  // Sign-in is rate limited per account (10 a minute): the files' API setup steps share these
  // sessions, so only the browsers' own sign-ins count against the limit.
  const tokens: Record<string, string> = {};
  for (const email of DEMO_USERS) {
    const res = await fetch(`${target.base}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ workspace: "demo", email, password: "switchboard-demo" }) });
    if (!res.ok) throw new Error(`signing in ${email}: ${res.status} ${await res.text()}`);
    tokens[email] = ((await res.json()) as { token: string }).token;
  }
  project.provide("tokens", tokens);
  return async () => {
    const { leftovers } = await target.stop();
    if (leftovers.length) throw new Error(`wrangler dev left processes behind: ${JSON.stringify(leftovers)}`);
  };
}
