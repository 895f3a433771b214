import { z } from "zod";
import { SwitchboardError } from "../model/index.ts";

export const Criterion = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "criterion ids are lowercase letters, digits, _ and -"),
  label: z.string().min(1).max(200),
  /** Relative weight in the total. */
  weight: z.int().min(1).max(100),
});
export type Criterion = z.infer<typeof Criterion>;

/** A scorecard: weighted criteria, each scored 0–100, and the total needed to pass. */
export const ScorecardBody = z.object({
  name: z.string().min(1).max(100),
  criteria: z
    .array(Criterion)
    .min(1)
    .max(30)
    .refine((c) => new Set(c.map((x) => x.id)).size === c.length, "criterion ids must be unique"),
  pass_mark: z.number().min(0).max(100),
});
export type ScorecardBody = z.infer<typeof ScorecardBody>;

/** A reviewer's verdict on one conversation: a score 0–100 for every criterion of the scorecard. */
export const ReviewBody = z.object({
  scorecard_id: z.string().min(1).max(64),
  scores: z.record(z.string().max(32), z.number().min(0).max(100)),
  comment: z.string().max(2000).optional(),
});
export type ReviewBody = z.infer<typeof ReviewBody>;

/**
 * The weighted total (Σ weight × score / Σ weight, to two decimals) and whether it reaches the
 * pass mark. Every criterion must be scored, and nothing else.
 */
export function scoreReview(card: Pick<ScorecardBody, "criteria" | "pass_mark">, scores: Record<string, number>): { total: number; passed: boolean } {
  const missing = card.criteria.filter((c) => scores[c.id] === undefined).map((c) => c.id);
  const unknown = Object.keys(scores).filter((id) => !card.criteria.some((c) => c.id === id));
  if (missing.length > 0 || unknown.length > 0) {
    throw new SwitchboardError("invalid_request", "score every criterion of the scorecard, and only those", { missing, unknown });
  }
  const weights = card.criteria.reduce((n, c) => n + c.weight, 0);
  const weighted = card.criteria.reduce((n, c) => n + c.weight * scores[c.id]!, 0);
  const total = Math.round((weighted / weights) * 100) / 100;
  return { total, passed: total >= card.pass_mark };
}
