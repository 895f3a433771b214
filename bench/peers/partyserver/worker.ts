// A peer for the benchmark: a chat room on partyserver as its documentation and examples write
// one — hibernating sockets, each message stored in the room's SQLite (one INSERT, committed
// with the event like any DO write) and broadcast to the other connections — speaking the
// ceiling's frames (welcome, synced, event, ack with seq) so one client drives every target.
// No validation, no dedup by client_msg_id, no archive: that is what Switchboard adds.
import { type Connection, type ConnectionContext, routePartykitRequest, Server } from "partyserver";
import { messageId } from "../../shared/message-id.ts";

interface Env {
  ChatRoom: DurableObjectNamespace<ChatRoom>;
}

interface Actor {
  role: string;
  id: string;
}

export class ChatRoom extends Server<Env> {
  static override options = { hibernate: true };
  private seq = 0;

  override onStart(): void {
    this.sql`CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, client_msg_id TEXT, sender TEXT NOT NULL, content TEXT NOT NULL, at INTEGER NOT NULL)`;
    this.seq = this.sql<{ seq: number | null }>`SELECT MAX(seq) AS seq FROM messages`[0]?.seq ?? 0;
  }

  override onConnect(connection: Connection<Actor>, ctx: ConnectionContext): void {
    const url = new URL(ctx.request.url);
    const actor: Actor = { role: url.searchParams.get("role") ?? "visitor", id: url.searchParams.get("id") ?? "ct_anonymous" };
    connection.setState(actor);
    connection.send(JSON.stringify({ type: "welcome", conversation_id: this.name, you: actor, head_seq: this.seq, resume_from: 0 }));
    connection.send(JSON.stringify({ type: "synced", head_seq: this.seq, complete: true }));
  }

  override onMessage(connection: Connection<Actor>, message: string | ArrayBuffer): void {
    if (typeof message !== "string") return;
    let frame: { type?: string; client_msg_id?: string; content?: unknown; visibility?: string; active?: boolean };
    try {
      frame = JSON.parse(message);
    } catch {
      connection.send(JSON.stringify({ type: "error", code: "invalid_json", message: "the frame is not valid JSON" }));
      return;
    }
    const sender = connection.state!;
    if (frame.type === "typing") {
      this.broadcast(JSON.stringify({ type: "typing", participant: sender, active: frame.active === true }), [connection.id]);
      return;
    }
    if (frame.type !== "message") {
      connection.send(JSON.stringify({ type: "error", code: "unknown_frame_type", message: `unsupported frame type ${frame.type}` }));
      return;
    }
    const at = Date.now();
    const seq = ++this.seq;
    const serverMsgId = messageId(at);
    const content = JSON.stringify(frame.content ?? null);
    this.sql`INSERT INTO messages (seq, id, client_msg_id, sender, content, at) VALUES (${seq}, ${serverMsgId}, ${frame.client_msg_id ?? null}, ${sender.id}, ${content}, ${at})`;
    const event = {
      type: "message",
      visibility: frame.visibility ?? "public",
      server_msg_id: serverMsgId,
      client_msg_id: frame.client_msg_id,
      sender,
      content: frame.content,
      seq,
      at,
    };
    this.broadcast(JSON.stringify({ type: "event", event }), [connection.id]);
    connection.send(JSON.stringify({ type: "ack", client_msg_id: frame.client_msg_id, server_msg_id: serverMsgId, seq, at, duplicate: false, status: "dispatched" }));
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === "/health") return Response.json({ ok: true, service: "bench-partyserver" });
    return (await routePartykitRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
