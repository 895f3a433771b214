// A thin JSON-frame WebSocket client for benchmarks, on the `ws` package. The hot path is one
// callback per frame (`onFrame`); the handshake helpers (waitFor, connectSynced) record frames
// only until the caller stops them, so a long run does not keep every frame in memory.
import WebSocket from "ws";

export class FrameSocket {
  /**
   * Opens a socket; rejects with the HTTP status and body when the upgrade is refused.
   * Compression is off by default so the figures measure the servers, not zlib.
   */
  static connect(url, { timeoutMs = 15_000, perMessageDeflate = false, label = "socket" } = {}) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate, handshakeTimeout: timeoutMs });
      const socket = new FrameSocket(ws, label);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${label}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(socket);
      });
      ws.once("unexpected-response", (_req, res) => {
        clearTimeout(timer);
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => reject(new Error(`${label}: upgrade refused with ${res.statusCode}: ${body.slice(0, 500)}`)));
      });
      ws.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`${label}: ${err.message}`));
      });
    });
  }

  constructor(ws, label) {
    this.ws = ws;
    this.label = label;
    /** Frames kept while `recording` (handshake); the hot path only calls onFrame. */
    this.frames = [];
    this.recording = true;
    this.framesIn = 0;
    this.bytesIn = 0;
    this.framesOut = 0;
    this.bytesOut = 0;
    /** Bytes per frame type received, for comparing frame sizes between targets. */
    this.bytesByType = {};
    this.framesByType = {};
    this.closed = null;
    /** (frame, text, receivedAt) => void */
    this.onFrame = null;
    this.waiters = new Set();
    ws.on("message", (data, isBinary) => {
      const at = performance.now();
      const text = isBinary ? Buffer.from(data).toString("utf8") : data.toString();
      let frame;
      try {
        frame = JSON.parse(text);
      } catch {
        frame = { type: "(not json)", text };
      }
      this.framesIn += 1;
      this.bytesIn += text.length;
      this.bytesByType[frame.type] = (this.bytesByType[frame.type] ?? 0) + text.length;
      this.framesByType[frame.type] = (this.framesByType[frame.type] ?? 0) + 1;
      if (this.recording) this.frames.push(frame);
      if (this.onFrame) this.onFrame(frame, text, at);
      for (const w of [...this.waiters]) w();
    });
    /** (code, reason) => void, when the connection closes for any reason. */
    this.onClose = null;
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      if (this.onClose) this.onClose(code, this.closed.reason);
      for (const w of [...this.waiters]) w();
    });
    ws.on("error", (err) => {
      this.error = err;
    });
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame) {
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    this.framesOut += 1;
    this.bytesOut += text.length;
    this.ws.send(text);
  }

  /** The first recorded frame matching `match`, waiting up to `timeoutMs` for it. */
  waitFor(what, match, timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (this.closed) {
          finish();
          reject(new Error(`${this.label}: closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        const types = this.frames.map((f) => f.type).slice(-20);
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; last frames ${JSON.stringify(types)}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Stops recording frames (after the handshake) and forgets what was recorded. */
  stopRecording() {
    this.recording = false;
    this.frames = [];
  }

  /** A clean close handshake, or terminate() if the server does not answer within `timeoutMs`. */
  close(timeoutMs = 3_000) {
    if (this.closed || this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, timeoutMs);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        this.ws.close(1000, "bench done");
      } catch {
        this.ws.terminate();
      }
    });
  }
}

/**
 * Connects to a conversation-protocol endpoint (Switchboard or a peer speaking the same frames)
 * and resolves once the server has said `welcome` and `synced` with `complete: true`.
 */
export async function connectSynced(url, { label, timeoutMs = 15_000, perMessageDeflate = false } = {}) {
  const socket = await FrameSocket.connect(url, { label, timeoutMs, perMessageDeflate });
  const welcome = await socket.waitFor("welcome", (f) => f.type === "welcome" || f.type === "error", timeoutMs);
  if (welcome.type === "error") throw new Error(`${label}: ${welcome.code}: ${welcome.message}`);
  const synced = await socket.waitFor("synced", (f) => f.type === "synced" && f.complete === true, timeoutMs);
  socket.stopRecording();
  return { socket, welcome, synced };
}

/** JSON over HTTP with a clear error when the status is not 2xx. */
export async function httpJson(method, url, body, { token, timeoutMs = 30_000 } = {}) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}
