import { and, asc, eq, gt, inArray, or } from "drizzle-orm";
import { conversationFacts, emptyMetrics, type Fact, factKey, foldEvents, MEASURES } from "../../src/metrics/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";
import { archivedEvents, hoursOf, refreshRollups, replaceFacts, saveFold, timezones, toFact } from "./store.ts";

/** The keys at which two sets of facts differ (a key missing on one side, or any measure unequal). */
function differingKeys(a: Fact[], b: Fact[]): string[] {
  const left = new Map(a.map((f) => [factKey(f), f]));
  const right = new Map(b.map((f) => [factKey(f), f]));
  const out: string[] = [];
  for (const key of new Set([...left.keys(), ...right.keys()])) {
    const x = left.get(key);
    const y = right.get(key);
    if (!x || !y || MEASURES.some((m) => x[m] !== y[m])) out.push(key);
  }
  return out.sort();
}

function decodeCursor(cursor: string): { c: number; id: string } {
  try {
    const c = JSON.parse(atob(cursor)) as { c: number; id: string };
    if (typeof c.c === "number" && typeof c.id === "string") return c;
  } catch {
    // fall through
  }
  throw new SwitchboardError("invalid_request", "the cursor is not one this API returned");
}

export interface RebuildReport {
  checked: number;
  /** Conversations whose live facts differ from those recomputed from R2, with the differing keys. */
  conversations: Array<{ conversation_id: string; keys: string[] }>;
  /** Rollup rows (of the hours this page touches) that differ from the sum of the live facts. */
  rollups: string[];
  repaired: boolean;
  next_cursor: string | null;
}

/**
 * One page of the rebuild: for each of the workspace's conversations (oldest first), recompute
 * its facts from every event R2 holds and compare them with the live facts; then compare the
 * live rollups of every hour those facts touch with the sums of the live facts. Together, over
 * all pages, that proves live rollups == rollups rebuilt from the archive. With `apply`, the
 * recomputed folds and facts replace the live ones and those hours' rollups are recomputed.
 */
export async function rebuildPage(db: Database, d1: D1Database, bucket: R2Bucket, workspaceId: string, options: { limit: number; cursor?: string | undefined; apply: boolean }, now = Date.now()): Promise<RebuildReport> {
  const t = schema.conversations;
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  const rows = await db
    .select({ id: t.id, createdAt: t.createdAt })
    .from(t)
    .where(and(eq(t.workspaceId, workspaceId), after ? or(gt(t.createdAt, after.c), and(eq(t.createdAt, after.c), gt(t.id, after.id))) : undefined))
    .orderBy(asc(t.createdAt), asc(t.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const timezone = (await timezones(db, [workspaceId])).get(workspaceId) ?? "UTC";
  const live = new Map<string, Fact[]>();
  const f = schema.metricFacts;
  for (let i = 0; i < page.length; i += 90) {
    const ids = page.slice(i, i + 90).map((r) => r.id);
    for (const r of await db.select().from(f).where(and(eq(f.workspaceId, workspaceId), inArray(f.conversationId, ids)))) {
      live.set(r.conversationId, [...(live.get(r.conversationId) ?? []), toFact(r)]);
    }
  }
  const report: RebuildReport = { checked: page.length, conversations: [], rollups: [], repaired: false, next_cursor: null };
  const hours = new Set<string>();
  const statements: D1PreparedStatement[] = [];
  for (const row of page) {
    const events = await archivedEvents(bucket, workspaceId, row.id, row.createdAt);
    const state = foldEvents(emptyMetrics(), events);
    const rebuilt = conversationFacts(state, timezone);
    const current = live.get(row.id) ?? [];
    for (const h of hoursOf([...rebuilt, ...current])) hours.add(h);
    const keys = differingKeys(current, rebuilt);
    if (keys.length === 0) continue;
    report.conversations.push({ conversation_id: row.id, keys });
    if (options.apply) statements.push(saveFold(d1, workspaceId, row.id, state, timezone, now, null), ...replaceFacts(d1, workspaceId, row.id, rebuilt));
  }
  if (hours.size > 0) {
    const where = `workspace_id = ?1 AND day IN (SELECT value FROM json_each(?2)) AND (day || '|' || hour) IN (SELECT value FROM json_each(?3))`;
    const days = JSON.stringify([...new Set([...hours].map((h) => h.split("|")[0]))]);
    const keys = JSON.stringify([...hours]);
    const cols = ["day", "hour", "channel", "group_id", "agent_id", ...MEASURES];
    const [rollups, sums] = await d1.batch<Record<string, number | string>>([
      d1.prepare(`SELECT ${cols.join(", ")} FROM metric_rollups WHERE ${where}`).bind(workspaceId, days, keys),
      d1
        .prepare(`SELECT day, hour, channel, group_id, agent_id, ${MEASURES.map((m) => `SUM(${m}) AS ${m}`).join(", ")} FROM metric_facts WHERE ${where} GROUP BY day, hour, channel, group_id, agent_id`)
        .bind(workspaceId, days, keys),
    ]);
    report.rollups = differingKeys(rollups!.results as unknown as Fact[], sums!.results as unknown as Fact[]);
  }
  if (options.apply && (statements.length > 0 || report.rollups.length > 0)) {
    await d1.batch([...statements, ...refreshRollups(d1, workspaceId, hours)]);
    report.repaired = true;
  }
  const last = page[page.length - 1];
  report.next_cursor = rows.length > options.limit && last ? btoa(JSON.stringify({ c: last.createdAt, id: last.id })) : null;
  return report;
}
