import { describe, expect, it } from "vitest";
import { canonicalJson, chainHash, chainHashes, GENESIS_HASH } from "../../src/archive/index.ts";

describe("canonical JSON", () => {
  it("writes the same text whatever order the keys were written in", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: "x" } })).toBe(canonicalJson({ a: { c: "x", d: [1, { y: null, z: true }] }, b: 1 }));
    expect(canonicalJson({ b: 1, a: "é" })).toBe('{"a":"é","b":1}');
  });

  it("drops undefined members as JSON does", () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });
});

describe("the hash chain", () => {
  it("hashes the previous hash and the canonical event with SHA-256", async () => {
    // sha256("0…0\n{}") computed independently.
    const expected = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${GENESIS_HASH}\n{}`)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(await chainHash(GENESIS_HASH, {})).toBe(expected);
  });

  it("gives the same hashes for a re-send that starts from a hash in the middle", async () => {
    const events = [{ seq: 1 }, { seq: 2 }, { seq: 3 }, { seq: 4 }];
    const all = await chainHashes(GENESIS_HASH, events);
    expect(await chainHashes(all[1]!, events.slice(2))).toEqual(all.slice(2));
    expect(new Set(all).size).toBe(4);
  });

  it("changes every later hash when one event changes", async () => {
    const a = await chainHashes(GENESIS_HASH, [{ t: "x" }, { t: "y" }]);
    const b = await chainHashes(GENESIS_HASH, [{ t: "X" }, { t: "y" }]);
    expect(a[0]).not.toBe(b[0]);
    expect(a[1]).not.toBe(b[1]);
  });
});
