import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { conversationPrefix } from "../../src/archive/index.ts";
import { call, json, postMessage } from "../support/api.ts";
import { archiveStory, waitForArchive } from "../support/archive.ts";
import { createTeam, newVisitor, type Team, userId } from "../support/fixture.ts";

let team: Team;
let other: Team;
/** A time window only this file's stories live in, so filters can be checked exactly. */
const T0 = Date.UTC(2025, 0, 1) + Math.floor(Math.random() * 1e9);
const window = `from=${T0}&to=${T0 + 10_000}`;
let refund: Awaited<ReturnType<typeof archiveStory>>;
let parcel: Awaited<ReturnType<typeof archiveStory>>;
let invoice: Awaited<ReturnType<typeof archiveStory>>;
let elsewhere: Awaited<ReturnType<typeof archiveStory>>;

beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
  refund = await archiveStory(team.workspaceId, {
    channel: "web",
    tags: ["vip"],
    groupId: "sg_presales",
    agentId: userId(team, "agent", 0),
    messages: ["我想申请退款，订单号 12345", "agent:好的，已为您处理退款", "note:customer phone 13800138000, email li.lei@example.com"],
    ended: true,
    createdAt: T0,
    phone: "+8613800138000",
  });
  parcel = await archiveStory(team.workspaceId, {
    channel: "wechat",
    tags: ["refund", "late"],
    groupId: "sg_logistics",
    agentId: userId(team, "agent", 1),
    messages: ["Where is my parcel?", "agent:It ships tomorrow, sorry"],
    createdAt: T0 + 1000,
  });
  invoice = await archiveStory(team.workspaceId, { channel: "email", messages: ['Invoice =HYPERLINK("x"), 2 copies'], createdAt: T0 + 2000 });
  elsewhere = await archiveStory(other.workspaceId, { messages: ["我也要退款"], createdAt: T0 + 3000 });
});

async function search(query: string, token = team.admin): Promise<string[]> {
  const res = await json(await call(`/api/archive/conversations?${window}&${query}`, { token }), 200);
  return res.items.map((i: any) => i.id);
}

describe("audit search", () => {
  it("finds conversations by ID, agent, serving agent, contact, channel, skill group, state and tag", async () => {
    expect(await search(`id=${parcel.conversationId}`)).toEqual([parcel.conversationId]);
    expect(await search(`agent_id=${userId(team, "agent", 0)}`)).toEqual([refund.conversationId]);
    expect(await search(`owner_id=${userId(team, "agent", 1)}`)).toEqual([parcel.conversationId]);
    expect(await search(`contact_id=${invoice.contactId}`)).toEqual([invoice.conversationId]);
    expect(await search("channel=wechat")).toEqual([parcel.conversationId]);
    expect(await search("group_id=sg_presales")).toEqual([refund.conversationId]);
    expect(await search("state=ended")).toEqual([refund.conversationId]);
    expect(await search("tag=refund")).toEqual([parcel.conversationId]);
  });

  it("limits by start time and lists newest first", async () => {
    expect(await search("")).toEqual([invoice.conversationId, parcel.conversationId, refund.conversationId]);
    const res = await json(await call(`/api/archive/conversations?from=${T0 + 500}&to=${T0 + 1500}`, { token: team.admin }), 200);
    expect(res.items.map((i: any) => i.id)).toEqual([parcel.conversationId]);
  });

  it("finds Chinese text by a two-character word and by a longer phrase", async () => {
    expect(await search(`q=${encodeURIComponent("退款")}`)).toEqual([refund.conversationId]);
    expect(await search(`q=${encodeURIComponent("申请退款")}`)).toEqual([refund.conversationId]);
    expect(await search(`q=${encodeURIComponent("订单号 12345")}`)).toEqual([refund.conversationId]);
  });

  it("finds words in any order and case, including in internal notes, and nothing for text no message has", async () => {
    expect(await search("q=PARCEL")).toEqual([parcel.conversationId]);
    expect(await search(`q=${encodeURIComponent("tomorrow ships")}`)).toEqual([parcel.conversationId]);
    expect(await search("q=13800138000")).toEqual([refund.conversationId]);
    expect(await search(`q=${encodeURIComponent('"tomorrow" OR parcel*')}`)).toEqual([]);
    expect(await search("q=nowhere")).toEqual([]);
  });

  it("pages with a cursor", async () => {
    const first = await json(await call(`/api/archive/conversations?${window}&limit=2`, { token: team.admin }), 200);
    expect(first.items).toHaveLength(2);
    const second = await json(await call(`/api/archive/conversations?${window}&limit=2&cursor=${encodeURIComponent(first.next_cursor)}`, { token: team.admin }), 200);
    expect([...first.items, ...second.items].map((i: any) => i.id)).toEqual([invoice.conversationId, parcel.conversationId, refund.conversationId]);
    expect(second.next_cursor).toBeNull();
  });

  it("never shows another workspace's conversations", async () => {
    expect(await search(`q=${encodeURIComponent("退款")}`, other.admin)).toEqual([elsewhere.conversationId]);
    expect((await call(`/api/archive/conversations/${refund.conversationId}`, { token: other.admin })).status).toBe(404);
    const exported = await (await call(`/api/archive/export?${window}`, { token: other.admin })).text();
    expect(exported).not.toContain(refund.conversationId);
  });

  it("is for supervisors and admins, not agents", async () => {
    expect((await call(`/api/archive/conversations?${window}`, { token: team.agent })).status).toBe(403);
    expect((await call(`/api/archive/conversations/${refund.conversationId}`, { token: team.agent })).status).toBe(403);
    expect((await call(`/api/archive/export?${window}`, { token: team.agent })).status).toBe(403);
    expect((await call(`/api/archive/conversations?${window}`, { token: team.supervisor })).status).toBe(200);
  });

  it("refuses a bad filter with a clear error", async () => {
    const res = await call(`/api/archive/conversations?state=archived`, { token: team.admin });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("invalid_request");
  });
});

