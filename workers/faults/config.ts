import type { Env } from "../env.ts";

/**
 * Fault injection for the load harness (`npm run bench -- --faults`, docs/benchmarks.md). Off
 * unless the `FAULTS` var is set *and* ENVIRONMENT is "development": only the bench sets it, with
 * `wrangler dev --var FAULTS:…`. The value is a comma-separated list:
 *   `hooks`              the bench's HTTP hooks (/api/_faults/…) answer; implied by the others
 *   `evict`              POST /api/_faults/evict may reset conversation objects
 *   `consumer_fail=0.3`  the archive consumer fails that share of batches (they are retried)
 */
export interface FaultConfig {
  evict: boolean;
  consumerFailShare: number;
}

let parsedFrom: string | undefined;
let parsed: FaultConfig | null = null;

/** The fault settings, parsed once per isolate; null (every hook off) outside development. */
export function faultConfig(env: Pick<Env, "ENVIRONMENT" | "FAULTS">): FaultConfig | null {
  const raw = env.ENVIRONMENT === "development" ? (env.FAULTS ?? "") : "";
  if (raw === parsedFrom) return parsed;
  parsedFrom = raw;
  parsed = null;
  if (!raw) return null;
  const config: FaultConfig = { evict: false, consumerFailShare: 0 };
  for (const item of raw.split(",").map((s) => s.trim())) {
    const [name, value] = item.split("=");
    if (name === "evict") config.evict = true;
    else if (name === "consumer_fail") config.consumerFailShare = Math.min(1, Math.max(0, Number(value) || 0));
  }
  parsed = config;
  return parsed;
}
