import { and, eq, inArray } from "drizzle-orm";
import PostalMime, { type Attachment } from "postal-mime";
import {
  automatedReason,
  htmlToText,
  normalizeMessageId,
  parseRecipient,
  referencedIds,
  stripQuotedReply,
} from "../../src/channels/index.ts";
import { sha256Base64Url } from "../../src/auth/index.ts";
import type { ChannelBinding } from "../../src/channels/index.ts";
import type { ConversationSnapshot } from "../../src/model/index.ts";
import { LIMITS, SwitchboardError } from "../../src/model/index.ts";
import { type AttachmentBytes, attachmentPolicy, putAttachmentBytes, recordAttachment } from "./attachments.ts";
import type { Result } from "../conversation/rpc.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { secretOf } from "../http/authenticate.ts";
import { conversationStub } from "../stubs.ts";
import { resolveContact } from "./contacts.ts";
import { acceptIntoInbox, processInboxRow } from "./inbox.ts";
import { deliverInbound } from "./inbound.ts";

/** What the inbox keeps of an email until it is in its conversation (the raw MIME is not kept). */
export interface EmailPayload {
  kind: "email";
  inbox: string;
  from: string;
  name: string | null;
  subject: string;
  text: string;
  message_id: string;
  /** The Message-IDs it answers, In-Reply-To first. */
  references: string[];
  /** The thread as References states it, oldest first, ending with this email. */
  thread: string[];
  /** The conversation the reply token of the address named, if genuine. */
  token_conversation: string | null;
  automated: string | null;
  /** Attachments already in R2, recorded on the conversation once it is known. */
  attachments: AttachmentBytes[];
}

/** At most this many attachments of one email are kept; the rest are listed in the text. */
const MAX_EMAIL_ATTACHMENTS = 10;

async function hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Puts an email's attachments in R2 before the email is accepted, under IDs derived from its
 * Message-ID (a re-delivery overwrites the same objects). Files the workspace does not accept,
 * by size or by the type their bytes prove, are named in the message instead.
 */
