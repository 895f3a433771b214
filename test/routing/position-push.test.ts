import { describe, expect, it } from "vitest";
import { positionPush } from "../../src/routing/index.ts";

describe("telling a waiting visitor their place", () => {
  it("tells a visitor their first place, and every change of it near the front", () => {
    expect(positionPush(undefined, 900, 0)).toBe("push");
    expect(positionPush({ position: 12, at: 0 }, 11, 100)).toBe("push");
    expect(positionPush({ position: 51, at: 0 }, 50, 100)).toBe("push");
    expect(positionPush({ position: 11, at: 0 }, 11, 100)).toBe("no");
  });

  it("tells a visitor further back only of a 10 % change, and at most every 15 s", () => {
    const told = { position: 1000, at: 0 };
    expect(positionPush(told, 950, 60_000)).toBe("no");
    expect(positionPush(told, 900, 14_999)).toBe("later");
    expect(positionPush(told, 900, 15_000)).toBe("push");
    expect(positionPush(told, 1000, 60_000)).toBe("no");
  });
});
