import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { allEvents, call, conversationObject, json, postMessage, waitUntil } from "../support/api.ts";
import { createTeam, type Team } from "../support/fixture.ts";
import { connectWechat, newOpenid, push, scriptWechat, textXml, type WechatAccount, wechatCalls, wechatContact } from "../support/wechat.ts";

let team: Team;

beforeAll(async () => {
  team = await createTeam();
});

/** A WeChat user who wrote once, and the conversation it opened. */
async function wechatUser(account: WechatAccount) {
  const openid = newOpenid();
  const res = await push(account, textXml(account, openid, "我想退货"));
  expect(await res.text()).toBe("success");
  const { conversationId } = await wechatContact(team.agent, account, openid);
  return { openid, conversationId };
}

async function sentTexts(appId: string, openid: string): Promise<string[]> {
  const calls = await wechatCalls(appId);
  return calls.filter((c) => c.path === "/cgi-bin/message/custom/send" && c.body.touser === openid).map((c) => c.body.text?.content);
}

async function channelStatus(conversationId: string) {
  return json(await call(`/api/conversations/${conversationId}/channel`, { token: team.agent }), 200);
}

describe("WeChat replies", () => {
  it("sends an agent's public reply through the customer-service message API", async () => {
    const account = await connectWechat(team.admin);
    const { openid, conversationId } = await wechatUser(account);
    await json(await postMessage(conversationId, team.agent, "r1", "您好，请提供订单号"), 201);
    await waitUntil("the reply at WeChat", async () => (await sentTexts(account.appId, openid)).length === 1);
    const [sent] = (await wechatCalls(account.appId)).filter((c) => c.path.endsWith("/custom/send"));
    expect(sent!.body).toEqual({ touser: openid, msgtype: "text", text: { content: "您好，请提供订单号" } });
    const status = await waitUntil("delivery status sent", async () => {
      const s = await channelStatus(conversationId);
      return s.deliveries.length === 1 && s;
    });
    expect(status.deliveries[0].status).toBe("sent");
  });

  it("uploads an agent's image to WeChat's media store and sends it as an image", async () => {
    const account = await connectWechat(team.admin);
    const { openid, conversationId } = await wechatUser(account);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const stored = await json(await call(`/api/attachments?conversation_id=${conversationId}&name=label.png`, { method: "POST", token: team.agent, body: png }), 201);
    await json(await call(`/api/conversations/${conversationId}/messages`, { method: "POST", token: team.agent, json: { client_msg_id: "img", content: stored.content } }), 201);
    const send = await waitUntil("the image at WeChat", async () =>
      (await wechatCalls(account.appId)).find((c) => c.path.endsWith("/custom/send") && c.body.touser === openid),
    );
    const upload = (await wechatCalls(account.appId)).find((c) => c.path === "/cgi-bin/media/upload");
    expect(upload!.body).toMatchObject({ type: "image", size: png.byteLength, first: [0x89, 0x50, 0x4e, 0x47] });
    expect(send.body).toEqual({ touser: openid, msgtype: "image", image: { media_id: expect.stringMatching(/^media-/) } });
  });

  it("keeps internal notes and the user's own messages out of WeChat", async () => {
    const account = await connectWechat(team.admin);
    const { openid, conversationId } = await wechatUser(account);
    await json(await call(`/api/conversations/${conversationId}/messages`, { method: "POST", token: team.agent, json: { client_msg_id: "n1", visibility: "internal", content: { kind: "text", text: "VIP customer" } } }), 201);
    await json(await postMessage(conversationId, team.agent, "r1", "public"), 201);
    await waitUntil("the public reply at WeChat", async () => (await sentTexts(account.appId, openid)).length >= 1);
    expect(await sentTexts(account.appId, openid)).toEqual(["public"]);
  });

  it("fetches one access token and reuses it", async () => {
    const account = await connectWechat(team.admin);
    const { openid, conversationId } = await wechatUser(account);
    await json(await postMessage(conversationId, team.agent, "r1", "one"), 201);
    await json(await postMessage(conversationId, team.agent, "r2", "two"), 201);
    await waitUntil("both replies at WeChat", async () => (await sentTexts(account.appId, openid)).length === 2);
    expect((await wechatCalls(account.appId)).filter((c) => c.path === "/cgi-bin/token")).toHaveLength(1);
  });

  it("replaces an access token WeChat calls expired and sends again", async () => {
    const account = await connectWechat(team.admin);
    const { openid, conversationId } = await wechatUser(account);
    await json(await postMessage(conversationId, team.agent, "r1", "before"), 201);
    await waitUntil("the first reply", async () => (await sentTexts(account.appId, openid)).length === 1);
    await scriptWechat(account.appId, { expire_tokens: true });
    await json(await postMessage(conversationId, team.agent, "r2", "after expiry"), 201);
    await waitUntil("the second reply accepted", async () => (await channelStatus(conversationId)).deliveries.filter((d: any) => d.status === "sent").length === 2);
    expect((await wechatCalls(account.appId)).filter((c) => c.path === "/cgi-bin/token")).toHaveLength(2);
  });

  it("retries a busy WeChat later and keeps the replies in order", async () => {
    const account = await connectWechat(team.admin);
    const { openid, conversationId } = await wechatUser(account);
    await scriptWechat(account.appId, { send_errors: [-1] });
    await json(await postMessage(conversationId, team.agent, "r1", "first"), 201);
    await json(await postMessage(conversationId, team.agent, "r2", "second"), 201);
    const status = await waitUntil("both replies sent", async () => {
      const s = await channelStatus(conversationId);
      return s.deliveries.filter((d: any) => d.status === "sent").length === 2 && s;
    });
    expect(await sentTexts(account.appId, openid)).toEqual(["first", "first", "second"]);
    expect(status.deliveries.map((d: any) => d.attempts)).toEqual([2, 1]);
  });

  it("records a reply WeChat refuses for good and tells the team in an internal note", async () => {
    const account = await connectWechat(team.admin);
    const { conversationId } = await wechatUser(account);
    await scriptWechat(account.appId, { send_errors: [45015] });
    await json(await postMessage(conversationId, team.agent, "r1", "too late"), 201);
    const note = await waitUntil("the internal note", async () =>
      (await allEvents(conversationId, team.agent)).find((e) => e.type === "message" && e.visibility === "internal" && e.sender.role === "system"),
    );
    expect(note.content.text).toMatch(/Not delivered to wechat.*reply_window_closed/);
    expect((await channelStatus(conversationId)).deliveries[0]).toMatchObject({ status: "failed" });
  });
});

