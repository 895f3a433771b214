import { describe, expect, it } from "vitest";
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "../../src/auth/index.ts";

describe("password hashing", () => {
  it("stores pbkdf2-sha256 with the iteration count, a salt and the hash", async () => {
    const stored = await hashPassword("s3cret!");
    expect(stored).toMatch(new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
  });

  it("verifies the right password", async () => {
    expect(await verifyPassword("s3cret!", await hashPassword("s3cret!", 1000))).toBe(true);
  });

  it("refuses a wrong password, including one differing only in case or a trailing space", async () => {
    const stored = await hashPassword("s3cret!", 1000);
    expect(await Promise.all(["S3cret!", "s3cret! ", "", "s3cret"].map((p) => verifyPassword(p, stored)))).toEqual([false, false, false, false]);
  });

  it("salts every hash, so the same password hashes differently", async () => {
    const [a, b] = await Promise.all([hashPassword("same", 1000), hashPassword("same", 1000)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same", a)).toBe(true);
    expect(await verifyPassword("same", b)).toBe(true);
  });

  it("refuses a tampered hash, salt, iteration count or scheme", async () => {
    const stored = await hashPassword("s3cret!", 1000);
    const [scheme, iterations, salt, hash] = stored.split("$") as [string, string, string, string];
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    const tampered = [
      [scheme, iterations, salt, flip(hash)],
      [scheme, iterations, flip(salt), hash],
      [scheme, "1001", salt, hash],
      ["pbkdf2-sha1", iterations, salt, hash],
      [scheme, "0", salt, hash],
      [scheme, String(PBKDF2_ITERATIONS + 1), salt, hash],
      [scheme, "abc", salt, hash],
      [scheme, iterations, salt],
    ].map((parts) => parts.join("$"));
    expect(await Promise.all(tampered.map((t) => verifyPassword("s3cret!", t)))).toEqual(tampered.map(() => false));
    expect(await verifyPassword("s3cret!", "")).toBe(false);
  });
});
