import { and, eq } from "drizzle-orm";
import { type DeliveryOutcome, WECHAT_RETRY_ERRORS, WECHAT_TOKEN_ERRORS, WECHAT_WINDOW_ERRORS, wechatCustomMessage } from "../../src/channels/index.ts";
import type { MessageContent } from "../../src/model/index.ts";
import { database, schema } from "../db.ts";
import { findAttachment } from "./attachments.ts";
import type { Env } from "../env.ts";

const DEFAULT_API_BASE = "https://api.weixin.qq.com";
/** Tokens are refreshed this long before WeChat says they expire. */
const TOKEN_MARGIN_MS = 5 * 60 * 1000;

/** Access tokens by account, for this isolate; D1 holds them across isolates. */
const tokens = new Map<string, { token: string; expiresAt: number }>();

function apiBase(env: Env): string {
  return (env.WECHAT_API_BASE ?? DEFAULT_API_BASE).replace(/\/+$/, "");
}

interface WechatReply {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
}

async function callJson(request: Request): Promise<WechatReply | { httpError: string }> {
  const res = await fetch(request);
  if (!res.ok) return { httpError: `HTTP ${res.status} from ${new URL(request.url).pathname}` };
  return (await res.json()) as WechatReply;
}

/** A valid access token for the account: cached, else fetched with the app secret (and cached in D1). */
async function accessToken(env: Env, accountId: string, force: boolean): Promise<{ token: string } | { error: string }> {
  const now = Date.now();
  const cached = tokens.get(accountId);
  if (!force && cached && cached.expiresAt - TOKEN_MARGIN_MS > now) return { token: cached.token };
  const db = database(env.DB);
  const t = schema.wechatAccounts;
  const account = (await db.select().from(t).where(eq(t.id, accountId)).limit(1))[0];
  if (!account) return { error: `WeChat account ${accountId} was removed` };
  if (!force && account.accessToken && (account.accessTokenExpiresAt ?? 0) - TOKEN_MARGIN_MS > now) {
    tokens.set(accountId, { token: account.accessToken, expiresAt: account.accessTokenExpiresAt! });
    return { token: account.accessToken };
  }
  const url = new URL(`${apiBase(env)}/cgi-bin/token`);
  url.search = new URLSearchParams({ grant_type: "client_credential", appid: account.appId, secret: account.appSecret }).toString();
  const reply = await callJson(new Request(url));
  if ("httpError" in reply) return { error: reply.httpError };
  if (!reply.access_token) return { error: `token: errcode ${reply.errcode ?? "?"} ${reply.errmsg ?? ""}`.trim() };
  const expiresAt = now + (reply.expires_in ?? 7200) * 1000;
  tokens.set(accountId, { token: reply.access_token, expiresAt });
  await db
    .update(t)
    .set({ accessToken: reply.access_token, accessTokenExpiresAt: expiresAt })
    .where(and(eq(t.id, accountId), eq(t.workspaceId, account.workspaceId)));
  return { token: reply.access_token };
}

/**
 * Sends one customer-service message. A token WeChat calls invalid or expired is replaced and the
 * send tried once more at once; busy/rate-limit answers and network failures are retried later by
 * the outbox; a closed 48-hour window or any other refusal is final.
 */
