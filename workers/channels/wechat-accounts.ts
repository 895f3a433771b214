import { and, eq } from "drizzle-orm";
import type { WechatAccountBody, WechatAccountView } from "../../src/model/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

type Row = typeof schema.wechatAccounts.$inferSelect;

/** The account as the admin API shows it: everything but the app secret, the token and the AES key. */
export function accountView(row: Row, origin: string): WechatAccountView {
  return {
    id: row.id,
    kind: row.kind,
    app_id: row.appId,
    mode: row.mode,
    has_encoding_aes_key: row.encodingAesKey !== null,
    webhook_url: `${origin}/api/channels/wechat/${row.id}`,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function assertKeyForMode(body: Pick<WechatAccountBody, "mode" | "encoding_aes_key">, existingKey: string | null): void {
  if (body.mode !== "plain" && !body.encoding_aes_key && !existingKey) {
    throw new SwitchboardError("invalid_request", `${body.mode} mode needs encoding_aes_key (the 43-character EncodingAESKey)`);
  }
}

export async function createAccount(db: Database, workspaceId: string, body: WechatAccountBody, now = Date.now()): Promise<Row> {
  assertKeyForMode(body, null);
  const t = schema.wechatAccounts;
  const existing = (await db.select({ id: t.id }).from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.appId, body.app_id))).limit(1))[0];
  if (existing) throw new SwitchboardError("invalid_request", `app ID ${body.app_id} is already connected as ${existing.id}; update it instead`);
  const row: Row = {
    id: newId("wechatAccount", now),
    workspaceId,
    kind: body.kind,
    appId: body.app_id,
    appSecret: body.app_secret,
    token: body.token,
    encodingAesKey: body.encoding_aes_key ?? null,
    mode: body.mode,
    accessToken: null,
    accessTokenExpiresAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(t).values(row);
  return row;
}

/** Replaces the account's settings; secrets left out of the body are kept (they are never shown to be re-sent). */
export async function updateAccount(db: Database, workspaceId: string, id: string, body: Partial<WechatAccountBody>, now = Date.now()): Promise<Row> {
  const current = await requireAccount(db, workspaceId, id);
  const mode = body.mode ?? current.mode;
  assertKeyForMode({ mode, encoding_aes_key: body.encoding_aes_key }, current.encodingAesKey);
  const t = schema.wechatAccounts;
  const changes = {
    ...(body.kind ? { kind: body.kind } : {}),
    ...(body.app_secret ? { appSecret: body.app_secret, accessToken: null, accessTokenExpiresAt: null } : {}),
    ...(body.token ? { token: body.token } : {}),
    ...(body.encoding_aes_key ? { encodingAesKey: body.encoding_aes_key } : {}),
    mode,
    updatedAt: now,
  };
  await db.update(t).set(changes).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id)));
  return { ...current, ...changes };
}

/**
 * Disconnects an account: its server URL answers 404 from now on, so WeChat's pushes stop being
 * accepted, and replies still owed to its users are retried, then marked failed with a note for staff.
 */
export async function deleteAccount(db: Database, workspaceId: string, id: string): Promise<void> {
  await requireAccount(db, workspaceId, id);
  const t = schema.wechatAccounts;
  await db.delete(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id)));
}

export async function listAccounts(db: Database, workspaceId: string): Promise<Row[]> {
  return db.select().from(schema.wechatAccounts).where(eq(schema.wechatAccounts.workspaceId, workspaceId)).orderBy(schema.wechatAccounts.createdAt);
}

export async function requireAccount(db: Database, workspaceId: string, id: string): Promise<Row> {
  const t = schema.wechatAccounts;
  const row = (await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", `no WeChat account ${id} in this workspace`);
  return row;
}

/** The account a webhook URL names (the URL carries no workspace: the account ID is unguessable). */
export async function accountById(db: Database, id: string): Promise<Row> {
  const row = (await db.select().from(schema.wechatAccounts).where(eq(schema.wechatAccounts.id, id)).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", `no WeChat account ${id}`);
  return row;
}
