/** One local hour of a workspace: its wall-clock date and hour, and the instant it began. */
export interface LocalHour {
  day: string;
  hour: number;
  start: number;
}

export const HOUR_MS = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * The local hour an instant falls in. The hour's start is found from the local minutes and
 * seconds, so zones offset by a half or quarter hour (Asia/Kolkata, Asia/Kathmandu) bucket by
 * their own wall clock, not by UTC hours.
 */
export function localHour(at: number, timezone: string): LocalHour {
  const parts: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(new Date(at))) parts[p.type] = p.value;
  const intoHour = (Number(parts.minute) * 60 + Number(parts.second)) * 1000 + (((at % 1000) + 1000) % 1000);
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), start: at - intoHour };
}

/** Splits the interval [from, to) at local hour boundaries: how many milliseconds fall in each hour. */
export function splitByHour(from: number, to: number, timezone: string): Array<{ bucket: LocalHour; ms: number }> {
  const out: Array<{ bucket: LocalHour; ms: number }> = [];
  let cur = from;
  while (cur < to) {
    const bucket = localHour(cur, timezone);
    const next = Math.min(to, bucket.start + HOUR_MS);
    out.push({ bucket, ms: next - cur });
    cur = next;
  }
  return out;
}
