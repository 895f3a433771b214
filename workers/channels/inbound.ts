import { and, eq } from "drizzle-orm";
import type { ChannelBinding } from "../../src/channels/index.ts";
import type { Ack, Channel, ConversationContext, ConversationSnapshot, MessageContent } from "../../src/model/index.ts";
import { type ErrorCode, newId, SwitchboardError } from "../../src/model/index.ts";
import type { ConversationInit } from "../conversation/conversation-do.ts";
import { type Caller, type Result, unwrap } from "../conversation/rpc.ts";
import { database, type Database, schema } from "../db.ts";
import { indexNewConversation } from "../directory/conversation-index.ts";
import type { Env } from "../env.ts";
import { conversationStub } from "../stubs.ts";

/** A message a server-side channel received, already turned into a standard message. */
export interface InboundMessage {
  workspaceId: string;
  channel: Channel;
  /** One open conversation per thread key: `wechat:<account>:<openid>`, an email thread, an API contact. */
  threadKey: string;
  contactId: string;
  contactName?: string | undefined;
  /** Derived from the channel's own message ID, so a redelivery is deduplicated by the conversation. */
  clientMsgId: string;
  content: MessageContent;
  context?: Omit<ConversationContext, "channel"> | undefined;
  /** Where replies go; a function when it names the conversation (email's reply address). */
  binding: ChannelBinding | ((conversationId: string) => ChannelBinding);
  /** Post into this conversation (email threading found it) instead of the thread key's. */
  conversationId?: string | undefined;
}

export interface InboundResult {
  conversation_id: string;
  created: boolean;
  ack: Ack;
}

function unwrapError(error: { code: ErrorCode; message: string }): SwitchboardError {
  return new SwitchboardError(error.code, error.message);
}

const SYSTEM_CALLER = (workspaceId: string): Caller => ({ workspace_id: workspaceId, actor: { role: "system", id: "system" } });

/**
 * Finds or creates the thread's open conversation and posts the message into it as the contact.
 * Safe to repeat: the thread row is claimed by compare-and-set, creating a conversation is
 * idempotent per ID, and the conversation deduplicates the message by its client_msg_id.
 */
export async function deliverInbound(env: Env, message: InboundMessage, now = Date.now()): Promise<InboundResult> {
  const db = database(env.DB);
  const { conversationId, created } = message.conversationId
    ? { conversationId: message.conversationId, created: false }
    : await openConversationFor(env, db, message, now);
  const stub = conversationStub(env, message.workspaceId, conversationId);
  const snapshot = unwrap(await stub.snapshot(SYSTEM_CALLER(message.workspaceId)));
  // The conversation's own contact posts: after a merge it may differ from the thread's current contact.
  const caller: Caller = { workspace_id: message.workspaceId, actor: { role: "visitor", id: snapshot.contact.id, ...(snapshot.contact.name ? { name: snapshot.contact.name } : {}) } };
  const ack = unwrap(
    await stub.postFromChannel(
      caller,
      { client_msg_id: message.clientMsgId, content: message.content, visibility: "public" },
      typeof message.binding === "function" ? message.binding(conversationId) : message.binding,
    ),
  );
  return { conversation_id: conversationId, created, ack };
}

async function openConversationFor(env: Env, db: Database, message: InboundMessage, now: number) {
  const t = schema.channelThreads;
  const where = and(eq(t.workspaceId, message.workspaceId), eq(t.threadKey, message.threadKey));
  const current = (await db.select().from(t).where(where).limit(1))[0];
  if (current) {
    const snapshot = (await conversationStub(env, message.workspaceId, current.conversationId).snapshot(SYSTEM_CALLER(message.workspaceId))) as Result<ConversationSnapshot>;
    if (snapshot.ok && snapshot.value.state !== "ended") return { conversationId: current.conversationId, created: false };
    if (!snapshot.ok && snapshot.error.code !== "not_found") throw unwrapError(snapshot.error);
    if (!snapshot.ok) {
      // Claimed by a delivery that stopped before creating it: finish the job under the same ID.
      await createConversation(env, db, message, current.conversationId, now);
      return { conversationId: current.conversationId, created: true };
    }
    const candidate = newId("conversation", now);
    await db
      .update(t)
      .set({ conversationId: candidate, contactId: message.contactId, updatedAt: now })
      .where(and(where, eq(t.conversationId, current.conversationId)));
    return claimed(env, db, message, candidate, now);
  }
  const candidate = newId("conversation", now);
  await db
    .insert(t)
    .values({ workspaceId: message.workspaceId, threadKey: message.threadKey, conversationId: candidate, contactId: message.contactId, channel: message.channel, updatedAt: now })
    .onConflictDoNothing();
  return claimed(env, db, message, candidate, now);
}

/** Whoever's ID the thread row holds now won the race; only the winner creates the conversation. */
async function claimed(env: Env, db: Database, message: InboundMessage, candidate: string, now: number) {
  const t = schema.channelThreads;
  const row = (await db.select({ id: t.conversationId }).from(t).where(and(eq(t.workspaceId, message.workspaceId), eq(t.threadKey, message.threadKey))).limit(1))[0]!;
  if (row.id !== candidate) return { conversationId: row.id, created: false };
  await createConversation(env, db, message, candidate, now);
  return { conversationId: candidate, created: true };
}

/** Creates a conversation for a channel contact (also used by email for a new thread). */
export async function createConversation(env: Env, db: Database, message: Pick<InboundMessage, "workspaceId" | "channel" | "contactId" | "contactName" | "context">, conversationId: string, now: number) {
  const context: ConversationContext = { ...message.context, channel: message.channel };
  const init: ConversationInit = {
    workspace_id: message.workspaceId,
    conversation_id: conversationId,
    contact: { role: "visitor", id: message.contactId, ...(message.contactName ? { name: message.contactName.slice(0, 100) } : {}) },
    context,
  };
  const created = unwrap(await conversationStub(env, message.workspaceId, conversationId).create(init));
  await indexNewConversation(db, {
    id: conversationId,
    workspaceId: message.workspaceId,
    contactId: message.contactId,
    channel: message.channel,
    state: created.state,
    lastSeq: created.head_seq,
    createdAt: created.created_at,
  });
  return created;
}