async function storeEmailAttachments(env: Env, db: Database, workspaceId: string, messageId: string, attachments: Attachment[]) {
  const policy = await attachmentPolicy(db, workspaceId);
  const stored: AttachmentBytes[] = [];
  const refused: string[] = [];
  for (const [i, a] of attachments.entries()) {
    const label = a.filename ?? `attachment ${i + 1}`;
    if (i >= MAX_EMAIL_ATTACHMENTS) {
      refused.push(`${label} (more than ${MAX_EMAIL_ATTACHMENTS} attachments)`);
      continue;
    }
    const bytes = typeof a.content === "string" ? new TextEncoder().encode(a.content) : new Uint8Array(a.content);
    try {
      stored.push(await putAttachmentBytes(env, workspaceId, bytes, a.filename ?? undefined, policy, `att_${(await hex(`${messageId}#${i}`)).slice(0, 26)}`));
    } catch (err) {
      if (!(err instanceof SwitchboardError)) throw err;
      refused.push(`${label} (${err.message})`);
    }
  }
  return { stored, refused };
}

/** The Worker's `email()` handler: one support email into its conversation, or refused. */
export async function receiveEmail(message: ForwardableEmailMessage, env: Env): Promise<void> {
  const db = database(env.DB);
  const recipient = await parseRecipient(message.to, secretOf(env));
  const inbox = (await db.select().from(schema.emailInboxes).where(eq(schema.emailInboxes.address, recipient.inbox)).limit(1))[0];
  if (!inbox) {
    message.setReject(`no support inbox at ${recipient.inbox}`);
    return;
  }
  const raw = await new Response(message.raw).arrayBuffer();
  const email = await PostalMime.parse(raw);
  const from = (email.from?.address ?? message.from).toLowerCase();
  // Without a Message-ID the content decides: a re-delivery of the same bytes is still one message.
  const messageId = email.messageId ? normalizeMessageId(email.messageId) : `<${await sha256Base64Url(new TextDecoder().decode(raw))}@switchboard.invalid>`;
  const references = referencedIds(email.inReplyTo, email.references);
  const body = email.text?.trim() ? email.text : email.html ? htmlToText(email.html) : "";
  const files = await storeEmailAttachments(env, db, inbox.workspaceId, messageId, email.attachments);
  const refusedNote = files.refused.length > 0 ? `\n\n[Attachments not accepted: ${files.refused.join("; ")}]` : "";
  const payload: EmailPayload = {
    kind: "email",
    inbox: inbox.address,
    from,
    name: email.from?.name || null,
    subject: (email.subject ?? "").slice(0, 300),
    text: stripQuotedReply(body) + refusedNote,
    message_id: messageId,
    references,
    thread: [...(email.references?.match(/<[^<>\s]+>/g) ?? []).map(normalizeMessageId), messageId].slice(-20),
    token_conversation: recipient.conversationId,
    automated: automatedReason(email.headers, from),
    attachments: files.stored,
  };
  const dedupKey = `mail:${messageId}`;
  if (!(await acceptIntoInbox(db, inbox.workspaceId, dedupKey, "email", payload))) return;
  await processInboxRow(env, inbox.workspaceId, dedupKey, payload);
}

/** The open conversation an email continues: by its threading headers, else by the reply token. */
async function threadConversation(env: Env, db: Database, workspaceId: string, payload: EmailPayload): Promise<ConversationSnapshot | null> {
  const t = schema.emailMessages;
  const known = payload.references.length
    ? await db.select({ id: t.conversationId, messageId: t.messageId }).from(t).where(and(eq(t.workspaceId, workspaceId), inArray(t.messageId, payload.references)))
    : [];
  const byHeaders = payload.references.map((ref) => known.find((k) => k.messageId === ref)?.id).find((id) => id !== undefined);
  for (const id of [byHeaders, payload.token_conversation]) {
    if (!id) continue;
    const snapshot = (await conversationStub(env, workspaceId, id).snapshot({ workspace_id: workspaceId, actor: { role: "system", id: "system" } })) as Result<ConversationSnapshot>;
    if (snapshot.ok && snapshot.value.state !== "ended") return snapshot.value;
  }
  return null;
}

/** Where links made outside a request point when PUBLIC_URL is not set (local development). */
const DEFAULT_ORIGIN = "http://localhost:8787";

function emailBinding(workspaceId: string, conversationId: string, payload: EmailPayload): ChannelBinding {
  return {
    channel: "email",
    workspace_id: workspaceId,
    conversation_id: conversationId,
    inbox: payload.inbox,
    address: payload.from,
    subject: payload.subject,
    message_ids: payload.thread,
  };
}

function emailText(payload: EmailPayload): string {
  const text = payload.references.length > 0 ? payload.text : `${payload.subject ? `${payload.subject}\n\n` : ""}${payload.text}`;
  const trimmed = text.trim() || "(empty email)";
  return trimmed.length > LIMITS.textChars ? `${trimmed.slice(0, LIMITS.textChars - 1)}…` : trimmed;
}

/**
 * Delivers a stored email. A person's email goes into the thread's open conversation or starts one;
 * an automatic one (auto-reply, bounce) is never routed to agents: at most an internal note on the
 * conversation it answers.
 */
export async function deliverEmail(env: Env, workspaceId: string, payload: EmailPayload, now: number): Promise<{ conversation_id: string | null; ignored: boolean }> {
  const db = database(env.DB);
  const clientMsgId = `mail:${(await sha256Base64Url(payload.message_id)).slice(0, 40)}`;
  const open = await threadConversation(env, db, workspaceId, payload);
  if (payload.automated) {
    if (open) {
      const stub = conversationStub(env, workspaceId, open.conversation_id);
      await stub.postMessage(
        { workspace_id: workspaceId, actor: { role: "system", id: "system", name: "Switchboard" } },
        { client_msg_id: clientMsgId, visibility: "internal", content: { kind: "text", text: `Automatic email from ${payload.from} (${payload.automated}), not shown to agents as a message: ${payload.subject}`.slice(0, LIMITS.textChars) } },
      );
    }
    return { conversation_id: open?.conversation_id ?? null, ignored: true };
  }
  const contactId = await resolveContact(db, workspaceId, [{ kind: "email", value: payload.from }], { name: payload.name ?? undefined, email: payload.from }, now);
  const result = await deliverInbound(
    env,
    {
      workspaceId,
      channel: "email",
      threadKey: `email:${payload.message_id}`,
      contactId,
      contactName: payload.name ?? undefined,
      clientMsgId,
      content: { kind: "text", text: emailText(payload) },
      conversationId: open?.conversation_id,
      binding: (conversationId) => emailBinding(workspaceId, conversationId, payload),
    },
    now,
  );
  const origin = (env.PUBLIC_URL ?? DEFAULT_ORIGIN).replace(/\/+$/, "");
  for (const [i, file] of (payload.attachments ?? []).entries()) {
    const stored = await recordAttachment(db, origin, workspaceId, result.conversation_id, contactId, file, now);
    await deliverInbound(env, {
      workspaceId,
      channel: "email",
      threadKey: `email:${payload.message_id}`,
      contactId,
      clientMsgId: `${clientMsgId}.${i}`,
      content: stored.content,
      conversationId: result.conversation_id,
      binding: (conversationId) => emailBinding(workspaceId, conversationId, payload),
    });
  }
  await db
    .insert(schema.emailMessages)
    .values({ workspaceId, messageId: payload.message_id, conversationId: result.conversation_id, createdAt: now })
    .onConflictDoNothing();
  return { conversation_id: result.conversation_id, ignored: false };
}