export async function sendWechatMessage(
  env: Env,
  binding: { account_id: string; openid: string; kind: "official_account" | "mini_program" },
  content: MessageContent,
): Promise<DeliveryOutcome> {
  const accountId = binding.account_id;
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = await accessToken(env, accountId, attempt > 0);
    if ("error" in token) return { status: "retry", error: token.error };
    // An image uploaded to Switchboard goes to WeChat's media store first and is sent as an image.
    const upload = content.kind === "image" ? await uploadImage(env, accountId, token.token, content.url) : null;
    if (upload && "errcode" in upload && WECHAT_TOKEN_ERRORS.has(upload.errcode)) {
      tokens.delete(accountId);
      continue;
    }
    if (upload && "error" in upload) return { status: "retry", error: upload.error };
    const message =
      upload && "media_id" in upload
        ? { touser: binding.openid, msgtype: "image", image: { media_id: upload.media_id } }
        : wechatCustomMessage(binding.openid, content, binding.kind);
    const reply = await callJson(
      new Request(`${apiBase(env)}/cgi-bin/message/custom/send?access_token=${encodeURIComponent(token.token)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message),
      }),
    );
    if ("httpError" in reply) return { status: "retry", error: reply.httpError };
    const code = reply.errcode ?? 0;
    if (code === 0) return { status: "sent" };
    const error = `errcode ${code}: ${reply.errmsg ?? ""}`.trim();
    if (WECHAT_TOKEN_ERRORS.has(code)) {
      tokens.delete(accountId);
      continue;
    }
    if (WECHAT_RETRY_ERRORS.has(code)) return { status: "retry", error };
    if (WECHAT_WINDOW_ERRORS.has(code)) return { status: "failed", code: "reply_window_closed", error };
    return { status: "failed", code: "rejected", error };
  }
  return { status: "retry", error: "WeChat refused two fresh access tokens" };
}

/**
 * Uploads an image that is a Switchboard attachment of the account's workspace to WeChat's
 * temporary media store. null: the URL is not one of ours (it is sent as a link instead).
 */
async function uploadImage(env: Env, accountId: string, token: string, url: string): Promise<{ media_id: string } | { errcode: number } | { error: string } | null> {
  const match = /\/api\/attachments\/(att_[0-9a-z]+)$/.exec(new URL(url).pathname);
  if (!match) return null;
  const db = database(env.DB);
  const [file, account] = await Promise.all([findAttachment(db, match[1]!), db.select().from(schema.wechatAccounts).where(eq(schema.wechatAccounts.id, accountId)).limit(1)]);
  if (!file || !account[0] || file.workspaceId !== account[0].workspaceId) return null;
  const object = await env.ATTACHMENTS.get(file.r2Key);
  if (!object) return null;
  const form = new FormData();
  form.append("media", new Blob([await object.arrayBuffer()], { type: file.mime }), file.name);
  const res = await fetch(`${apiBase(env)}/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}&type=image`, { method: "POST", body: form });
  if (!res.ok) return { error: `media upload: HTTP ${res.status}` };
  const reply = (await res.json()) as { media_id?: string; errcode?: number; errmsg?: string };
  if (reply.media_id) return { media_id: reply.media_id };
  if (reply.errcode !== undefined && WECHAT_TOKEN_ERRORS.has(reply.errcode)) return { errcode: reply.errcode };
  return { error: `media upload: errcode ${reply.errcode ?? "?"} ${reply.errmsg ?? ""}`.trim() };
}

/**
 * The bytes of a user's voice note or video (WeChat keeps them three days, by MediaId), so agents
 * can play them. An invalid token is replaced once; any other failure is thrown for the inbox to retry.
 */
export async function fetchWechatMedia(env: Env, accountId: string, mediaId: string): Promise<Uint8Array> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = await accessToken(env, accountId, attempt > 0);
    if ("error" in token) throw new Error(`WeChat media ${mediaId}: ${token.error}`);
    const url = `${apiBase(env)}/cgi-bin/media/get?access_token=${encodeURIComponent(token.token)}&media_id=${encodeURIComponent(mediaId)}`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`WeChat media ${mediaId}: HTTP ${res.status}`);
    // Errors come back as JSON; media as the file itself.
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      const reply = (await res.json()) as WechatReply;
      if (WECHAT_TOKEN_ERRORS.has(reply.errcode ?? 0)) {
        tokens.delete(accountId);
        continue;
      }
      throw new Error(`WeChat media ${mediaId}: errcode ${reply.errcode ?? "?"} ${reply.errmsg ?? ""}`);
    }
    return new Uint8Array(await res.arrayBuffer());
  }
  throw new Error(`WeChat media ${mediaId}: WeChat refused two fresh access tokens`);
}
