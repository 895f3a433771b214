import type { RuleSet, Schedule } from "../../src/routing/index.ts";
import type { Database } from "../db.ts";
import { currentRuleSet, defaultRuleSet, type PublishedRuleSet, workspaceSchedules, workspaceTimezone } from "../directory/routing-config.ts";

/** What a routing decision reads from D1, loaded once per workspace and isolate and then reused. */
export interface RoutingConfig {
  published: PublishedRuleSet | null;
  /** The live rule set: the published one, else the built-in default, else null (manual pick). */
  ruleSet: RuleSet | null;
  schedules: Record<string, Schedule>;
  timezone: string;
}

/**
 * How long an isolate trusts what it loaded. A change made through the admin API is seen at once
 * by the isolate that made it (`forgetRoutingConfig`) and within this time by every other one.
 * Under a burst this turns four D1 reads and a zod parse per conversation into one load per
 * workspace every few seconds.
 */
export const ROUTING_CONFIG_TTL_MS = 2_000;

interface Entry {
  config: RoutingConfig;
  at: number;
}

const cache = new Map<string, Entry>();
/** Bumped by every invalidation, so a load that started before it is not kept. */
let generation = 0;

/**
 * The workspace's routing configuration, from this isolate's cache while it is fresh. The cache
 * holds loaded values, never a pending promise: objects share the isolate, and a promise created
 * in one object's request and awaited from another's can hang in workerd.
 */
export async function routingConfig(db: Database, workspaceId: string): Promise<RoutingConfig> {
  const hit = cache.get(workspaceId);
  if (hit && Date.now() - hit.at < ROUTING_CONFIG_TTL_MS) return hit.config;
  const startedAt = generation;
  const at = Date.now();
  const config = await load(db, workspaceId);
  if (startedAt === generation) cache.set(workspaceId, { config, at });
  return config;
}

/** Called after publish, restore, a schedule or a skill group changes: the next decision reloads. */
export function forgetRoutingConfig(workspaceId: string): void {
  generation += 1;
  cache.delete(workspaceId);
}

async function load(db: Database, workspaceId: string): Promise<RoutingConfig> {
  const [published, schedules, timezone] = await Promise.all([
    currentRuleSet(db, workspaceId),
    workspaceSchedules(db, workspaceId),
    workspaceTimezone(db, workspaceId),
  ]);
  const ruleSet = published?.body ?? (await defaultRuleSet(db, workspaceId));
  return { published, ruleSet, schedules, timezone };
}
