import { z } from "zod";
import { HOUR_MS } from "./buckets.ts";
import { type Fact, MEASURES, type Measures, zeroMeasures } from "./facts.ts";

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day is YYYY-MM-DD");

/** `GET /api/metrics` query: local days of the workspace, inclusive. */
export const MetricsQuery = z
  .object({
    from: Day,
    to: Day,
    bucket: z.enum(["hour", "day"]).default("day"),
    by: z.enum(["workspace", "group", "agent", "channel"]).default("workspace"),
    group_id: z.string().min(1).max(64).optional(),
    agent_id: z.string().min(1).max(64).optional(),
    channel: z.string().min(1).max(32).optional(),
  })
  .refine((q) => q.from <= q.to, { message: "from must not be after to", path: ["from"] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 <= 92, { message: "at most 93 days per request", path: ["to"] });
export type MetricsQuery = z.infer<typeof MetricsQuery>;

/** The ratios docs/metrics.md defines, from the sums; null where the denominator is zero. */
export interface Derived {
  avg_first_response_ms: number | null;
  avg_visitor_first_response_ms: number | null;
  avg_queue_wait_ms: number | null;
  avg_handle_ms: number | null;
  resolution_rate: number | null;
  transfer_rate: number | null;
  abandonment_rate: number | null;
  avg_rating: number | null;
  /** Average conversations served at once over the bucket. */
  concurrency: number;
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

export function derive(m: Measures, bucketMs: number): Derived {
  return {
    avg_first_response_ms: ratio(m.first_response_ms, m.first_responses),
    avg_visitor_first_response_ms: ratio(m.visitor_first_response_ms, m.visitor_first_responses),
    avg_queue_wait_ms: ratio(m.queue_wait_ms, m.queue_waits),
    avg_handle_ms: ratio(m.handle_ms, m.handled),
    resolution_rate: ratio(m.resolved, m.ended),
    transfer_rate: ratio(m.transferred, m.ended),
    abandonment_rate: ratio(m.abandoned, m.ended),
    avg_rating: ratio(m.rating_sum, m.rated),
    concurrency: bucketMs === 0 ? 0 : m.serving_ms / bucketMs,
  };
}

export interface SeriesPoint extends Measures, Derived {
  bucket: string;
  utilisation?: number | null;
}

export interface Series {
  key: string;
  points: SeriesPoint[];
  totals: Measures & Derived & { utilisation?: number | null };
}

/** The range's length, counting each local day as 24 hours. */
function rangeMs(query: Pick<MetricsQuery, "from" | "to">): number {
  return ((Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1) * 24 * HOUR_MS;
}

function sum(into: Measures, row: Measures): void {
  for (const m of MEASURES) into[m] += row[m];
}

function dimensionOf(row: Fact, by: MetricsQuery["by"]): string {
  if (by === "workspace") return "";
  if (by === "group") return row.group_id;
  if (by === "agent") return row.agent_id;
  return row.channel;
}

/**
 * Series of one dimension over buckets, from rollup rows already filtered to the range. Each
 * point's `concurrency` divides serving time by the bucket's length (an hour, or 24 hours for a
 * day); `utilisation` (agents only) divides it by that length times the agent's capacity. Totals
 * divide by the whole range.
 */
export function buildSeries(rows: readonly Fact[], query: Pick<MetricsQuery, "bucket" | "by" | "from" | "to">, capacity?: ReadonlyMap<string, number>): Series[] {
  const span = rangeMs(query);
  const bucketMs = query.bucket === "hour" ? HOUR_MS : 24 * HOUR_MS;
  const byKey = new Map<string, Map<string, Measures>>();
  for (const row of rows) {
    const key = dimensionOf(row, query.by);
    const bucket = query.bucket === "hour" ? `${row.day}T${String(row.hour).padStart(2, "0")}` : row.day;
    let points = byKey.get(key);
    if (!points) byKey.set(key, (points = new Map()));
    let point = points.get(bucket);
    if (!point) points.set(bucket, (point = zeroMeasures()));
    sum(point, row);
  }
  const utilisation = (key: string, servingMs: number, ms: number) => {
    const cap = capacity?.get(key);
    return cap ? servingMs / (ms * cap) : null;
  };
  return [...byKey]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, points]) => {
      const totals = zeroMeasures();
      const out: SeriesPoint[] = [...points]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([bucket, m]) => {
          sum(totals, m);
          return { bucket, ...m, ...derive(m, bucketMs), ...(query.by === "agent" ? { utilisation: utilisation(key, m.serving_ms, bucketMs) } : {}) };
        });
      return {
        key,
        points: out,
        totals: { ...totals, ...derive(totals, span), ...(query.by === "agent" ? { utilisation: utilisation(key, totals.serving_ms, span) } : {}) },
      };
    });
}

/** The workspace-wide sums and ratios of the rows, over the whole range. */
export function totalsOf(rows: readonly Fact[], query: Pick<MetricsQuery, "from" | "to">): Series["totals"] {
  const totals = zeroMeasures();
  for (const row of rows) sum(totals, row);
  return { ...totals, ...derive(totals, rangeMs(query)) };
}
