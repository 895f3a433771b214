import { beforeAll, describe, expect, it } from "vitest";
import { call, conversationObject, json, post, postMessage, waitUntil } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect } from "../support/socket.ts";
import { LIMITS } from "../../src/model/index.ts";

closeSocketsAfterEach();

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

async function listRow(token: string, conversationId: string, query = "") {
  const list = await json(await call(`/api/conversations?limit=100${query}`, { token }), 200);
  return list.items.find((i: any) => i.id === conversationId);
}

/** Waits for the queue consumer to confirm everything the conversation holds to its object. */
async function waitForArchive(workspaceId: string, conversationId: string) {
  const stub = conversationObject(workspaceId, conversationId);
  return waitUntil(
    `the archive watermark of ${conversationId} to reach its head`,
    async () => {
      const status = await stub.archiveStatus();
      return status && status.confirmed_seq === status.head_seq && status.handed_seq === status.head_seq ? status : undefined;
    },
    { timeoutMs: 15_000 },
  );
}

describe("the conversation list", () => {
  it("shows a new conversation to an agent of its workspace at once, and not to another workspace", async () => {
    const visitor = await newVisitor(team);
    const row = await listRow(team.agent, visitor.conversation_id);
    expect(row).toMatchObject({
      id: visitor.conversation_id,
      workspace_id: team.workspaceId,
      contact_id: visitor.contact_id,
      channel: "web",
      state: "queued",
      last_seq: 1,
      last_message_preview: null,
    });
    expect(await listRow(other.agent, visitor.conversation_id)).toBeUndefined();
  });

  it("catches up with messages and state once the queue consumer ran, and the object's archive watermark is confirmed", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    v.sendText("q", "do you ship to Norway?");
    await v.waitForAck("q");
    await json(await post(`/api/conversations/${conv}/state`, team.agent, { to: "serving" }), 200);
    await json(await postMessage(conv, team.agent, "a", "yes, in 3 days"), 201);
    await json(await post(`/api/conversations/${conv}/messages`, team.agent, { client_msg_id: "n", content: { kind: "text", text: "internal: check stock" }, visibility: "internal" }), 201);
    const head = (await json(await call(`/api/conversations/${conv}`, { token: team.agent }), 200)).head_seq;
    expect(head).toBe(6);

    const row = await waitUntil(`the list row of ${conv} to reach seq ${head}`, async () => {
      const r = await listRow(team.agent, conv);
      return r?.last_seq === head ? r : undefined;
    }, { timeoutMs: 15_000 });
    const status = await waitForArchive(team.workspaceId, conv);

    // The preview is the last public message: internal notes never show in the list.
    expect(row).toMatchObject({ state: "serving", last_seq: 6, last_message_preview: "yes, in 3 days" });
    expect(row.last_message_at).toEqual(expect.any(Number));
    expect(status).toEqual({ head_seq: 6, handed_seq: 6, confirmed_seq: 6 });
    expect(await listRow(team.agent, conv, "&state=serving")).toMatchObject({ id: conv });
    expect(await listRow(team.agent, conv, "&state=queued")).toBeUndefined();
  });

  it("shows the newest message as the preview when the archive hands several batches over at once", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    // Long messages sent in one burst: more than one archive batch (96 KB) is waiting at the first flush.
    const count = 30;
    for (let i = 0; i < count; i++) v.sendText(`long-${i}`, `message ${i} ${"x".repeat(LIMITS.textChars - 20)}`);
    const last = await v.waitForAck(`long-${count - 1}`);

    await waitForArchive(team.workspaceId, conv);
    const row = await waitUntil(`the list row of ${conv} to reach seq ${last.seq}`, async () => {
      const r = await listRow(team.agent, conv);
      return r?.last_seq === last.seq ? r : undefined;
    });
    expect(row.last_message_preview).toBe(`message ${count - 1} ${"x".repeat(140 - `message ${count - 1} `.length)}`);
    expect(row.last_message_at).toBe(last.at);
  });

  it("archives a conversation whose messages are long non-Latin text", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const count = 20;
    for (let i = 0; i < count; i++) v.sendText(`zh-${i}`, `第${i}条 ${"你好".repeat((LIMITS.textChars - 10) / 2)}`);
    const last = await v.waitForAck(`zh-${count - 1}`);
    const status = await waitForArchive(team.workspaceId, conv);
    expect(status.confirmed_seq).toBe(last.seq);
  });

  it("pages with next_cursor without repeating or skipping rows", async () => {
    const fresh = await createTeam();
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await newVisitor(fresh)).conversation_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const list: any = await json(await call(`/api/conversations${query}`, { token: fresh.agent }), 200);
      seen.push(...list.items.map((i: any) => i.id));
      cursor = list.next_cursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual(created.sort());
  });
});
