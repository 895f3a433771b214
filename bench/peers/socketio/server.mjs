// A peer for the benchmark: the chat room a team would write on Node with Socket.IO. Rooms are
// conversations; frames are Socket.IO events named by the ceiling's frame types (`message` in;
// `welcome`, `synced`, `event`, `ack`, `typing`, `error` out) carrying the same objects. Each
// room keeps its seq and its messages in memory (a Node chat server's usual first version): no
// storage, no dedup, no archive. One process, like one Durable Object per room on one thread.
//
//   node bench/peers/socketio/server.mjs --port N   (prints "listening N" once ready)
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Server } from "socket.io";
import { messageId } from "../../shared/message-id.ts";

const { values: args } = parseArgs({ options: { port: { type: "string", default: "0" }, host: { type: "string", default: "127.0.0.1" } } });

/** room → { seq, log } */
const rooms = new Map();

const http = createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"service":"bench-socketio"}');
    return;
  }
  res.writeHead(404).end("not found");
});
// WebSocket transport only and no compression: the clients connect the same way to every target.
const io = new Server(http, { transports: ["websocket"], perMessageDeflate: false, serveClient: false, maxHttpBufferSize: 64 * 1024 });

io.on("connection", (socket) => {
  const { room: name = "bench", role = "visitor", id = "ct_anonymous" } = socket.handshake.query;
  const sender = { role: String(role), id: String(id) };
  const room = rooms.get(name) ?? { seq: 0, log: [] };
  rooms.set(name, room);
  socket.join(name);
  socket.emit("welcome", { type: "welcome", conversation_id: name, you: sender, head_seq: room.seq, resume_from: 0 });
  socket.emit("synced", { type: "synced", head_seq: room.seq, complete: true });

  socket.on("typing", (frame) => {
    socket.to(name).emit("typing", { type: "typing", participant: sender, active: frame?.active === true });
  });
  socket.on("message", (frame) => {
    if (!frame || typeof frame !== "object") {
      socket.emit("error", { type: "error", code: "invalid_request", message: "the frame is not an object" });
      return;
    }
    const at = Date.now();
    const seq = ++room.seq;
    const serverMsgId = messageId(at);
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
    room.log.push(event);
    socket.to(name).emit("event", { type: "event", event });
    socket.emit("ack", { type: "ack", client_msg_id: frame.client_msg_id, server_msg_id: serverMsgId, seq, at, duplicate: false, status: "dispatched" });
  });
});

http.listen(Number(args.port), args.host, () => {
  console.log(`listening ${http.address().port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => io.close(() => process.exit(0)));
