import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { chainHashes, conversationPrefix, GENESIS_HASH, type SegmentLine } from "../../src/archive/index.ts";
import { type ArchiveBatch, type ConversationEvent, type NewEvent, newId } from "../../src/model/index.ts";
import { consumeArchiveBatches } from "../../workers/archive/consumer.ts";
import { database, schema } from "../../workers/db.ts";
import { conversationObject, waitUntil } from "./api.ts";

/** Waits for the queue consumer to confirm everything the conversation holds to its object. */
export async function waitForArchive(workspaceId: string, conversationId: string) {
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

export interface StoredObject {
  key: string;
  etag: string;
  meta: Record<string, string>;
  lines: SegmentLine[];
}

/** Every object in R2 under a conversation's prefix, in key order, with its lines parsed. */
export async function archivedObjects(workspaceId: string, conversationId: string, createdAt: number): Promise<StoredObject[]> {
  const prefix = conversationPrefix(workspaceId, conversationId, createdAt);
  const listed = await env.ARCHIVE.list({ prefix, include: ["customMetadata"] });
  return Promise.all(
    listed.objects.map(async (o) => {
      const text = await (await env.ARCHIVE.get(o.key))!.text();
      return { key: o.key, etag: o.etag, meta: o.customMetadata ?? {}, lines: text.trimEnd().split("\n").map((l) => JSON.parse(l) as SegmentLine) };
    }),
  );
}

/** The seqs R2 holds for a conversation, in the order stored (repeats included). */
export function seqsOf(objects: StoredObject[]): number[] {
  return objects.flatMap((o) => o.lines.map((l) => l.seq));
}

/** A conversation's index row as D1 holds it. */
export async function indexRow(conversationId: string) {
  const rows = await database(env.DB).select().from(schema.conversations).where(eq(schema.conversations.id, conversationId));
  return rows[0];
}

/**
 * A conversation that exists only in the archive pipeline (its index row, no object): lets a test
 * deliver exactly the batches it wants, in the order it wants, without the object's own sends.
 */
export async function syntheticConversation(workspaceId: string, messages: number) {
  const conversationId = newId("conversation");
  const contactId = newId("contact");
  const createdAt = Date.now();
  const db = database(env.DB);
  await db.batch([
    db.insert(schema.contacts).values({ id: contactId, workspaceId, createdAt, updatedAt: createdAt }),
    db.insert(schema.conversations).values({ id: conversationId, workspaceId, contactId, channel: "web", state: "queued", lastSeq: 1, createdAt, updatedAt: createdAt }),
  ]);
  const contact = { role: "visitor" as const, id: contactId };
  const events: ConversationEvent[] = [
    { type: "conversation_started", seq: 1, at: createdAt, visibility: "public", workspace_id: workspaceId, conversation_id: conversationId, contact, context: { channel: "web" } },
  ];
  for (let i = 2; i <= messages + 1; i++) {
    events.push({
      type: "message",
      seq: i,
      at: createdAt + i,
      visibility: "public",
      server_msg_id: newId("message"),
      client_msg_id: `c${i}`,
      sender: contact,
      content: { kind: "text", text: `message ${i}` },
    });
  }
  const { hashes, batch } = await handOver(workspaceId, conversationId, createdAt, events);
  return { conversationId, contactId, createdAt, events, hashes, batch };
}

export interface StoryOptions {
  channel?: "web" | "wechat" | "email" | "app";
  tags?: string[];
  groupId?: string;
  agentId?: string;
  /** Messages in order: the visitor's unless prefixed "agent:" or "note:" (an internal note). */
  messages: string[];
  ended?: boolean;
  createdAt?: number;
  /** A phone identity for the contact (unique within the workspace). */
  phone?: string;
}

/**
 * A whole conversation told as events — started, routed to a group, assigned, its messages, ended —
 * and archived through the consumer: the index and R2 then hold exactly what a test asks for.
 */
export async function archiveStory(workspaceId: string, o: StoryOptions) {
  const conversationId = newId("conversation");
  const contactId = newId("contact");
  const createdAt = o.createdAt ?? Date.now();
  const channel = o.channel ?? "web";
  const db = database(env.DB);
  await db.batch([
    db.insert(schema.contacts).values({ id: contactId, workspaceId, name: "Li Lei", email: "li.lei@example.com", createdAt, updatedAt: createdAt }),
    db.insert(schema.conversations).values({ id: conversationId, workspaceId, contactId, channel, state: "queued", lastSeq: 1, createdAt, updatedAt: createdAt }),
  ]);
  if (o.phone) await db.insert(schema.contactIdentities).values({ workspaceId, kind: "phone", value: o.phone, contactId, createdAt });
  const contact = { role: "visitor" as const, id: contactId, name: "Li Lei" };
  const agent = { role: "agent" as const, id: o.agentId ?? "us_none", name: "Agent" };
  const drafts: NewEvent[] = [
    { type: "conversation_started", visibility: "public", workspace_id: workspaceId, conversation_id: conversationId, contact, context: { channel, ...(o.tags ? { tags: o.tags } : {}) } },
  ];
  if (o.groupId) drafts.push({ type: "routed", visibility: "internal", version: null, decided_by: null, target: { kind: "group", group: o.groupId, priority: 50 }, intent: "none" });
  if (o.agentId) {
    drafts.push({ type: "assigned", visibility: "internal", agent, group_id: o.groupId ?? null, queue_wait_ms: 10 });
    drafts.push({ type: "state_changed", visibility: "public", from: "queued", to: "serving", by: { role: "system", id: "system" } });
  }
  o.messages.forEach((m, i) => {
    const [sender, visibility, text] = m.startsWith("agent:") ? [agent, "public", m.slice(6)] : m.startsWith("note:") ? [agent, "internal", m.slice(5)] : [contact, "public", m];
    drafts.push({ type: "message", visibility: visibility as "public", server_msg_id: newId("message"), client_msg_id: `c${i}`, sender, content: { kind: "text", text } });
  });
  if (o.ended) drafts.push({ type: "state_changed", visibility: "public", from: o.agentId ? "serving" : "queued", to: "ended", by: agent });
  const events = drafts.map((d, i) => ({ ...d, seq: i + 1, at: createdAt + i }) as ConversationEvent);
  const hashes = await chainHashes(GENESIS_HASH, events);
  const result = await deliver([
    {
      kind: "conversation_events",
      workspace_id: workspaceId,
      conversation_id: conversationId,
      from_seq: 1,
      to_seq: events.length,
      events,
      prev_hash: GENESIS_HASH,
      hashes,
      snapshot: { state: o.ended ? "ended" : "serving", head_seq: events.length, created_at: createdAt },
    } satisfies ArchiveBatch,
  ]);
  if (result.acked !== 1) throw new Error(`the story of ${conversationId} was not archived: ${JSON.stringify(result)}`);
  return { conversationId, contactId, createdAt, events };
}

let delivery = 0;

/** Runs the archive consumer on these queue bodies, as one delivery, and says which were acked. */
export async function deliver(bodies: unknown[], attempts = 1): Promise<{ acked: number; retried: number }> {
  const batch = createMessageBatch("switchboard-events", bodies.map((body) => ({ id: `m${++delivery}`, timestamp: Date.now(), attempts, body })));
  const ctx = createExecutionContext();
  await consumeArchiveBatches(batch, env);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks.length, retried: result.retryMessages.length };
}

/**
 * What a conversation object hands the archive queue for `events` (seq 1…n), hash-chained from the
 * genesis hash: `batch(from, to)` is the batch for seqs from..to, as the outbox would send it.
 */
export async function handOver(workspaceId: string, conversationId: string, createdAt: number, events: ConversationEvent[]) {
  const hashes = await chainHashes(GENESIS_HASH, events);
  const batch = (from: number, to: number): ArchiveBatch => ({
    kind: "conversation_events",
    workspace_id: workspaceId,
    conversation_id: conversationId,
    from_seq: from,
    to_seq: to,
    events: events.slice(from - 1, to),
    prev_hash: from === 1 ? GENESIS_HASH : hashes[from - 2]!,
    hashes: hashes.slice(from - 1, to),
    snapshot: { state: "queued", head_seq: events.length, created_at: createdAt },
  });
  return { hashes, batch };
}