describe("transcripts", () => {
  it("gives an admin the raw timeline from the archive, with the contact", async () => {
    const t = await json(await call(`/api/archive/conversations/${refund.conversationId}?raw=true`, { token: team.admin }), 200);
    expect(t.masked).toBe(false);
    expect(t.events).toEqual(refund.events);
    expect(t.events.map((e: any) => e.type)).toEqual(["conversation_started", "routed", "assigned", "state_changed", "message", "message", "message", "state_changed"]);
    expect(t.conversation).toMatchObject({ id: refund.conversationId, state: "ended", owner_id: userId(team, "agent", 0), group_id: "sg_presales", tags: ["vip"], archived_seq: 8 });
    expect(t.contact).toEqual({ id: refund.contactId, name: "Li Lei", email: "li.lei@example.com", identities: [{ kind: "phone", value: "+8613800138000" }] });
  });

  it("masks phone numbers and emails for a supervisor, and refuses them the raw copy", async () => {
    const t = await json(await call(`/api/archive/conversations/${refund.conversationId}`, { token: team.supervisor }), 200);
    expect(t.masked).toBe(true);
    expect(t.events[6].content.text).toBe("customer phone 138****8000, email l***@example.com");
    expect(t.contact).toMatchObject({ email: "l***@example.com", identities: [{ kind: "phone", value: "+86138****8000" }] });
    const raw = await call(`/api/archive/conversations/${refund.conversationId}?raw=true`, { token: team.supervisor });
    expect(raw.status).toBe(403);
  });
});

describe("contact data in the archive", () => {
  it("keeps the contact's data as it stood when the conversation ended, next to its segments", async () => {
    const prefix = conversationPrefix(team.workspaceId, refund.conversationId, refund.createdAt);
    const listed = await env.ARCHIVE.list({ prefix: `${prefix}contact-` });
    expect(listed.objects.map((o) => o.key)).toEqual([`${prefix}contact-000000000008.json`]);
    const snapshot = JSON.parse(await (await env.ARCHIVE.get(listed.objects[0]!.key))!.text());
    expect(snapshot).toEqual({
      conversation_id: refund.conversationId,
      ended_seq: 8,
      at: T0 + 7,
      contact: { id: refund.contactId, name: "Li Lei", email: "li.lei@example.com", identities: [{ kind: "phone", value: "+8613800138000" }] },
    });
    const report = await json(await call(`/api/archive/conversations/${refund.conversationId}/verify`, { token: team.admin }), 200);
    expect(report).toMatchObject({ ok: true, segments: 1 });
  });
});

