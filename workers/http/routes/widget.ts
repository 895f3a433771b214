import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { signVisitorToken } from "../../../src/auth/index.ts";
import type { ConversationContext } from "../../../src/model/index.ts";
import { LIMITS, newId, SwitchboardError, VisitorSessionBody } from "../../../src/model/index.ts";
import type { ConversationInit } from "../../conversation/conversation-do.ts";
import { unwrap } from "../../conversation/rpc.ts";
import { database, schema } from "../../db.ts";
import { widgetContact } from "../../channels/widget-identity.ts";
import { indexNewConversation, latestOpenConversation } from "../../directory/conversation-index.ts";
import type { AppEnv } from "../app-env.ts";
import { secretOf } from "../authenticate.ts";
import { conversationStub } from "../../stubs.ts";
import { readJson } from "../errors.ts";

/** The public endpoints the visitor widget calls with the workspace's widget key. */
export const widgetRoutes = new Hono<AppEnv>().post("/sessions", async (c) => {
  const body = await readJson(c, VisitorSessionBody);
  const secret = secretOf(c.env);
  const db = database(c.env.DB);
  const workspace = (
    await db.select({ id: schema.workspaces.id }).from(schema.workspaces).where(eq(schema.workspaces.widgetKey, body.widget_key)).limit(1)
  )[0];
  if (!workspace) throw new SwitchboardError("unauthorized", "unknown widget key");

  const now = Date.now();
  const visitorId = body.visitor_id ?? newId("visitor", now);
  const contactId = await widgetContact(db, workspace.id, visitorId, body, now);
  const contact = { role: "visitor" as const, id: contactId, ...(body.name ? { name: body.name } : {}) };
  const caller = { workspace_id: workspace.id, actor: contact };

  // Resume the visitor's open conversation; the index can lag an ending, so the conversation has the last word.
  const openId = await latestOpenConversation(db, workspace.id, contactId);
  let snapshot = openId ? await conversationStub(c.env, workspace.id, openId).snapshot(caller) : null;
  const resumed = snapshot?.ok === true && snapshot.value.state !== "ended";
  if (!resumed) {
    const context: ConversationContext = {
      ...body.context,
      channel: body.context?.channel ?? "web",
      device: { ...body.context?.device, user_agent: body.context?.device?.user_agent ?? c.req.header("user-agent")?.slice(0, 512) },
    };
    const init: ConversationInit = { workspace_id: workspace.id, conversation_id: newId("conversation", now), contact, context };
    snapshot = await conversationStub(c.env, workspace.id, init.conversation_id).create(init);
    const created = unwrap(snapshot);
    await indexNewConversation(db, {
      id: created.conversation_id,
      workspaceId: workspace.id,
      contactId,
      channel: context.channel,
      state: created.state,
      lastSeq: created.head_seq,
      createdAt: created.created_at,
    });
  }
  const conversation = unwrap(snapshot!);
  const expiresAt = now + LIMITS.visitorTokenSeconds * 1000;
  const token = await signVisitorToken({ ws: workspace.id, ct: contactId, vid: visitorId, exp: Math.floor(expiresAt / 1000) }, secret);
  const origin = new URL(c.req.url);
  const wsOrigin = `${origin.protocol === "https:" ? "wss:" : "ws:"}//${origin.host}`;
  return c.json(
    {
      token,
      expires_at: expiresAt,
      workspace_id: workspace.id,
      visitor_id: visitorId,
      contact_id: contactId,
      conversation_id: conversation.conversation_id,
      resumed,
      state: conversation.state,
      head_seq: conversation.head_seq,
      websocket_url: `${wsOrigin}/api/conversations/${conversation.conversation_id}/ws`,
      events_url: `${origin.origin}/api/conversations/${conversation.conversation_id}/events`,
    },
    resumed ? 200 : 201,
  );
});
