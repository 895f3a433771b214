import { z } from "zod";
import { isValidTimezone, wallClock } from "../time/wall-clock.ts";

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "times are HH:MM, 00:00 to 24:00");
const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "dates are YYYY-MM-DD");
export const Weekday = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
export type Weekday = z.infer<typeof Weekday>;

/**
 * Opening hours or an agent's shift (班次): weekly intervals in a time zone, minus closures
 * (holidays), plus extra openings (a working Saturday before a holiday week). Intervals do not
 * cross midnight: a night shift is two intervals.
 */
export const Schedule = z.object({
  /** IANA zone; omitted: the workspace's. */
  timezone: z.string().max(64).optional(),
  weekly: z
    .array(z.object({ day: Weekday, start: Time, end: Time }).refine((i) => i.start < i.end, "an interval ends after it starts"))
    .max(50),
  closures: z.array(z.object({ from: LocalDate, to: LocalDate, name: z.string().max(100).optional() })).max(200).default([]),
  extra_openings: z
    .array(z.object({ date: LocalDate, start: Time, end: Time }).refine((i) => i.start < i.end, "an interval ends after it starts"))
    .max(100)
    .default([]),
});
export type Schedule = z.infer<typeof Schedule>;

export interface LocalTime {
  date: string;
  day: Weekday;
  time: string;
}

const DAYS: Record<string, Weekday> = { Mon: "mon", Tue: "tue", Wed: "wed", Thu: "thu", Fri: "fri", Sat: "sat", Sun: "sun" };
const pad = (n: number) => String(n).padStart(2, "0");

/** Wall-clock date, weekday and HH:MM of an instant in a time zone. */
export function localTime(now: number, timezone: string): LocalTime {
  const clock = wallClock(now, timezone);
  return { date: clock.date, day: DAYS[clock.weekday]!, time: `${pad(clock.hour)}:${pad(clock.minute)}` };
}

export { isValidTimezone };

/** Whether the schedule is open at `now`, and the reason in words for explanations. */
export function scheduleOpen(schedule: Schedule, now: number, workspaceTimezone: string): { open: boolean; why: string } {
  const zone = schedule.timezone ?? workspaceTimezone;
  const t = localTime(now, zone);
  const at = `${t.day} ${t.date} ${t.time} ${zone}`;
  const extra = schedule.extra_openings.find((o) => o.date === t.date && o.start <= t.time && t.time < o.end);
  if (extra) return { open: true, why: `${at} is in an extra opening ${extra.start}–${extra.end}` };
  const closure = schedule.closures.find((c) => c.from <= t.date && t.date <= c.to);
  if (closure) return { open: false, why: `${at} falls in closure ${closure.name ?? `${closure.from}..${closure.to}`}` };
  const interval = schedule.weekly.find((i) => i.day === t.day && i.start <= t.time && t.time < i.end);
  if (interval) return { open: true, why: `${at} is within ${interval.day} ${interval.start}–${interval.end}` };
  return { open: false, why: `${at} is outside the weekly hours` };
}
