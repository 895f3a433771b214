import { describe, expect, it } from "vitest";
import { foldIndexFields, type IndexFields } from "../../src/archive/index.ts";
import type { ConversationEvent } from "../../src/model/index.ts";

const start: IndexFields = { state: "queued", groupId: null, ownerId: null, tags: [], endedAt: null, lastMessageAt: null, lastMessagePreview: null };
const visitor = { role: "visitor" as const, id: "ct_1" };
const alice = { role: "agent" as const, id: "us_alice" };
const bob = { role: "agent" as const, id: "us_bob" };
const system = { role: "system" as const, id: "system" };

function events(...drafts: Array<Record<string, unknown>>): ConversationEvent[] {
  return drafts.map((d, i) => ({ visibility: "public", seq: i + 1, at: 1000 + i, ...d }) as ConversationEvent);
}

describe("the conversation index fold", () => {
  it("follows a transfer mid-conversation: new group, new serving agent, both agents searchable", () => {
    const { fields, staff } = foldIndexFields(
      start,
      events(
        { type: "routed", visibility: "internal", version: 1, decided_by: "r1", target: { kind: "group", group: "sg_a", priority: 50 }, intent: "none" },
        { type: "assigned", visibility: "internal", agent: alice, group_id: "sg_a", queue_wait_ms: 5 },
        { type: "state_changed", from: "queued", to: "serving", by: system },
        { type: "transferred", visibility: "internal", by: alice, from_agent: alice, from_group: "sg_a", to: { kind: "group", group_id: "sg_b" } },
        { type: "assigned", visibility: "internal", agent: bob, group_id: "sg_b", queue_wait_ms: 9 },
      ),
    );
    expect(fields).toMatchObject({ groupId: "sg_b", ownerId: "us_bob", state: "serving" });
    expect(staff).toEqual(["us_alice", "us_bob"]);
  });

  it("counts an agent who claims a conversation by moving it to serving as its owner", () => {
    const { fields, staff } = foldIndexFields(start, events({ type: "state_changed", from: "queued", to: "serving", by: alice }));
    expect(fields.ownerId).toBe("us_alice");
    expect(staff).toEqual(["us_alice"]);
  });

  it("records the end, and forgets it when the conversation is reopened", () => {
    const ended = foldIndexFields(start, events({ type: "state_changed", from: "serving", to: "ended", by: alice })).fields;
    expect(ended).toMatchObject({ state: "ended", endedAt: 1000 });
    const reopened = foldIndexFields(ended, events({ type: "state_changed", from: "ended", to: "queued", by: visitor })).fields;
    expect(reopened).toMatchObject({ state: "queued", endedAt: null });
  });

  it("previews only public messages but indexes the text of internal notes too", () => {
    const { fields, texts } = foldIndexFields(
      start,
      events(
        { type: "message", server_msg_id: "msg_1", client_msg_id: "a", sender: visitor, content: { kind: "text", text: "hello" } },
        { type: "message", visibility: "internal", server_msg_id: "msg_2", client_msg_id: "b", sender: alice, content: { kind: "text", text: "vip customer" } },
      ),
    );
    expect(fields).toMatchObject({ lastMessagePreview: "hello", lastMessageAt: 1000 });
    expect(texts.map((t) => [t.seq, t.visibility, t.text])).toEqual([
      [1, "public", "hello"],
      [2, "internal", "vip customer"],
    ]);
  });

  it("takes the tags from the context the conversation started with", () => {
    const { fields } = foldIndexFields(
      start,
      events({ type: "conversation_started", workspace_id: "ws_x", conversation_id: "cv_x", contact: visitor, context: { channel: "web", tags: ["vip"] } }),
    );
    expect(fields.tags).toEqual(["vip"]);
  });
});
