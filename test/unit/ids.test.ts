import { describe, expect, it } from "vitest";
import { ConversationId, ID_PREFIXES, newId, ServerMsgId, VisitorId, WorkspaceId } from "../../src/model/index.ts";

describe("newId", () => {
  it("is the kind's prefix, an underscore and 26 lowercase Crockford base32 characters", () => {
    for (const kind of Object.keys(ID_PREFIXES) as Array<keyof typeof ID_PREFIXES>) {
      expect(newId(kind)).toMatch(new RegExp(`^${ID_PREFIXES[kind]}_[0-9abcdefghjkmnpqrstvwxyz]{26}$`));
    }
  });

  it("passes the schema of its kind and no other", () => {
    expect(ConversationId.safeParse(newId("conversation")).success).toBe(true);
    expect(ServerMsgId.safeParse(newId("message")).success).toBe(true);
    expect(VisitorId.safeParse(newId("visitor")).success).toBe(true);
    expect(WorkspaceId.safeParse(newId("workspace")).success).toBe(true);
    expect(ConversationId.safeParse(newId("contact")).success).toBe(false);
  });

  it("sorts by creation time as plain strings", () => {
    const times = [0, 1, 31, 32, 1_000, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_086_400, 4_102_444_800_000];
    const ids = times.map((t) => newId("message", t));
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  it("encodes the creation time in its first ten characters", () => {
    const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
    const decode = (id: string) => [...id.slice(id.indexOf("_") + 1, id.indexOf("_") + 11)].reduce((n, c) => n * 32 + ALPHABET.indexOf(c), 0);
    for (const t of [0, 1, 1_700_000_000_000, 4_102_444_800_000]) expect(decode(newId("message", t))).toBe(t);
    // A fixed point: 1,700,000,000,000 ms written in Crockford base32.
    expect(newId("message", 1_700_000_000_000).slice(4, 14)).toBe("01hf7yat00");
  });

  it("differs between two ids made in the same millisecond", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId("message", 1_700_000_000_000)));
    expect(ids.size).toBe(1000);
  });
});
