import { Hono } from "hono";
import {
  ConversationListQuery,
  EventsQuery,
  PostMessageBody,
  ReceiptBody,
  StateChangeBody,
  TransferBody,
  AssistBody,
} from "../../../src/model/index.ts";
import { recordStaffSocket } from "../../auth/deactivate.ts";
import { CALLER_HEADER, unwrap } from "../../conversation/rpc.ts";
import { database } from "../../db.ts";
import { listConversations } from "../../directory/conversation-index.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { stubFromPath } from "../conversation-stub.ts";
import { readJson, readQuery } from "../errors.ts";

/**
 * Conversations over WebSocket and over the HTTP fallback: the same conversation object answers
 * both, so the guarantees (one seq per message, dedup by client_msg_id, resume by seq) are shared.
 */
export const conversationRoutes = new Hono<AppEnv>()
  .use("*", authenticate)
  .get("/", requireUser(), async (c) => {
    const query = readQuery(c, ConversationListQuery);
    return c.json(await listConversations(database(c.env.DB), c.get("caller").workspace_id, query));
  })
  .get("/:id", async (c) => c.json(unwrap(await stubFromPath(c).snapshot(c.get("caller")))))
  .get("/:id/ws", async (c) => {
    const url = new URL(c.req.url);
    const target = new URL(`https://conversation/ws`);
    const lastSeq = url.searchParams.get("last_seq");
    if (lastSeq !== null) target.searchParams.set("last_seq", lastSeq);
    // A fresh request: nothing the client sent reaches the object except what is validated here.
    const res = await stubFromPath(c).fetch(target, {
      headers: { Upgrade: c.req.header("upgrade") ?? "", [CALLER_HEADER]: JSON.stringify(c.get("caller")) },
    });
    const user = c.get("user");
    // Once per staff connection (not per message): deactivation must be able to find this socket.
    if (res.webSocket && user) await recordStaffSocket(c.env, user.workspace_id, user.id, c.req.param("id"));
    return res;
  })
  .post("/:id/messages", async (c) => {
    const body = await readJson(c, PostMessageBody);
    const ack = unwrap(await stubFromPath(c).postMessage(c.get("caller"), body));
    return c.json(ack, ack.duplicate ? 200 : 201);
  })
  .get("/:id/channel", requireUser(), async (c) => c.json(unwrap(await stubFromPath(c).channelStatus(c.get("caller"))))) // docs/channels.md
  .get("/:id/events", async (c) => {
    const query = readQuery(c, EventsQuery);
    return c.json(unwrap(await stubFromPath(c).readEvents(c.get("caller"), query)));
  })
  .post("/:id/receipts", async (c) => {
    const body = await readJson(c, ReceiptBody);
    return c.json(unwrap(await stubFromPath(c).postReceipt(c.get("caller"), body)));
  })
  .post("/:id/state", async (c) => {
    const body = await readJson(c, StateChangeBody);
    return c.json(unwrap(await stubFromPath(c).changeState(c.get("caller"), body)));
  })
  .post("/:id/transfer", async (c) => {
    const body = await readJson(c, TransferBody);
    return c.json(unwrap(await stubFromPath(c).transferTo(c.get("caller"), body.to, body.note)));
  })
  .post("/:id/assist", async (c) => {
    const body = await readJson(c, AssistBody);
    return c.json(unwrap(await stubFromPath(c).assist(c.get("caller"), body.note)), 202);
  });
