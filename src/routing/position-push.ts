/** Places near the front are told every change. */
export const ALWAYS_PUSH_WITHIN = 50;
/** Further back, a visitor is told only of a 10 % change, and at most this often. */
export const FAR_PUSH_INTERVAL_MS = 15_000;

/** What a waiting visitor was last told, and when. */
export interface PushedPosition {
  position: number;
  at: number;
}

/**
 * Whether a waiting visitor is told their place now: "push"; "later" (it changed enough, but they
 * were told too recently: ask again on a later tick, even if the queue stops moving); or "no".
 */
export function positionPush(last: PushedPosition | undefined, position: number, now: number): "push" | "later" | "no" {
  if (last === undefined || position <= ALWAYS_PUSH_WITHIN) return last?.position === position ? "no" : "push";
  if (last.position === position || Math.abs(last.position - position) < Math.max(1, last.position * 0.1)) return "no";
  return now - last.at >= FAR_PUSH_INTERVAL_MS ? "push" : "later";
}
