import { and, eq } from "drizzle-orm";
import { AttachmentPolicy, DEFAULT_ATTACHMENT_POLICY, isAllowedType, sanitizeFilename, sniffMime } from "../../src/channels/index.ts";
import type { MessageContent } from "../../src/model/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";

export async function attachmentPolicy(db: Database, workspaceId: string): Promise<AttachmentPolicy> {
  const row = (await db.select({ body: schema.attachmentPolicies.body }).from(schema.attachmentPolicies).where(eq(schema.attachmentPolicies.workspaceId, workspaceId)).limit(1))[0];
  return row ? AttachmentPolicy.parse(row.body) : DEFAULT_ATTACHMENT_POLICY;
}

export async function setAttachmentPolicy(db: Database, workspaceId: string, policy: AttachmentPolicy, now = Date.now()): Promise<AttachmentPolicy> {
  await db
    .insert(schema.attachmentPolicies)
    .values({ workspaceId, body: policy, updatedAt: now })
    .onConflictDoUpdate({ target: schema.attachmentPolicies.workspaceId, set: { body: policy, updatedAt: now } });
  return policy;
}

export interface StoredAttachment {
  id: string;
  name: string;
  mime: string;
  size: number;
  /** The attachment's stable URL; a GET with a participant's credentials redirects to a short-lived signed link. */
  url: string;
  /** Ready to post as a message's content. */
  content: MessageContent;
}

export interface AttachmentBytes {
  id: string;
  name: string;
  mime: string;
  size: number;
  r2Key: string;
}

/**
 * Checks bytes against the workspace's limits (size, and the type the bytes prove, never the
 * declared one) and puts them in R2. `id` may be given so that a channel re-delivering the same
 * file stores it once.
 */
export async function putAttachmentBytes(env: Env, workspaceId: string, bytes: Uint8Array, name: string | undefined, policy: AttachmentPolicy, id?: string): Promise<AttachmentBytes> {
  if (bytes.byteLength === 0) throw new SwitchboardError("invalid_request", "the attachment is empty");
  if (bytes.byteLength > policy.max_bytes) {
    throw new SwitchboardError("payload_too_large", `attachments are limited to ${policy.max_bytes} bytes in this workspace`);
  }
  const mime = sniffMime(bytes);
  if (!isAllowedType(policy, mime)) {
    throw new SwitchboardError("unsupported_media_type", `the content is ${mime}, which this workspace does not accept (allowed: ${policy.allowed_types.join(", ")})`);
  }
  const clean = sanitizeFilename(name, mime);
  const attachmentId = id ?? newId("attachment");
  const r2Key = `attachments/${workspaceId}/${attachmentId}`;
  await env.ATTACHMENTS.put(r2Key, bytes, { httpMetadata: { contentType: mime }, customMetadata: { name: clean } });
  return { id: attachmentId, name: clean, mime, size: bytes.byteLength, r2Key };
}

/** Records stored bytes as an attachment of a conversation: from then on its participants may download it. */
export async function recordAttachment(db: Database, origin: string, workspaceId: string, conversationId: string, uploadedBy: string, file: AttachmentBytes, now = Date.now()): Promise<StoredAttachment> {
  await db
    .insert(schema.attachments)
    .values({ id: file.id, workspaceId, conversationId, uploadedBy, r2Key: file.r2Key, name: file.name, mime: file.mime, size: file.size, createdAt: now })
    .onConflictDoNothing();
  const url = `${origin}/api/attachments/${file.id}`;
  const content: MessageContent = file.mime.startsWith("image/")
    ? { kind: "image", url, name: file.name, mime: file.mime, size: file.size }
    : { kind: "file", url, name: file.name, mime: file.mime, size: file.size };
  return { id: file.id, name: file.name, mime: file.mime, size: file.size, url, content };
}

export async function findAttachment(db: Database, id: string) {
  return (await db.select().from(schema.attachments).where(eq(schema.attachments.id, id)).limit(1))[0];
}

export async function attachmentIn(db: Database, workspaceId: string, id: string) {
  const t = schema.attachments;
  const row = (await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", "no such attachment");
  return row;
}
