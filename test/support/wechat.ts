import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { call, json, waitUntil } from "./api.ts";

/** WeChat's own fake origin in the tests (vitest.config.ts, test/fakes/outbound.ts). */
const FAKE = "http://fake-wechat.test";

export interface WechatAccount {
  id: string;
  appId: string;
  token: string;
  aesKey: string;
  original: string;
}

function randomAlnum(n: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(n), (b) => chars[b % chars.length]).join("");
}

/** Connects a new WeChat account to the workspace through the admin API. */
export async function connectWechat(adminToken: string, mode: "plain" | "safe" = "safe"): Promise<WechatAccount> {
  const appId = `wx${randomAlnum(16).toLowerCase()}`;
  const token = randomAlnum(16);
  const aesKey = randomAlnum(43);
  const created = await json(
    await call("/api/admin/channels/wechat", {
      method: "POST",
      token: adminToken,
      json: { app_id: appId, app_secret: randomAlnum(32), token, encoding_aes_key: aesKey, mode },
    }),
    201,
  );
  return { id: created.id, appId, token, aesKey, original: `gh_${randomAlnum(12).toLowerCase()}` };
}

/** SHA-1 of the sorted parts, computed here with node:crypto, independently of the Worker's WebCrypto code. */
export function sha1Signature(parts: string[]): string {
  return createHash("sha1").update([...parts].sort().join("")).digest("hex");
}

/** WeChat's encryption, written from its published description with node:crypto's AES-256-CBC. */
export function encryptForWechat(xml: string, aesKey: string, appId: string): string {
  const key = Buffer.from(`${aesKey}=`, "base64");
  const body = Buffer.from(xml, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(appId, "utf8")]);
  const pad = 32 - (plain.length % 32);
  const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString("base64");
}

export interface PushOptions {
  encrypted?: boolean;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  appId?: string;
  tamper?: "signature";
}

/** Delivers a push as WeChat would: signed query string, plaintext or encrypted body. */
export function push(account: WechatAccount, xml: string, options: PushOptions = {}): Promise<Response> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const params = new URLSearchParams({ timestamp, nonce, signature: sha1Signature([account.token, timestamp, nonce]) });
  let body = xml;
  if (options.encrypted ?? true) {
    const encrypted = encryptForWechat(xml, account.aesKey, options.appId ?? account.appId);
    params.set("encrypt_type", "aes");
    params.set("msg_signature", sha1Signature([account.token, timestamp, nonce, encrypted]));
    body = `<xml><ToUserName><![CDATA[${account.original}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
  }
  if (options.tamper === "signature") {
    params.set("signature", "0".repeat(40));
    if (params.has("msg_signature")) params.set("msg_signature", "0".repeat(40));
  }
  return call(`/api/channels/wechat/${account.id}?${params}`, { method: "POST", body, headers: { "content-type": "text/xml" } });
}

let serial = 0;

/** A WeChat user's push, in the XML of WeChat's documentation. */
export function wechatXml(account: WechatAccount, openid: string, fields: Record<string, string | number>): string {
  const all: Record<string, string | number> = { ToUserName: account.original, FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), ...fields };
  const inner = Object.entries(all)
    .map(([k, v]) => (typeof v === "number" ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`))
    .join("\n");
  return `<xml>\n${inner}\n</xml>`;
}

export function textXml(account: WechatAccount, openid: string, text: string, msgId = `${Date.now()}${++serial}`): string {
  return wechatXml(account, openid, { MsgType: "text", Content: text, MsgId: Number(msgId) });
}

export function newOpenid(): string {
  return `o${randomAlnum(27)}`;
}

/** The contact and conversations of a WeChat user, once the push has been delivered. */
export async function wechatContact(staffToken: string, account: WechatAccount, openid: string, messages = 1): Promise<any> {
  return waitUntil(`the WeChat user's conversation with ${messages} message(s)`, async () => {
    const res = await call(`/api/contacts?kind=openid&value=${encodeURIComponent(`${account.appId}:${openid}`)}`, { token: staffToken });
    if (res.status !== 200) return undefined;
    const contact = await res.json<any>();
    const conversationId = contact.conversations.at(-1)?.id;
    if (!conversationId) return undefined;
    const events = await json(await call(`/api/conversations/${conversationId}/events`, { token: staffToken }), 200);
    const found = events.events.filter((e: any) => e.type === "message" && e.sender.role === "visitor");
    return found.length >= messages ? { contact, conversationId, messages: found } : undefined;
  });
}

/** What the fake WeChat API received for this app. */
export async function wechatCalls(appId: string): Promise<Array<{ path: string; body: any }>> {
  return (await fetch(`${FAKE}/__fake/calls?appid=${appId}`)).json();
}

export async function scriptWechat(appId: string, script: { send_errors?: number[]; expire_tokens?: boolean }): Promise<void> {
  await fetch(`${FAKE}/__fake/script`, { method: "POST", body: JSON.stringify({ appid: appId, ...script }) });
}
