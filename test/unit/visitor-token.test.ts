import { describe, expect, it } from "vitest";
import { isVisitorToken, signVisitorToken, verifyVisitorToken, type VisitorClaims } from "../../src/auth/index.ts";
import { fromBase64Url, toBase64Url } from "../../src/auth/encoding.ts";
import { newId } from "../../src/model/index.ts";

const SECRET = "unit-test-secret-0123456789abcdef0123";
const NOW = Date.UTC(2030, 0, 1);

function claims(overrides: Partial<VisitorClaims> = {}): VisitorClaims {
  return { ws: newId("workspace"), ct: newId("contact"), vid: newId("visitor"), exp: NOW / 1000 + 3600, ...overrides };
}

describe("visitor tokens", () => {
  it("verify to the claims they were signed with", async () => {
    const c = claims();
    const token = await signVisitorToken(c, SECRET);
    expect(token.split(".")).toHaveLength(3);
    expect(isVisitorToken(token)).toBe(true);
    expect(await verifyVisitorToken(token, SECRET, NOW)).toEqual(c);
  });

  it("do not verify once the payload is changed, even to valid claims", async () => {
    const token = await signVisitorToken(claims(), SECRET);
    const [prefix, payload, sig] = token.split(".") as [string, string, string];
    const decoded = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as VisitorClaims;
    const other = toBase64Url(new TextEncoder().encode(JSON.stringify({ ...decoded, ct: newId("contact") })));
    expect(await verifyVisitorToken(`${prefix}.${other}.${sig}`, SECRET, NOW)).toBeNull();
  });

  it("do not verify with another secret", async () => {
    const token = await signVisitorToken(claims(), SECRET);
    expect(await verifyVisitorToken(token, `${SECRET}-rotated`, NOW)).toBeNull();
  });

  it("do not verify at or after their expiry", async () => {
    const token = await signVisitorToken(claims({ exp: NOW / 1000 }), SECRET);
    expect(await verifyVisitorToken(token, SECRET, NOW - 1)).not.toBeNull();
    expect(await verifyVisitorToken(token, SECRET, NOW)).toBeNull();
    expect(await verifyVisitorToken(token, SECRET, NOW + 1000)).toBeNull();
  });

  it("do not verify when malformed: wrong prefix, missing parts, bad signature encoding, or claims of the wrong shape", async () => {
    const token = await signVisitorToken(claims(), SECRET);
    const [, payload, sig] = token.split(".") as [string, string, string];
    const badShape = await signVisitorToken({ ws: "nope" } as unknown as VisitorClaims, SECRET);
    const candidates = [`vt2.${payload}.${sig}`, `vt1.${payload}`, `${token}.extra`, `vt1.${payload}.%%%`, "", badShape];
    const results = await Promise.all(candidates.map((t) => verifyVisitorToken(t, SECRET, NOW)));
    expect(results).toEqual(candidates.map(() => null));
  });

  it("are told apart from session tokens by their prefix", () => {
    expect([isVisitorToken("vt1.a.b"), isVisitorToken("st1.abc"), isVisitorToken("garbage")]).toEqual([true, false, false]);
  });
});
