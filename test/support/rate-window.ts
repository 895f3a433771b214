/**
 * The rate-limit binding counts in fixed windows aligned to the clock (`floor(now / period)`), so
 * attempts that straddle a window's end are split between two counters. A test that needs all of
 * its attempts in one window waits for a fresh one when the current window is nearly over.
 */
export async function inOneRateWindow(secondsNeeded: number, periodSeconds = 60): Promise<void> {
  const periodMs = periodSeconds * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < secondsNeeded * 1000) await new Promise((resolve) => setTimeout(resolve, left + 250));
}
