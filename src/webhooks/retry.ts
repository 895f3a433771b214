/** Attempts before a delivery is dead (docs/webhooks.md); replay starts a new series. */
export const MAX_ATTEMPTS = 8;
/** The longest wait between two attempts. */
const MAX_DELAY_SECONDS = 60 * 60;

/** Exponential back-off after the n-th failed attempt: base, 2·base, 4·base … capped at an hour. */
export function backoffSeconds(failedAttempts: number, baseSeconds: number): number {
  return Math.min(MAX_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, failedAttempts - 1));
}
