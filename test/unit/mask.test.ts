import { describe, expect, it } from "vitest";
import { maskDeep, maskPii } from "../../src/archive/index.ts";

describe("PII masking", () => {
  it("masks Chinese mobile numbers to the carrier prefix and the last four, with or without +86 and separators", () => {
    expect(maskPii("我的手机号是13800138000")).toBe("我的手机号是138****8000");
    expect(maskPii("call +86 139-1234-5678 now")).toBe("call +86 139-****-5678 now");
    expect(maskPii("0086 15912345678")).toBe("0086 159****5678");
  });

  it("masks emails to their first letter and domain", () => {
    expect(maskPii("write to zhang.san@example.com.cn, thanks")).toBe("write to z***@example.com.cn, thanks");
  });

  it("masks 18- and 15-digit ID-card numbers, keeping the first three and last four", () => {
    expect(maskPii("身份证号 11010119900307123X")).toBe("身份证号 110***********123X");
    expect(maskPii("id 110101900307123")).toBe("id 110********7123");
  });

  it("masks bank card numbers, grouped or not, to the last four digits", () => {
    expect(maskPii("卡号 6222 0202 0000 1234 567")).toBe("卡号 **** **** **** ***4 567");
    expect(maskPii("card 4111111111111111 ok")).toBe("card ************1111 ok");
  });

  it("masks other international numbers and landlines", () => {
    expect(maskPii("+44 20 7946 0958")).toBe("+44 ** **** **58");
    expect(maskPii("座机 010-12345678")).toBe("座机 01*-******78");
  });

  it("leaves ordinary text, short numbers, dates and prices alone", () => {
    const text = "订单 12345 于 2026-11-26 发货, 共 ¥199.00, 3 件";
    expect(maskPii(text)).toBe(text);
  });

  it("masks free text deep inside an event but keeps ids, types and hashes", () => {
    const event = {
      type: "message",
      seq: 4,
      server_msg_id: "msg_01m8bn7fkg04t6s4w5ck29n79f",
      sender: { role: "visitor", id: "ct_13800138000abcdefgh", name: "Li 13800138000" },
      content: { kind: "text", text: "email me at li@example.com" },
      hash: "a".repeat(64),
    };
    expect(maskDeep(event)).toEqual({
      ...event,
      sender: { role: "visitor", id: "ct_13800138000abcdefgh", name: "Li 138****8000" },
      content: { kind: "text", text: "email me at l***@example.com" },
    });
  });
});
