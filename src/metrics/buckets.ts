import { wallClock } from "../time/wall-clock.ts";

/** One local hour of a workspace: its wall-clock date and hour, and the instant it began. */
export interface LocalHour {
  day: string;
  hour: number;
  start: number;
}

export const HOUR_MS = 3_600_000;

/**
 * The local hour an instant falls in. The hour's start is found from the local minutes and
 * seconds, so zones offset by a half or quarter hour (Asia/Kolkata, Asia/Kathmandu) bucket by
 * their own wall clock, not by UTC hours.
 */
export function localHour(at: number, timezone: string): LocalHour {
  const clock = wallClock(at, timezone);
  const intoHour = (clock.minute * 60 + clock.second) * 1000 + (((at % 1000) + 1000) % 1000);
  return { day: clock.date, hour: clock.hour, start: at - intoHour };
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
