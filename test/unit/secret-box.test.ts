import { describe, expect, it } from "vitest";
import { isSealed, keyId, openSealed, seal, sealedKeyId } from "../../src/auth/index.ts";

const KEY = "unit-test-key-0123456789abcdef-0123456789";
const OLD_KEY = "unit-test-old-key-0123456789abcdef-012345";

describe("sealed secrets", () => {
  it("open with the key and context that sealed them", async () => {
    const sealed = await seal("whsec_abc", KEY, "webhook:ws_1/wh_1");
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain("whsec_abc");
    expect(await openSealed(sealed, [KEY], "webhook:ws_1/wh_1")).toBe("whsec_abc");
  });

  it("differ each time the same secret is sealed", async () => {
    expect(await seal("whsec_abc", KEY, "c")).not.toBe(await seal("whsec_abc", KEY, "c"));
  });

  it("do not open for another row", async () => {
    const sealed = await seal("whsec_abc", KEY, "webhook:ws_1/wh_1");
    await expect(openSealed(sealed, [KEY], "webhook:ws_2/wh_1")).rejects.toThrow();
  });

  it("do not open once altered", async () => {
    const sealed = await seal("whsec_abc", KEY, "c");
    // A character away from the end: the last base64 character may only carry padding bits.
    const i = sealed.length - 8;
    const altered = sealed.slice(0, i) + (sealed[i] === "A" ? "B" : "A") + sealed.slice(i + 1);
    await expect(openSealed(altered, [KEY], "c")).rejects.toThrow();
  });

  it("open with a previous key while it is still configured, and name the key that sealed them", async () => {
    const sealed = await seal("whsec_abc", OLD_KEY, "c");
    expect(sealedKeyId(sealed)).toBe(await keyId(OLD_KEY));
    expect(await openSealed(sealed, [KEY, OLD_KEY], "c")).toBe("whsec_abc");
    await expect(openSealed(sealed, [KEY], "c")).rejects.toThrow(/not configured/);
  });
});
