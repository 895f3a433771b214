// The ceiling for the conversation benchmark: what one Durable Object on this runtime can relay
// when it keeps nothing. Same shape of work as ConversationDO per message — parse the JSON frame,
// assign a seq and a server_msg_id, send an `event` frame to every other socket and an `ack`
// frame to the sender, with Switchboard's field names and similar sizes — but no validation, no
// storage, no dedup, no alarm. Sockets use the hibernation API (acceptWebSocket) like Switchboard.
import { DurableObject } from "cloudflare:workers";
import { messageId } from "../shared/message-id.ts";

interface Env {
  RELAY: DurableObjectNamespace<RelayDO>;
}

interface Actor {
  role: string;
  id: string;
}

export class RelayDO extends DurableObject<Env> {
  /**
   * In memory only: the ceiling is the cost of a relay without durability. If the object
   * hibernates, seq starts again at 0, so the bench keeps it awake between phases.
   */
  private seq = 0;
  private readonly actors = new WeakMap<WebSocket, Actor>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("WebSocket only", { status: 426 });
    }
    const url = new URL(request.url);
    const actor: Actor = { role: url.searchParams.get("role") ?? "visitor", id: url.searchParams.get("id") ?? "ct_anonymous" };
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [actor.role, actor.id]);
    server.serializeAttachment(actor);
    this.actors.set(server, actor);
    // The same handshake frames as a conversation, so one client drives both targets.
    server.send(JSON.stringify({ type: "welcome", conversation_id: url.pathname.split("/").pop(), you: actor, head_seq: this.seq, resume_from: 0 }));
    server.send(JSON.stringify({ type: "synced", head_seq: this.seq, complete: true }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    let frame: { type?: string; client_msg_id?: string; content?: unknown; visibility?: string };
    try {
      frame = JSON.parse(message);
    } catch {
      ws.send(JSON.stringify({ type: "error", code: "invalid_json", message: "the frame is not valid JSON" }));
      return;
    }
    let sender = this.actors.get(ws);
    if (!sender) {
      sender = ws.deserializeAttachment() as Actor;
      this.actors.set(ws, sender);
    }
    if (frame.type === "typing") {
      // Relayed like Switchboard's typing notices; the bench also uses it as a keep-alive.
      const notice = JSON.stringify({ type: "typing", participant: sender, active: (frame as { active?: boolean }).active === true });
      for (const other of this.ctx.getWebSockets()) if (other !== ws) other.send(notice);
      return;
    }
    if (frame.type !== "message") {
      ws.send(JSON.stringify({ type: "error", code: "unknown_frame_type", message: `unsupported frame type ${frame.type}` }));
      return;
    }
    const at = Date.now();
    const seq = ++this.seq;
    const serverMsgId = messageId(at);
    const event = JSON.stringify({
      type: "event",
      event: {
        type: "message",
        visibility: frame.visibility ?? "public",
        server_msg_id: serverMsgId,
        client_msg_id: frame.client_msg_id,
        sender,
        content: frame.content,
        seq,
        at,
      },
    });
    for (const other of this.ctx.getWebSockets()) {
      if (other === ws) continue;
      try {
        other.send(event);
      } catch {
        // closing
      }
    }
    ws.send(JSON.stringify({ type: "ack", client_msg_id: frame.client_msg_id, server_msg_id: serverMsgId, seq, at, duplicate: false, status: "dispatched" }));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ ok: true, service: "bench-ceiling" });
    const room = /^\/ws\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname)?.[1];
    if (!room) return new Response("not found", { status: 404 });
    return env.RELAY.get(env.RELAY.idFromName(room)).fetch(request);
  },
} satisfies ExportedHandler<Env>;
