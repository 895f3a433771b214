import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { parseWechatXml, wechatInbound } from "../../src/channels/index.ts";
import { runCron } from "../../workers/cron.ts";
import { database, schema } from "../../workers/db.ts";
import { call, json } from "../support/api.ts";
import { createTeam, type Team } from "../support/fixture.ts";
import { connectWechat, newOpenid, push, sha1Signature, textXml, type WechatAccount, wechatContact, wechatXml } from "../support/wechat.ts";

let team: Team;
let safe: WechatAccount;
let plain: WechatAccount;

beforeAll(async () => {
  team = await createTeam();
  safe = await connectWechat(team.admin, "safe");
  plain = await connectWechat(team.admin, "plain");
});

async function accepted(res: Response): Promise<void> {
  const text = await res.text();
  if (res.status !== 200 || text !== "success") throw new Error(`expected WeChat's "success", got ${res.status}: ${text}`);
}

describe("WeChat server URL verification", () => {
  function verify(account: WechatAccount, options: { timestamp?: number; signature?: string } = {}) {
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = "1234567";
    const signature = options.signature ?? sha1Signature([account.token, timestamp, nonce]);
    return call(`/api/channels/wechat/${account.id}?${new URLSearchParams({ signature, timestamp, nonce, echostr: "echo-5ee3" })}`);
  }

  it("echoes echostr when the signature is right", async () => {
    const res = await verify(safe);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("echo-5ee3");
  });

  it("refuses a wrong signature with signature_invalid", async () => {
    const res = await verify(safe, { signature: sha1Signature(["not-the-token", "1", "2"]) });
    expect((await json(res, 401)).error.code).toBe("signature_invalid");
  });

  it("refuses a replayed (stale) timestamp with timestamp_out_of_window", async () => {
    const res = await verify(safe, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const body = await json(res, 401);
    expect(body.error.code).toBe("timestamp_out_of_window");
    expect(body.error.message).toMatch(/replay/);
  });
});

describe("WeChat account settings", () => {
  it("never returns the app secret, the token or the EncodingAESKey", async () => {
    const list = await call("/api/admin/channels/wechat", { token: team.admin });
    const text = await list.text();
    expect(text).toContain(safe.appId);
    expect(text).not.toContain(safe.token);
    expect(text).not.toContain(safe.aesKey);
    expect(text).not.toMatch(/"app_secret"|"encoding_aes_key"|"token"/);
  });

  it("refuses safe mode without an EncodingAESKey", async () => {
    const res = await call("/api/admin/channels/wechat", {
      method: "POST",
      token: team.admin,
      json: { app_id: "wx0123456789abcdef", app_secret: "s".repeat(32), token: "tok123", mode: "safe" },
    });
    expect((await json(res, 400)).error.message).toMatch(/encoding_aes_key/);
  });

  it("is for admins only", async () => {
    expect((await call("/api/admin/channels/wechat", { token: team.agent })).status).toBe(403);
  });

  it("disconnects an account: it is no longer listed and its server URL answers 404", async () => {
    const account = await connectWechat(team.admin, "plain");
    expect((await call(`/api/admin/channels/wechat/${account.id}`, { method: "DELETE", token: team.admin })).status).toBe(204);
    const { items } = await json(await call("/api/admin/channels/wechat", { token: team.admin }), 200);
    expect(items.map((a: { id: string }) => a.id)).not.toContain(account.id);
    const res = await push(account, textXml(account, newOpenid(), "还在吗？"), { encrypted: false });
    expect((await json(res, 404)).error.code).toBe("not_found");
  });

  it("answers 404 for removing an account that is not connected", async () => {
    const res = await call("/api/admin/channels/wechat/wxa_00000000000000000000000000", { method: "DELETE", token: team.admin });
    expect((await json(res, 404)).error.code).toBe("not_found");
  });
});

describe("WeChat inbound messages", () => {
  it("delivers an encrypted text message into the user's conversation as the visitor", async () => {
    const openid = newOpenid();
    await accepted(await push(safe, textXml(safe, openid, "你好，我的订单还没到")));
    const { messages, contact } = await wechatContact(team.agent, safe, openid);
    expect(messages[0].content).toEqual({ kind: "text", text: "你好，我的订单还没到" });
    expect(messages[0].sender.id).toBe(contact.id);
    expect(contact.conversations[0].channel).toBe("wechat");
  });

  it("delivers a plaintext-mode message", async () => {
    const openid = newOpenid();
    await accepted(await push(plain, textXml(plain, openid, "plain hello"), { encrypted: false }));
    const { messages } = await wechatContact(team.agent, plain, openid);
    expect(messages[0].content.text).toBe("plain hello");
  });

  it("puts a user's next message in the same open conversation", async () => {
    const openid = newOpenid();
    await accepted(await push(safe, textXml(safe, openid, "first")));
    await wechatContact(team.agent, safe, openid, 1);
    await accepted(await push(safe, textXml(safe, openid, "second")));
    const { messages, contact } = await wechatContact(team.agent, safe, openid, 2);
    expect(messages.map((m: any) => m.content.text)).toEqual(["first", "second"]);
    expect(contact.conversations).toHaveLength(1);
  });

  it("keeps WeChat's three retries of a push to exactly one message", async () => {
    const openid = newOpenid();
    const xml = textXml(safe, openid, "只发一次", "6100000000000000001");
    const tries = await Promise.all([push(safe, xml), push(safe, xml), push(safe, xml)]);
    for (const res of tries) await accepted(res);
    await accepted(await push(safe, xml));
    await accepted(await push(safe, textXml(safe, openid, "after")));
    const { messages } = await wechatContact(team.agent, safe, openid, 2);
    expect(messages.map((m: any) => m.content.text)).toEqual(["只发一次", "after"]);
  });

  it("deduplicates a retried event by sender, time and event", async () => {
    const openid = newOpenid();
    const xml = wechatXml(safe, openid, { MsgType: "event", Event: "subscribe", CreateTime: 1700000000 });
    await accepted(await push(safe, xml));
    await accepted(await push(safe, xml));
    await accepted(await push(safe, textXml(safe, openid, "hi")));
    const { messages } = await wechatContact(team.agent, safe, openid, 2);
    expect(messages.map((m: any) => m.content.type ?? m.content.text)).toEqual(["event:subscribe", "hi"]);
  });

  it("refuses a wrong msg_signature with signature_invalid and stores nothing", async () => {
    const openid = newOpenid();
    const res = await push(safe, textXml(safe, openid, "forged"), { tamper: "signature" });
    expect((await json(res, 401)).error.code).toBe("signature_invalid");
    const contact = await call(`/api/contacts?kind=openid&value=${safe.appId}:${openid}`, { token: team.agent });
    expect(contact.status).toBe(404);
  });

  it("refuses a push encrypted for another app ID", async () => {
    const res = await push(safe, textXml(safe, newOpenid(), "wrong app"), { appId: "wxsomeoneelse0000" });
    const body = await json(res, 401);
    expect(body.error.code).toBe("signature_invalid");
    expect(body.error.message).toMatch(/app ID/);
  });

  it("refuses a replayed push whose timestamp is stale", async () => {
    const res = await push(safe, textXml(safe, newOpenid(), "old"), { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect((await json(res, 401)).error.code).toBe("timestamp_out_of_window");
  });

  it("refuses plaintext pushes to an account in safe mode", async () => {
    const res = await push(safe, textXml(safe, newOpenid(), "clear"), { encrypted: false });
    expect((await json(res, 401)).error.message).toMatch(/safe mode/);
  });
});

describe("WeChat message types", () => {
  const cases: Array<[string, Record<string, string | number>, (content: any) => void]> = [
    ["image", { MsgType: "image", PicUrl: "http://mmbiz.qpic.cn/abc/0", MediaId: "media_img", MsgId: 101 }, (c) => expect(c).toEqual({ kind: "image", url: "http://mmbiz.qpic.cn/abc/0" })],
    [
      "voice with recognition",
      { MsgType: "voice", MediaId: "media_voice", Format: "amr", Recognition: "腾讯微信团队", MsgId: 102 },
      (c) => {
        expect(c).toMatchObject({ kind: "channel", channel: "wechat", type: "voice", data: { MediaId: "media_voice", Recognition: "腾讯微信团队" } });
        expect(c.text).toContain("腾讯微信团队");
      },
    ],
    ["video", { MsgType: "video", MediaId: "media_video", ThumbMediaId: "thumb", MsgId: 103 }, (c) => expect(c).toMatchObject({ kind: "channel", type: "video", data: { MediaId: "media_video" } })],
    ["shortvideo", { MsgType: "shortvideo", MediaId: "media_sv", ThumbMediaId: "thumb", MsgId: 104 }, (c) => expect(c).toMatchObject({ kind: "channel", type: "shortvideo" })],
    [
      "location",
      { MsgType: "location", Location_X: 23.134521, Location_Y: 113.358803, Scale: 20, Label: "广州市天河区", MsgId: 105 },
      (c) => expect(c).toMatchObject({ kind: "card", title: "广州市天河区", text: expect.stringContaining("23.134521") }),
    ],
    [
      "link",
      { MsgType: "link", Title: "公众平台官网链接", Description: "公众平台官网链接", Url: "https://mp.weixin.qq.com", MsgId: 106 },
      (c) => expect(c).toEqual({ kind: "card", title: "公众平台官网链接", text: "公众平台官网链接", url: "https://mp.weixin.qq.com" }),
    ],
    ["menu click", { MsgType: "event", Event: "CLICK", EventKey: "V1001_TODAY_MUSIC" }, (c) => expect(c).toMatchObject({ kind: "channel", type: "event:CLICK", data: { EventKey: "V1001_TODAY_MUSIC" } })],
    ["menu view", { MsgType: "event", Event: "VIEW", EventKey: "https://www.qq.com/" }, (c) => expect(c).toMatchObject({ kind: "channel", type: "event:VIEW" })],
    ["unsubscribe", { MsgType: "event", Event: "unsubscribe" }, (c) => expect(c).toMatchObject({ kind: "channel", type: "event:unsubscribe" })],
    [
      "mini-program session entry",
      { MsgType: "event", Event: "user_enter_tempsession", SessionFrom: "order-page" },
      (c) => expect(c).toMatchObject({ kind: "channel", type: "event:user_enter_tempsession", data: { SessionFrom: "order-page" } }),
    ],
  ];

  for (const [name, fields, check] of cases) {
    it(`turns a ${name} push into a standard message`, async () => {
      const openid = newOpenid();
      await accepted(await push(safe, wechatXml(safe, openid, fields)));
      const { messages } = await wechatContact(team.agent, safe, openid);
      check(messages[0].content);
    });
  }

  it("follows a voice note with its audio, fetched from WeChat into an attachment", async () => {
    const openid = newOpenid();
    await accepted(await push(safe, wechatXml(safe, openid, { MsgType: "voice", MediaId: "media_voice_2", Format: "amr", Recognition: "退款", MsgId: 108 })));
    const { messages } = await wechatContact(team.agent, safe, openid, 2);
    expect(messages[1].content).toMatchObject({ kind: "file", mime: "audio/amr" });
    const link = await json(await call(`${new URL(messages[1].content.url).pathname}?redirect=false`, { token: team.agent }), 200);
    const audio = await exports.default.fetch(new Request(link.url));
    expect(new TextDecoder().decode((await audio.arrayBuffer()).slice(0, 6))).toBe("#!AMR\n");
  });

  it("keeps an unknown message type with its raw XML instead of dropping it", async () => {
    const openid = newOpenid();
    const xml = wechatXml(safe, openid, { MsgType: "hologram", Depth: "3d", MsgId: 107 });
    await accepted(await push(safe, xml));
    const { messages } = await wechatContact(team.agent, safe, openid);
    expect(messages[0].content).toMatchObject({ kind: "channel", channel: "wechat", type: "hologram", raw: xml });
    expect(messages[0].content.text).toMatch(/Unsupported WeChat message type "hologram"/);
  });

  it("links a unionid to the same contact across two accounts", async () => {
    const other = await connectWechat(team.admin, "safe");
    const unionid = `o6_bm${newOpenid().slice(5)}`;
    const a = newOpenid();
    const b = newOpenid();
    await accepted(await push(safe, wechatXml(safe, a, { MsgType: "text", Content: "from account one", MsgId: 201, UnionId: unionid })));
    const first = await wechatContact(team.agent, safe, a);
    await accepted(await push(other, wechatXml(other, b, { MsgType: "text", Content: "from account two", MsgId: 202, UnionId: unionid })));
    const second = await wechatContact(team.agent, other, b);
    expect(second.contact.id).toBe(first.contact.id);
  });
});

describe("WeChat pushes that were stored but not delivered", () => {
  it("are delivered by the cron sweep", async () => {
    const openid = newOpenid();
    const xml = textXml(safe, openid, "stored, then the isolate died");
    const message = wechatInbound(parseWechatXml(xml), xml);
    const db = database(env.DB);
    // What the webhook stored before answering "success", as if processing never ran.
    await db.insert(schema.channelInbox).values({
      workspaceId: team.workspaceId,
      dedupKey: message.dedupKey,
      channel: "wechat",
      payload: { kind: "wechat", account_id: safe.id, app_id: safe.appId, account_kind: "official_account", message },
      status: "pending",
      receivedAt: Date.now() - 120_000,
    });
    await runCron(env);
    const { messages } = await wechatContact(team.agent, safe, openid);
    expect(messages[0].content.text).toBe("stored, then the isolate died");
    // WeChat's retry of the same push after the sweep changes nothing.
    await accepted(await push(safe, xml));
    await accepted(await push(safe, textXml(safe, openid, "next")));
    const after = await wechatContact(team.agent, safe, openid, 2);
    expect(after.messages.map((m: any) => m.content.text)).toEqual(["stored, then the isolate died", "next"]);
  });
});
