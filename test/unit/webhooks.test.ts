import { describe, expect, it } from "vitest";
import { backoffSeconds, type ConversationEventRun, conversationWebhookEvents, signatureHeader } from "../../src/webhooks/index.ts";

const batch: ConversationEventRun = {
  workspace_id: "ws_0000000000aaaaaaaaaaaaaaaa",
  conversation_id: "cv_0000000000aaaaaaaaaaaaaaaa",
  events: [
    { seq: 1, at: 10, visibility: "public", type: "conversation_started", workspace_id: "ws_0000000000aaaaaaaaaaaaaaaa", conversation_id: "cv_0000000000aaaaaaaaaaaaaaaa", contact: { role: "visitor", id: "ct_1" }, context: { channel: "web" } },
    { seq: 2, at: 11, visibility: "public", type: "participant_joined", participant: { role: "agent", id: "us_1" } },
    { seq: 3, at: 12, visibility: "internal", type: "message", server_msg_id: "msg_0000000000aaaaaaaaaaaaaaaa", client_msg_id: "c1", sender: { role: "agent", id: "us_1" }, content: { kind: "text", text: "note" } },
  ],
};

describe("webhook events from a conversation batch", () => {
  it("map started and message events, skip the rest, with ids from conversation and seq", () => {
    const events = conversationWebhookEvents(batch);
    expect(events.map((e) => [e.type, e.id])).toEqual([
      ["conversation.created", "evt_cv_0000000000aaaaaaaaaaaaaaaa_1"],
      ["message.created", "evt_cv_0000000000aaaaaaaaaaaaaaaa_3"],
    ]);
    expect(events[1]!.data).toMatchObject({ visibility: "internal", seq: 3 });
  });

  it("give the same ids when the same batch comes again", () => {
    expect(conversationWebhookEvents(batch)).toEqual(conversationWebhookEvents(structuredClone(batch)));
  });
});

describe("webhook retry back-off", () => {
  it("doubles from the base and stops growing at an hour", () => {
    expect([1, 2, 3, 4, 7].map((n) => backoffSeconds(n, 30))).toEqual([30, 60, 120, 240, 1920]);
    expect(backoffSeconds(20, 30)).toBe(3600);
  });
});

describe("the signature header", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA256 of t.body>", async () => {
    expect(await signatureHeader("secret", 1, "{}")).toMatch(/^t=1,v1=[0-9a-f]{64}$/);
  });
});
