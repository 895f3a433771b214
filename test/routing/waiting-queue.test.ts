import { describe, expect, it } from "vitest";
import { WaitingQueue } from "../../src/routing/index.ts";

const ids = (q: WaitingQueue) => [...q.inOrder()].map((e) => e.conversation_id);

describe("a skill group's waiting queue", () => {
  it("serves higher priorities first and, within a priority, in arrival order", () => {
    const q = new WaitingQueue();
    q.add("a", 0, 1, false);
    q.add("b", 5, 2, false);
    q.add("c", 0, 3, false);
    q.add("d", 5, 4, false);
    q.add("e", -1, 5, false);
    expect(ids(q)).toEqual(["b", "d", "a", "c", "e"]);
    expect([q.positionOf("a"), q.positionOf("e"), q.positionOf("zz")]).toEqual([3, 5, null]);
    expect([q.countAbove(0), q.countAt(0), q.countAbove(5), q.size]).toEqual([2, 2, 0, 5]);
  });

  it("puts a requeued conversation at the front of its own priority, not ahead of higher ones", () => {
    const q = new WaitingQueue();
    q.add("a", 0, 1, false);
    q.add("b", 5, 2, false);
    q.add("back", 0, 0, true);
    expect(ids(q)).toEqual(["b", "back", "a"]);
  });

  it("keeps order, counts and positions right through many removals from anywhere", () => {
    const q = new WaitingQueue();
    for (let i = 0; i < 100; i++) q.add(`c${i}`, i % 3, i, false);
    for (let i = 0; i < 100; i += 2) expect(q.remove(`c${i}`)?.conversation_id).toBe(`c${i}`);
    expect(q.remove("c0")).toBeUndefined();
    const expected = [2, 1, 0].flatMap((p) => Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 === p).map((i) => `c${i}`));
    expect(ids(q)).toEqual(expected);
    expect(q.size).toBe(50);
    expected.forEach((id, i) => expect(q.positionOf(id)).toBe(i + 1));
    for (const id of expected) q.remove(id);
    expect([q.size, ids(q), q.countAbove(-10)]).toEqual([0, [], 0]);
  });

  it("rebuilds the same serving order from its stored rows, and goes on numbering after them", () => {
    const q = new WaitingQueue();
    q.add("a", 0, 1, false);
    q.add("b", 1, 2, false);
    q.add("front", 0, 3, true);
    const copy = WaitingQueue.from([...q.inOrder()].reverse());
    expect(ids(copy)).toEqual(ids(q));
    copy.add("late", 0, 4, false);
    copy.add("first", 0, 5, true);
    expect(ids(copy)).toEqual(["b", "first", "front", "a", "late"]);
  });
});
