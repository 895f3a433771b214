import { eq } from "drizzle-orm";
import { localHour } from "../../src/metrics/index.ts";
import { DEFAULT_SAMPLING } from "../../src/qa/index.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { sampleDay } from "./reviews.ts";

/** How long after local midnight the day before is sampled: ratings given just after the end count. */
const GRACE_MS = 60 * 60 * 1000;

function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/**
 * Run by the cron trigger: once per workspace and local day, an hour after it ends, queues that
 * day's quality-review sample (docs/quality-review.md). `sampled_through` makes repeated runs
 * do nothing; sampling itself is idempotent, so a run that fails halfway is simply run again.
 */
export async function sampleFinishedDays(env: Env, now = Date.now()): Promise<void> {
  const db = database(env.DB);
  const w = schema.workspaces;
  const q = schema.qaSettings;
  const rows = await db.select({ id: w.id, timezone: w.timezone, rule: q.rule, through: q.sampledThrough }).from(w).leftJoin(q, eq(q.workspaceId, w.id));
  for (const row of rows) {
    const day = dayBefore(localHour(now - GRACE_MS, row.timezone).day);
    if (row.through && row.through >= day) continue;
    try {
      await sampleDay(db, env.DB, row.id, day, now);
      await db
        .insert(q)
        .values({ workspaceId: row.id, rule: row.rule ?? DEFAULT_SAMPLING, sampledThrough: day, updatedAt: now })
        .onConflictDoUpdate({ target: q.workspaceId, set: { sampledThrough: day, updatedAt: now } });
    } catch (err) {
      // One workspace's failure must not hold the others back; the next run retries it.
      console.error(`quality-review sampling of ${row.id} for ${day} failed`, err);
    }
  }
}
