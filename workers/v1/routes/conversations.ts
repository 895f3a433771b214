import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Actor } from "../../../src/model/index.ts";
import {
  Ack,
  ArchivedTranscriptPage,
  ArchivedTranscriptQuery,
  ConversationId,
  ConversationList,
  ConversationListQuery,
  ConversationSnapshot,
  EventsQuery,
  EventsResponse,
  PostMessageBody,
  SendAs,
  SwitchboardError,
} from "../../../src/model/index.ts";
import type { Caller } from "../../conversation/rpc.ts";
import { unwrap } from "../../conversation/rpc.ts";
import { database, schema } from "../../db.ts";
import { listConversations } from "../../directory/conversation-index.ts";
import { conversationStub } from "../../stubs.ts";
import type { KeyCaller } from "../../auth/api-keys.ts";
import { recordAudit } from "../../archive/audit.ts";
import { transcriptPage } from "../../archive/transcript-page.ts";
import { conversationRow } from "../../archive/transcript.ts";
import { idempotent, requireScope } from "../middleware.ts";
import { errors, IdempotencyHeaders, jsonBody, ok, security, v1Router } from "../openapi.ts";

const IdParam = z.object({ id: ConversationId });
const SendMessageBody = PostMessageBody.extend({ as: SendAs });

/** An API key reads conversations as a bot: staff, so it sees internal notes, but never a participant. */
export function keyCaller(key: KeyCaller): Caller {
  return { workspace_id: key.workspace_id, actor: { role: "bot", id: key.id, name: key.name } };
}

export const conversationsV1 = v1Router()
  .openapi(
    createRoute({
      method: "get",
      path: "/conversations",
      tags: ["Conversations"],
      summary: "List conversations, most recently updated first",
      security,
      middleware: [requireScope("conversations:read")] as const,
      request: { query: ConversationListQuery },
      responses: { 200: ok(ConversationList), ...errors },
    }),
    async (c) => c.json(await listConversations(database(c.env.DB), c.get("key").workspace_id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/conversations/{id}",
      tags: ["Conversations"],
      summary: "A conversation's current state, participants and routing",
      security,
      middleware: [requireScope("conversations:read")] as const,
      request: { params: IdParam },
      responses: { 200: ok(ConversationSnapshot), ...errors },
    }),
    async (c) => {
      const key = c.get("key");
      const stub = conversationStub(c.env, key.workspace_id, c.req.valid("param").id);
      return c.json(unwrap(await stub.snapshot(keyCaller(key))), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/conversations/{id}/events",
      tags: ["Conversations"],
      summary: "A page of the conversation's event log after a seq (long-poll with `wait`)",
      security,
      middleware: [requireScope("conversations:read")] as const,
      request: { params: IdParam, query: EventsQuery },
      responses: { 200: ok(EventsResponse), ...errors },
    }),
    async (c) => {
      const key = c.get("key");
      const stub = conversationStub(c.env, key.workspace_id, c.req.valid("param").id);
      return c.json(unwrap(await stub.readEvents(keyCaller(key), c.req.valid("query"))), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/conversations/{id}/messages",
      tags: ["Conversations"],
      summary: "Send a message as an agent or as a bot",
      description:
        "Goes through the conversation like any client's message: one seq, deduplicated by `client_msg_id`, fanned out to every socket. " +
        "A repeated `client_msg_id` answers 200 with the original ack.",
      security,
      middleware: [requireScope("messages:write"), idempotent] as const,
      request: { params: IdParam, headers: IdempotencyHeaders, body: jsonBody(SendMessageBody) },
      responses: { 201: ok(Ack, "Stored"), 200: ok(Ack, "A duplicate: the original ack"), ...errors },
    }),
    async (c) => {
      const key = c.get("key");
      const { as, ...message } = c.req.valid("json");
      const actor = await senderActor(c.env.DB, key, as);
      const stub = conversationStub(c.env, key.workspace_id, c.req.valid("param").id);
      const ack = unwrap(await stub.postMessage({ workspace_id: key.workspace_id, actor }, message));
      return c.json(ack, ack.duplicate ? 200 : 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/conversations/{id}/transcript",
      tags: ["Conversations"],
      summary: "A page of the conversation's archived transcript after a seq, read from the archive",
      description:
        "Every archived event (messages and internal notes, assignments, transfers, state changes) in seq order, up to the index's `archived_seq`; " +
        "page with `after` = `next_after` until `complete`. Masked (脱敏) unless `raw=true`; every read is recorded in the audit log under the key's id.",
      security,
      middleware: [requireScope("archive:read")] as const,
      request: { params: IdParam, query: ArchivedTranscriptQuery },
      responses: { 200: ok(ArchivedTranscriptPage), ...errors },
    }),
    async (c) => {
      const key = c.get("key");
      const { after, limit, raw } = c.req.valid("query");
      const db = database(c.env.DB);
      const row = await conversationRow(db, key.workspace_id, c.req.valid("param").id);
      await recordAudit(db, { workspaceId: key.workspace_id, userId: key.id, action: "view", conversationId: row.id, query: c.req.query(), raw });
      return c.json(await transcriptPage(c.env.ARCHIVE, row, after, limit, raw), 200);
    },
  );

/** An agent must be an active user of the key's workspace; admins and supervisors act as supervisors. */
async function senderActor(d1: D1Database, key: KeyCaller, as: z.infer<typeof SendAs>): Promise<Actor> {
  if (as.role === "bot") return { role: "bot", id: key.id, name: as.name };
  const t = schema.users;
  const user = (
    await database(d1)
      .select({ id: t.id, name: t.name, role: t.role, active: t.active })
      .from(t)
      .where(and(eq(t.workspaceId, key.workspace_id), eq(t.id, as.user_id)))
      .limit(1)
  )[0];
  if (!user || !user.active) throw new SwitchboardError("invalid_request", `no active user ${as.user_id} in this workspace`);
  return { role: user.role === "agent" ? "agent" : "supervisor", id: user.id, name: user.name };
}