describe("export", () => {
  it("streams NDJSON: one line per conversation with its contact and events, newest first", async () => {
    const res = await call(`/api/archive/export?${window}&format=ndjson&raw=1`, { token: team.admin });
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.conversation.id)).toEqual([invoice.conversationId, parcel.conversationId, refund.conversationId]);
    expect(lines[2].events).toEqual(refund.events);
    expect(lines[2].contact.email).toBe("li.lei@example.com");
  });

  it("streams CSV: a header, then one row per message, quoted and safe to open in a spreadsheet", async () => {
    const res = await call(`/api/archive/export?${window}&format=csv&channel=email&raw=true`, { token: team.admin });
    expect(res.headers.get("content-type")).toContain("text/csv");
    const rows = (await res.text()).split("\r\n");
    expect(rows[0]).toBe("conversation_id,channel,contact_id,seq,at,sender_role,sender_id,visibility,kind,text");
    expect(rows[1]).toBe(
      `${invoice.conversationId},email,${invoice.contactId},2,${new Date(T0 + 2001).toISOString()},visitor,${invoice.contactId},public,text,"Invoice =HYPERLINK(""x""), 2 copies"`,
    );
    expect(rows.slice(2)).toEqual([""]);
    const formula = await (await call(`/api/archive/export?${window}&format=csv&q=HYPERLINK`, { token: team.admin })).text();
    expect(formula).toContain('"Invoice =HYPERLINK(""x""), 2 copies"');
  });

  it("masks the export unless an admin asks for raw", async () => {
    const masked = await (await call(`/api/archive/export?${window}&format=csv&state=ended`, { token: team.supervisor })).text();
    expect(masked).toContain("138****8000");
    expect(masked).not.toContain("13800138000");
    expect((await call(`/api/archive/export?${window}&raw=true`, { token: team.supervisor })).status).toBe(403);
  });

  it("bounds an export by its limit and says where to continue", async () => {
    const first = await call(`/api/archive/export?${window}&limit=2`, { token: team.admin });
    expect(first.headers.get("x-conversation-count")).toBe("2");
    const cursor = first.headers.get("x-next-cursor");
    expect(cursor).toBeTruthy();
    expect((await first.text()).trimEnd().split("\n")).toHaveLength(2);
    const rest = await call(`/api/archive/export?${window}&limit=2&cursor=${encodeURIComponent(cursor!)}`, { token: team.admin });
    expect(rest.headers.get("x-next-cursor")).toBeNull();
    expect(JSON.parse((await rest.text()).trimEnd()).conversation.id).toBe(refund.conversationId);
  });
});

describe("the audit log", () => {
  it("records who searched, viewed and exported what, with the query, for admins to read", async () => {
    const before = Date.now();
    await search(`q=${encodeURIComponent("退款")}&channel=web`, team.supervisor);
    await call(`/api/archive/conversations/${parcel.conversationId}`, { token: team.supervisor });
    await (await call(`/api/archive/export?${window}&format=csv&raw=true`, { token: team.admin })).text();
    const log = await json(await call(`/api/archive/audit-log?limit=3`, { token: team.admin }), 200);
    const supervisor = userId(team, "supervisor");
    expect(log.items.map((i: any) => [i.action, i.user_id, i.conversation_id, i.raw])).toEqual([
      ["export", userId(team, "admin"), null, true],
      ["view", supervisor, parcel.conversationId, false],
      ["search", supervisor, null, false],
    ]);
    expect(log.items[2].query).toMatchObject({ q: "退款", channel: "web" });
    expect(log.items[0].query).toMatchObject({ format: "csv", raw: "true" });
    for (const item of log.items) expect(item.at).toBeGreaterThanOrEqual(before);
  });

  it("is readable by admins only, and only their workspace's", async () => {
    expect((await call(`/api/archive/audit-log`, { token: team.supervisor })).status).toBe(403);
    expect((await call(`/api/archive/audit-log`, { token: team.agent })).status).toBe(403);
    const theirs = await json(await call(`/api/archive/audit-log?limit=200`, { token: other.admin }), 200);
    expect(theirs.items.every((i: any) => i.user_id !== userId(team, "supervisor"))).toBe(true);
  });
});

describe("GET /api/conversations filters", () => {
  async function inbox(query: string, token = team.agent): Promise<string[]> {
    const res = await json(await call(`/api/conversations?${window}&${query}`, { token }), 200);
    return res.items.map((i: any) => i.id);
  }

  it("narrows the inbox by state, channel, group, serving agent, contact and full text", async () => {
    expect(await inbox(`owner_id=${userId(team, "agent", 1)}&state=serving`)).toEqual([parcel.conversationId]);
    expect(await inbox("channel=email")).toEqual([invoice.conversationId]);
    expect(await inbox("group_id=sg_presales")).toEqual([refund.conversationId]);
    expect(await inbox(`contact_id=${refund.contactId}`)).toEqual([refund.conversationId]);
    expect(await inbox(`q=${encodeURIComponent("退款")}`)).toEqual([refund.conversationId]);
  });

  it("shows the index fields the archive keeps current", async () => {
    const res = await json(await call(`/api/conversations?${window}&channel=web`, { token: team.agent }), 200);
    expect(res.items[0]).toMatchObject({ id: refund.conversationId, state: "ended", group_id: "sg_presales", owner_id: userId(team, "agent", 0), tags: ["vip"], ended_at: T0 + 7 });
  });

  it("finds a live conversation by its Chinese text once the archive has it", async () => {
    const visitor = await newVisitor(team);
    await json(await postMessage(visitor.conversation_id, visitor.token, "zh", "请问发票什么时候开具？"), 201);
    await waitForArchive(team.workspaceId, visitor.conversation_id);
    const res = await json(await call(`/api/conversations?q=${encodeURIComponent("发票")}&contact_id=${visitor.contact_id}`, { token: team.agent }), 200);
    expect(res.items.map((i: any) => i.id)).toEqual([visitor.conversation_id]);
  });
});
