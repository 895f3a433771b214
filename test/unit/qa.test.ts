import { describe, expect, it } from "vitest";
import { type EndedConversation, sampleForReview, scoreReview } from "../../src/qa/index.ts";

const card = {
  criteria: [
    { id: "greeting", label: "Greets the visitor", weight: 1 },
    { id: "accuracy", label: "Answer is correct", weight: 3 },
  ],
  pass_mark: 80,
};

describe("scorecard scoring", () => {
  it("weights each criterion's score: (1×100 + 3×70) / 4 = 77.5, below a pass mark of 80", () => {
    expect(scoreReview(card, { greeting: 100, accuracy: 70 })).toEqual({ total: 77.5, passed: false });
  });

  it("passes a total equal to the pass mark", () => {
    expect(scoreReview(card, { greeting: 80, accuracy: 80 })).toEqual({ total: 80, passed: true });
  });

  it("refuses a verdict that leaves a criterion unscored or scores one the card lacks", () => {
    expect(() => scoreReview(card, { greeting: 100 })).toThrow(/score every criterion/);
    expect(() => scoreReview(card, { greeting: 100, accuracy: 90, empathy: 50 })).toThrow(/score every criterion/);
  });
});

const conv = (id: string, agent: string, extra: Partial<EndedConversation> = {}): EndedConversation => ({
  conversation_id: id,
  agent_id: agent,
  group_id: "g1",
  transferred: false,
  rating: null,
  ...extra,
});

describe("sampling for review", () => {
  it("takes the rounded-up percentage of each agent's conversations separately", () => {
    const ended = [...Array.from({ length: 10 }, (_, i) => conv(`a${i}`, "ann")), ...Array.from({ length: 3 }, (_, i) => conv(`b${i}`, "bob"))];
    const picked = sampleForReview(ended, { sample_percent: 20, low_rating_max: 0, review_transfers: false });
    expect(picked.filter((p) => p.agent_id === "ann")).toHaveLength(2);
    expect(picked.filter((p) => p.agent_id === "bob")).toHaveLength(1);
    expect(picked.every((p) => p.reasons.join() === "sampled")).toBe(true);
  });

  it("always takes conversations with a transfer or a rating at or below the low mark", () => {
    const ended = [conv("c1", "ann", { transferred: true }), conv("c2", "ann", { rating: 2 }), conv("c3", "ann", { rating: 3 }), conv("c4", "ann")];
    const picked = sampleForReview(ended, { sample_percent: 0, low_rating_max: 2, review_transfers: true });
    expect(picked.map((p) => [p.conversation_id, p.reasons])).toEqual([
      ["c1", ["transfer"]],
      ["c2", ["low_rating"]],
    ]);
  });

  it("leaves out conversations nobody served and picks the same ones every time", () => {
    const ended = [conv("x", ""), ...Array.from({ length: 20 }, (_, i) => conv(`c${i}`, "ann"))];
    const rule = { sample_percent: 25, low_rating_max: 0, review_transfers: true };
    const first = sampleForReview(ended, rule);
    expect(first).toHaveLength(5);
    expect(sampleForReview([...ended].reverse(), rule)).toEqual(first);
  });
});