describe("the 48-hour reply window", () => {
  /** Moves the user's last message into the past, as if the conversation had been quiet for `hours`. */
  async function age(conversationId: string, hours: number) {
    const stub = conversationObject(team.workspaceId, conversationId);
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec("UPDATE channel_link SET last_inbound_at = ?", Date.now() - hours * 3_600_000);
    });
    // The object reads its storage afresh after an eviction, as after any restart.
    await evictDurableObject(stub);
  }

  it("refuses an agent's reply once 48 hours passed since the user's last message", async () => {
    const account = await connectWechat(team.admin);
    const { conversationId } = await wechatUser(account);
    await age(conversationId, 49);
    const res = await postMessage(conversationId, team.agent, "late", "are you still there?");
    const body = await json(res, 409);
    expect(body.error.code).toBe("reply_window_closed");
    expect(body.error.details.reply_window_closes_at).toBeLessThan(Date.now());
  });

  it("shows the closed window in the conversation's channel status", async () => {
    const account = await connectWechat(team.admin);
    const { conversationId } = await wechatUser(account);
    await age(conversationId, 49);
    const status = await channelStatus(conversationId);
    expect(status).toMatchObject({ channel: "wechat", reply_window_closed: true });
  });

  it("opens the window again when the user writes", async () => {
    const account = await connectWechat(team.admin);
    const { openid, conversationId } = await wechatUser(account);
    await age(conversationId, 49);
    expect(await push(account, textXml(account, openid, "我回来了")).then((r) => r.text())).toBe("success");
    await wechatContact(team.agent, account, openid, 2);
    expect((await channelStatus(conversationId)).reply_window_closed).toBe(false);
    await json(await postMessage(conversationId, team.agent, "back", "welcome back"), 201);
  });

  it("still accepts internal notes after the window closed", async () => {
    const account = await connectWechat(team.admin);
    const { conversationId } = await wechatUser(account);
    await age(conversationId, 49);
    const res = await call(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      token: team.agent,
      json: { client_msg_id: "note", visibility: "internal", content: { kind: "text", text: "call them instead" } },
    });
    expect(res.status).toBe(201);
  });
});
