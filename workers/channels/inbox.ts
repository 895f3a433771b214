import { and, eq, lt } from "drizzle-orm";
import type { WechatInbound } from "../../src/channels/index.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { resolveContact } from "./contacts.ts";
import { attachmentPolicy, putAttachmentBytes, recordAttachment } from "./attachments.ts";
import { deliverEmail, type EmailPayload } from "./email.ts";
import { fetchWechatMedia } from "./wechat-api.ts";
import { deliverInbound } from "./inbound.ts";

/** What the inbox stores of a push until it is delivered into its conversation. */
export type InboxPayload =
  | { kind: "wechat"; account_id: string; app_id: string; account_kind: "official_account" | "mini_program"; message: WechatInbound }
  | EmailPayload;

/** A pending row is left to the request that stored it for this long before the sweep takes it over. */
const SWEEP_AFTER_MS = 60_000;
/** After this many failed deliveries a row is marked failed (and stays in D1 for an operator). */
const MAX_ATTEMPTS = 20;
const SWEEP_BATCH = 50;

/**
 * Stores a push before it is acknowledged. Returns false when the same push (a channel retry)
 * is already stored and delivered, true when it must be (or may still need to be) delivered.
 */
export async function acceptIntoInbox(db: Database, workspaceId: string, dedupKey: string, channel: string, payload: InboxPayload, now = Date.now()) {
  const t = schema.channelInbox;
  await db.insert(t).values({ workspaceId, dedupKey, channel, payload, status: "pending", receivedAt: now }).onConflictDoNothing();
  const row = (await db.select({ status: t.status }).from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.dedupKey, dedupKey))).limit(1))[0];
  return row?.status === "pending";
}

/** Delivers one stored push into its conversation and marks it delivered; a failure is recorded for the sweep. */
export async function processInboxRow(env: Env, workspaceId: string, dedupKey: string, payload: InboxPayload, now = Date.now()): Promise<void> {
  const db = database(env.DB);
  const t = schema.channelInbox;
  const where = and(eq(t.workspaceId, workspaceId), eq(t.dedupKey, dedupKey));
  try {
    const result = payload.kind === "email" ? await deliverEmail(env, workspaceId, payload, now) : { ...(await deliverWechat(env, db, workspaceId, payload, now)), ignored: false };
    await db
      .update(t)
      .set({ status: result.ignored ? "ignored" : "delivered", conversationId: result.conversation_id, processedAt: Date.now(), lastError: null })
      .where(where);
  } catch (err) {
    console.error(`inbox ${dedupKey} not delivered yet`, err);
    const row = (await db.select({ attempts: t.attempts }).from(t).where(where).limit(1))[0];
    const attempts = (row?.attempts ?? 0) + 1;
    await db
      .update(t)
      .set({ attempts, lastError: String(err).slice(0, 500), ...(attempts >= MAX_ATTEMPTS ? { status: "failed" as const } : {}) })
      .where(and(where, eq(t.status, "pending")));
  }
}

async function deliverWechat(env: Env, db: Database, workspaceId: string, payload: Extract<InboxPayload, { kind: "wechat" }>, now: number) {
  const m = payload.message;
  const contactId = await resolveContact(
    db,
    workspaceId,
    // unionid (one per person across the developer's accounts) decides first; openid is per account.
    [...(m.unionid ? [{ kind: "unionid" as const, value: m.unionid }] : []), { kind: "openid" as const, value: `${payload.app_id}:${m.openid}` }],
    {},
    now,
  );
  const message = {
    workspaceId,
    channel: "wechat" as const,
    threadKey: `wechat:${payload.account_id}:${m.openid}`,
    contactId,
    clientMsgId: m.clientMsgId,
    content: m.content,
    binding: { channel: "wechat" as const, account_id: payload.account_id, app_id: payload.app_id, kind: payload.account_kind, openid: m.openid },
  };
  const result = await deliverInbound(env, message, now);
  // A voice note or video is followed by its file, fetched from WeChat's media store into R2.
  const mediaId = m.content.kind === "channel" && ["voice", "video", "shortvideo"].includes(m.content.type) ? m.content.data?.MediaId : undefined;
  if (mediaId) {
    const bytes = await fetchWechatMedia(env, payload.account_id, mediaId);
    const policy = await attachmentPolicy(db, workspaceId);
    const file = await putAttachmentBytes(env, workspaceId, bytes, `${m.content.kind === "channel" ? m.content.type : "media"}-${mediaId.slice(0, 16)}`, policy, `att_${(await sha256Hex(`${m.dedupKey}#media`)).slice(0, 26)}`);
    const stored = await recordAttachment(db, (env.PUBLIC_URL ?? "http://localhost:8787").replace(/\/+$/, ""), workspaceId, result.conversation_id, contactId, file, now);
    await deliverInbound(env, { ...message, clientMsgId: `${m.clientMsgId}.media`.slice(0, 64), content: stored.content, conversationId: result.conversation_id }, now);
  }
  return result;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cron's sweep: delivers pushes whose request stopped after storing them (a crash, an eviction). */
export async function redeliverInbox(env: Env, now = Date.now()): Promise<number> {
  const db = database(env.DB);
  const t = schema.channelInbox;
  const rows = await db
    .select()
    .from(t)
    .where(and(eq(t.status, "pending"), lt(t.receivedAt, now - SWEEP_AFTER_MS)))
    .orderBy(t.receivedAt)
    .limit(SWEEP_BATCH);
  for (const row of rows) await processInboxRow(env, row.workspaceId, row.dedupKey, row.payload as InboxPayload, now);
  return rows.length;
}
