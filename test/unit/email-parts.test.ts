import { describe, expect, it } from "vitest";
import { automatedReason, parseRecipient, referencedIds, replyAddress, stripQuotedReply, threadHeaders } from "../../src/channels/index.ts";

describe("email threading headers", () => {
  it("answers the thread's last message and lists the thread oldest first", () => {
    expect(threadHeaders(["<a@x>", "<b@x>", "<c@x>"])).toEqual({ "In-Reply-To": "<c@x>", References: "<a@x> <b@x> <c@x>" });
  });

  it("caps References to the newest twenty IDs", () => {
    const ids = Array.from({ length: 30 }, (_, i) => `<m${i}@x>`);
    const headers = threadHeaders(ids) as { References: string };
    expect(headers.References.split(" ")).toHaveLength(20);
    expect(headers.References.endsWith("<m29@x>")).toBe(true);
  });

  it("reads In-Reply-To first, then References newest first, without duplicates", () => {
    expect(referencedIds("<c@x>", "<a@x> <b@x>\r\n <c@x>")).toEqual(["<c@x>", "<b@x>", "<a@x>"]);
  });
});

describe("automatic email", () => {
  const h = (key: string, value: string) => ({ key, value });

  it("recognises Auto-Submitted, X-Autoreply, Precedence and delivery reports", () => {
    expect(automatedReason([h("auto-submitted", "auto-replied")], "a@b")).toMatch(/Auto-Submitted/);
    expect(automatedReason([h("x-autoreply", "yes")], "a@b")).toMatch(/auto-reply/);
    expect(automatedReason([h("precedence", "bulk")], "a@b")).toMatch(/bulk/);
    expect(automatedReason([h("content-type", "multipart/report; report-type=delivery-status")], "a@b")).toMatch(/report/);
    expect(automatedReason([], "MAILER-DAEMON@mx.test")).toMatch(/mailer-daemon/);
  });

  it("takes Auto-Submitted: no for a person's email", () => {
    expect(automatedReason([h("auto-submitted", "no")], "person@b.test")).toBeNull();
  });
});

describe("quoted replies", () => {
  it("cuts the quoted thread after the attribution line", () => {
    expect(stripQuotedReply("Thanks!\n\nOn Tue, Support <s@x> wrote:\n> earlier\n> text")).toBe("Thanks!");
  });

  it("cuts a trailing block of > lines", () => {
    expect(stripQuotedReply("Yes please\n> do you want it?")).toBe("Yes please");
  });

  it("keeps a message that is nothing but quote", () => {
    expect(stripQuotedReply("> only a quote")).toBe("> only a quote");
  });
});

describe("reply tokens", () => {
  it("round-trips a conversation through the reply address", async () => {
    const address = await replyAddress("support@shop.test", "cv_01abc", "secret-secret-secret-secret-secret");
    expect(await parseRecipient(address, "secret-secret-secret-secret-secret")).toEqual({ inbox: "support@shop.test", conversationId: "cv_01abc" });
  });

  it("names no conversation for a token made with another secret", async () => {
    const address = await replyAddress("support@shop.test", "cv_01abc", "another-secret-another-secret-xx");
    expect((await parseRecipient(address, "secret-secret-secret-secret-secret")).conversationId).toBeNull();
  });
});
