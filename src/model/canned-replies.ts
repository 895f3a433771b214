import { z } from "zod";
import { LIMITS } from "./limits.ts";

/** A saved answer: agents pick it by title and it fills the composer. */
export const CannedReplyBody = z.object({
  title: z.string().trim().min(1).max(100),
  body: z.string().trim().min(1).max(LIMITS.textChars),
});
export type CannedReplyBody = z.infer<typeof CannedReplyBody>;

export const CannedReply = CannedReplyBody.extend({
  id: z.string(),
  updated_at: z.int(),
});
export type CannedReply = z.infer<typeof CannedReply>;
