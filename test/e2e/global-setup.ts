import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM helpers shared with the benchmarks and `npm start`
import { startWranglerDev } from "../../bench/lib/wrangler-target.mjs";
// @ts-expect-error plain ESM helper
import { migrateAndSeed } from "../../scripts/seed.mjs";
// @ts-expect-error plain ESM helper
import { ensureDevVars } from "../../scripts/wrangler-env.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    base: string;
    /** wrangler dev's state dir (D1, R2, Durable Object storage), for tests that age stored state. */
    state: string;
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
  return async () => {
    const { leftovers } = await target.stop();
    if (leftovers.length) throw new Error(`wrangler dev left processes behind: ${JSON.stringify(leftovers)}`);
  };
}
