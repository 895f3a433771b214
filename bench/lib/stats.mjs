// Percentiles and summaries of latency samples (milliseconds).

/** The p-th percentile (0–100) of sorted samples, by linear interpolation between closest ranks. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  if (sorted.length === 1) return sorted[0];
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** count, min, mean, stddev, p50/p90/p95/p99/p99.9 and max of `samples`. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0 };
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) ** 2;
  return {
    count: n,
    min: sorted[0],
    mean,
    stddev: Math.sqrt(sq / n),
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[n - 1],
  };
}

/** Rounds every number in a summary (or any flat object) to `digits` decimals, for reports. */
export function rounded(obj, digits = 3) {
  const f = 10 ** digits;
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * f) / f : v]));
}

/** Median of a few repeated measurements (e.g. throughput rounds). */
export function median(values) {
  return percentile(Float64Array.from(values).sort(), 50);
}
