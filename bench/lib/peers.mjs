// The two peers a team would otherwise pick, started and connected like the other targets: a
// chat room on partyserver (bench/peers/partyserver, under wrangler dev like the ceiling) and a
// Socket.IO server on Node (bench/peers/socketio). Both speak the ceiling's frames; Socket.IO
// carries them as events, which SocketIoFrameSocket turns back into frames so the same
// ConversationLink and workloads drive all four targets.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { io } from "socket.io-client";
import { OFFLINE_ENV, waitForHttp } from "../../scripts/wrangler-env.mjs";
import { freePort, groupCpuMs, startWranglerDev, stopGroup, trackTarget, untrackTarget } from "./wrangler-target.mjs";
import { connectSynced } from "./ws-client.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const HOST = "127.0.0.1";
export const PARTYSERVER_CONFIG = "bench/peers/partyserver/wrangler.toml";

/** `wrangler dev` for the partyserver chat room. */
export function startPartyserver(options = {}) {
  return startWranglerDev({ ...options, name: "partyserver", config: PARTYSERVER_CONFIG });
}

/** A partyserver "conversation": two sockets in one room (partyserver's /parties/:party/:room). */
export async function openPartyserverConversation(target, { room = "bench", timeoutMs = 15_000, index = 0 } = {}) {
  const url = (role, id) => `${target.wsBase}/parties/chat-room/${room}?role=${role}&id=${id}`;
  const agent = await connectSynced(url("agent", `us_benchagent${String(index).padStart(10, "0")}`), { label: "partyserver agent", timeoutMs });
  const visitor = await connectSynced(url("visitor", `ct_benchvisitor${String(index).padStart(9, "0")}`), { label: "partyserver visitor", timeoutMs });
  return { conversationId: room, visitor: visitor.socket, agent: agent.socket };
}

/** The Socket.IO server as a child process in its own process group, ready once /health answers. */
export async function startSocketio({ verbose = false } = {}) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, "bench/peers/socketio/server.mjs"), "--port", String(port), "--host", HOST], {
    cwd: ROOT,
    env: OFFLINE_ENV,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = [];
  const collect = (stream) => (chunk) => {
    log.push(chunk.toString());
    if (log.length > 500) log.splice(0, log.length - 500);
    if (verbose) stream.write(`[socketio] ${chunk}`);
  };
  child.stdout.on("data", collect(process.stdout));
  child.stderr.on("data", collect(process.stderr));
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on("exit", (code, signal) => resolve((exited = { code, signal }))));
  const base = `http://${HOST}:${port}`;
  const target = {
    name: "socketio",
    pid: child.pid,
    port,
    base,
    wsBase: `ws://${HOST}:${port}`,
    cpuMs: () => groupCpuMs(child.pid),
    output: () => log.join(""),
    reloads: () => 0,
    stop: async () => {
      untrackTarget(target);
      return { leftovers: await stopGroup(child.pid, exitPromise, () => exited !== null) };
    },
  };
  trackTarget(target);
  try {
    await waitForHttp(`${base}/health`, 30_000, () => exited === null);
  } catch (err) {
    await target.stop();
    throw new Error(`socketio: ${err.message}\n${log.join("").slice(-2000)}`);
  }
  target.startupMs = performance.now() - started;
  return target;
}

/**
 * A Socket.IO client socket with FrameSocket's surface (onFrame, onClose, send, close, open and
 * the frame counters): incoming events become frames again, an outgoing frame is emitted as the
 * event named by its type. Frame sizes are not counted (Socket.IO adds its own framing).
 */
export class SocketIoFrameSocket {
  static connect(base, query, { label = "socketio", timeoutMs = 15_000 } = {}) {
    return new Promise((resolve, reject) => {
      const socket = io(base, { transports: ["websocket"], forceNew: true, reconnection: false, query, timeout: timeoutMs });
      const wrapped = new SocketIoFrameSocket(socket, label);
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`${label}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect_error", (err) => {
        clearTimeout(timer);
        reject(new Error(`${label}: ${err.message}`));
      });
      // The server says welcome then synced on connect, as the other targets do.
      wrapped.onFrame = (frame) => {
        if (frame.type !== "synced") return;
        clearTimeout(timer);
        wrapped.onFrame = null;
        resolve(wrapped);
      };
    });
  }

  constructor(socket, label) {
    this.socket = socket;
    this.label = label;
    this.framesIn = 0;
    this.framesOut = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.bytesByType = {};
    this.framesByType = {};
    this.closed = null;
    this.onFrame = null;
    this.onClose = null;
    socket.onAny((_name, frame) => {
      const at = performance.now();
      this.framesIn += 1;
      this.framesByType[frame.type] = (this.framesByType[frame.type] ?? 0) + 1;
      if (this.onFrame) this.onFrame(frame, null, at);
    });
    socket.on("disconnect", (reason) => {
      this.closed = { code: 1006, reason };
      if (this.onClose) this.onClose(1006, reason);
    });
  }

  get open() {
    return this.socket.connected;
  }

  send(frame) {
    const object = typeof frame === "string" ? JSON.parse(frame) : frame;
    this.framesOut += 1;
    this.socket.emit(object.type, object);
  }

  close() {
    if (this.closed || !this.socket.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 3_000);
      this.socket.once("disconnect", () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.disconnect();
    });
  }
}

/** A Socket.IO "conversation": two sockets in one room. */
export async function openSocketioConversation(target, { room = "bench", timeoutMs = 15_000, index = 0 } = {}) {
  const agent = await SocketIoFrameSocket.connect(target.base, { room, role: "agent", id: `us_benchagent${String(index).padStart(10, "0")}` }, { label: "socketio agent", timeoutMs });
  const visitor = await SocketIoFrameSocket.connect(target.base, { room, role: "visitor", id: `ct_benchvisitor${String(index).padStart(9, "0")}` }, { label: "socketio visitor", timeoutMs });
  return { conversationId: room, visitor, agent };
}
