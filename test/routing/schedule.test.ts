import { describe, expect, it } from "vitest";
import { Schedule, localTime, scheduleOpen } from "../../src/routing/index.ts";

const shanghaiWeekdays = Schedule.parse({
  timezone: "Asia/Shanghai",
  weekly: ["mon", "tue", "wed", "thu", "fri"].map((day) => ({ day, start: "09:00", end: "18:00" })),
  closures: [{ from: "2026-10-01", to: "2026-10-07", name: "National Day" }],
  extra_openings: [{ date: "2026-09-27", start: "09:00", end: "18:00" }],
});

describe("opening hours in the workspace's time zone", () => {
  it("reads wall-clock time in a non-UTC zone", () => {
    // 2026-11-24T01:30Z is Tuesday 09:30 in Shanghai (UTC+8).
    expect(localTime(Date.UTC(2026, 10, 24, 1, 30), "Asia/Shanghai")).toEqual({ date: "2026-11-24", day: "tue", time: "09:30" });
  });

  it("is open inside the weekly hours and closed outside them", () => {
    expect(scheduleOpen(shanghaiWeekdays, Date.UTC(2026, 10, 24, 1, 30), "UTC").open).toBe(true);
    // 00:59Z is 08:59 in Shanghai: one minute before opening.
    expect(scheduleOpen(shanghaiWeekdays, Date.UTC(2026, 10, 24, 0, 59), "UTC").open).toBe(false);
    // 10:00Z is 18:00 in Shanghai: the end is exclusive.
    expect(scheduleOpen(shanghaiWeekdays, Date.UTC(2026, 10, 24, 10, 0), "UTC").open).toBe(false);
  });

  it("is closed on a weekday that falls in a holiday closure", () => {
    // Friday 2026-10-02 10:00 in Shanghai.
    const result = scheduleOpen(shanghaiWeekdays, Date.UTC(2026, 9, 2, 2, 0), "UTC");
    expect(result.open).toBe(false);
    expect(result.why).toContain("National Day");
  });

  it("is open on an extra working Sunday", () => {
    // Sunday 2026-09-27 10:00 in Shanghai.
    expect(scheduleOpen(shanghaiWeekdays, Date.UTC(2026, 8, 27, 2, 0), "UTC").open).toBe(true);
  });

  it("uses the workspace time zone when the schedule names none", () => {
    const noZone = Schedule.parse({ weekly: [{ day: "mon", start: "09:00", end: "17:00" }] });
    // Monday 2026-11-23 08:30Z is 09:30 in London (GMT) but 03:30 in New York.
    expect(scheduleOpen(noZone, Date.UTC(2026, 10, 23, 9, 30), "Europe/London").open).toBe(true);
    expect(scheduleOpen(noZone, Date.UTC(2026, 10, 23, 9, 30), "America/New_York").open).toBe(false);
  });

  it("rejects an interval that ends before it starts", () => {
    expect(Schedule.safeParse({ weekly: [{ day: "mon", start: "18:00", end: "09:00" }] }).success).toBe(false);
  });
});
