import { describe, expect, it } from "vitest";
import { deliveryStatus } from "../../src/conversation/index.ts";
import type { Participant } from "../../src/model/index.ts";

function p(id: string, dispatched: number, delivered: number, read: number, role: Participant["role"] = "agent"): Participant {
  return { id, role, joined_at: 0, dispatched_seq: dispatched, delivered_seq: delivered, read_seq: read };
}

describe("deliveryStatus", () => {
  it("is queued when the sender is the only participant", () => {
    expect(deliveryStatus(5, "me", [p("me", 9, 9, 9, "visitor")])).toBe("queued");
  });

  it("is queued when no other participant's watermark reaches the seq", () => {
    expect(deliveryStatus(5, "me", [p("me", 9, 9, 9), p("other", 4, 4, 4)])).toBe("queued");
  });

  it("is dispatched when another participant's dispatched watermark reaches the seq", () => {
    expect(deliveryStatus(5, "me", [p("me", 0, 0, 0), p("other", 5, 4, 0)])).toBe("dispatched");
  });

  it("is delivered when another participant's delivered watermark reaches the seq", () => {
    expect(deliveryStatus(5, "me", [p("other", 5, 5, 4)])).toBe("delivered");
  });

  it("is read when another participant's read watermark reaches the seq", () => {
    expect(deliveryStatus(5, "me", [p("other", 7, 7, 6)])).toBe("read");
  });

  it("takes the furthest any other participant got, whatever their order", () => {
    const others = [p("a", 5, 0, 0), p("b", 5, 5, 0), p("c", 0, 0, 0)];
    expect(deliveryStatus(5, "me", others)).toBe("delivered");
    expect(deliveryStatus(5, "me", [...others].reverse())).toBe("delivered");
    expect(deliveryStatus(5, "me", [p("c", 0, 0, 0), p("a", 5, 0, 0)])).toBe("dispatched");
  });

  it("ignores the sender's own watermarks", () => {
    expect(deliveryStatus(5, "me", [p("me", 10, 10, 10), p("other", 5, 0, 0)])).toBe("dispatched");
  });
});
