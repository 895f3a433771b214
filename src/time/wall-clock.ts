/** An instant as a clock on the wall of a time zone shows it. */
export interface WallClock {
  /** `YYYY-MM-DD` */
  date: string;
  /** `Mon` … `Sun` */
  weekday: string;
  hour: number;
  minute: number;
  second: number;
}

// Building an Intl formatter costs far more than using one: one per zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall clock of `timezone` (an IANA name) at the instant `at` (ms since the epoch). */
export function wallClock(at: number, timezone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(new Date(at))) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: parts.weekday!,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
