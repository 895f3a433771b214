import { z } from "zod";

/** Which ended conversations go to quality review (质检). */
export const SamplingRule = z.object({
  /** This share of each agent's ended conversations per local day, chosen by a stable hash. */
  sample_percent: z.number().min(0).max(100),
  /** Every conversation rated at or below this (1–5) is reviewed; 0 turns the rule off. */
  low_rating_max: z.int().min(0).max(5),
  /** Every conversation with a transfer is reviewed. */
  review_transfers: z.boolean(),
});
export type SamplingRule = z.infer<typeof SamplingRule>;

export const DEFAULT_SAMPLING: SamplingRule = { sample_percent: 5, low_rating_max: 2, review_transfers: true };

export type ReviewReason = "sampled" | "transfer" | "low_rating";

/** An ended conversation as sampling sees it: who served it last, and what marks it. */
export interface EndedConversation {
  conversation_id: string;
  agent_id: string;
  group_id: string;
  transferred: boolean;
  rating: number | null;
}

export interface Selected extends EndedConversation {
  reasons: ReviewReason[];
}

/** FNV-1a: a stable, well-spread order, so the same day always samples the same conversations. */
function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * One day's review selection: for each agent, ⌈n × percent / 100⌉ of their n ended
 * conversations (those first in hash order), plus every conversation with a transfer or a low
 * rating. Conversations nobody served have no agent to review and are left out. Deterministic:
 * the same day always gives the same selection.
 */
export function sampleForReview(ended: readonly EndedConversation[], rule: SamplingRule): Selected[] {
  const byAgent = new Map<string, EndedConversation[]>();
  for (const c of ended) {
    if (!c.agent_id) continue;
    byAgent.set(c.agent_id, [...(byAgent.get(c.agent_id) ?? []), c]);
  }
  const out: Selected[] = [];
  for (const list of byAgent.values()) {
    const ordered = [...list].sort((a, b) => stableHash(a.conversation_id) - stableHash(b.conversation_id) || (a.conversation_id < b.conversation_id ? -1 : 1));
    const quota = Math.ceil((ordered.length * rule.sample_percent) / 100);
    ordered.forEach((c, i) => {
      const reasons: ReviewReason[] = [];
      if (i < quota) reasons.push("sampled");
      if (rule.review_transfers && c.transferred) reasons.push("transfer");
      if (c.rating !== null && c.rating <= rule.low_rating_max) reasons.push("low_rating");
      if (reasons.length > 0) out.push({ ...c, reasons });
    });
  }
  return out.sort((a, b) => (a.conversation_id < b.conversation_id ? -1 : 1));
}
