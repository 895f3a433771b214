import { z } from "zod";

/** `POST /api/conversations/{id}/rating`: the visitor's satisfaction rating, 1 (worst) to 5 (best). */
export const RateBody = z.object({
  score: z.int().min(1).max(5),
  comment: z.string().max(500).optional(),
});
export type RateBody = z.infer<typeof RateBody>;
