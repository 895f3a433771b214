import { exports } from "cloudflare:workers";
import { afterEach } from "vitest";
import type { ServerFrame } from "../../src/model/index.ts";

const TIMEOUT_MS = 10_000;

type Frame = ServerFrame & Record<string, any>;

/** Every socket a test opened and has not closed yet; `closeAllSockets` ends them. */
const open = new Set<TestSocket>();

/**
 * A client socket that records every frame it receives, in order, and can wait for the ones a
 * test expects. Every wait names what it waited for when it times out.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  private readonly listeners = new Set<() => void>();
  closed: { code: number; reason: string } | null = null;
  readonly ws: WebSocket;
  /** Counts barriers so each waits for its own pong. */
  private barriers = 0;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer)));
      for (const l of [...this.listeners]) l();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      open.delete(this);
      for (const l of [...this.listeners]) l();
    });
    ws.accept();
    open.add(this);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || frame instanceof ArrayBuffer || ArrayBuffer.isView(frame) ? (frame as string) : JSON.stringify(frame));
  }

  /** Sends a text message frame with the given client_msg_id. */
  sendText(clientMsgId: string, text: string, extra: Record<string, unknown> = {}): void {
    this.send({ type: "message", client_msg_id: clientMsgId, content: { kind: "text", text }, ...extra });
  }

  /** Frames of one type, in arrival order. */
  ofType<T extends Frame["type"]>(type: T): Extract<Frame, { type: T }>[] {
    return this.frames.filter((f) => f.type === type) as Extract<Frame, { type: T }>[];
  }

  /** Seqs of the events received, in arrival order. */
  eventSeqs(from = 0): number[] {
    return this.frames
      .slice(from)
      .filter((f) => f.type === "event")
      .map((f) => f.event.seq);
  }

  /** The message events received (from frame index `from` on), in arrival order. */
  messageEvents(from = 0): any[] {
    return this.frames
      .slice(from)
      .filter((f) => f.type === "event" && f.event.type === "message")
      .map((f) => f.event);
  }

  /**
   * Every seq this socket learned of, in arrival order: events fanned out or replayed to it and
   * the acks of its own new messages (its own messages come back as acks, not events).
   */
  seenSeqs(from = 0): number[] {
    const out: number[] = [];
    for (const f of this.frames.slice(from)) {
      if (f.type === "event") out.push(f.event.seq);
      else if (f.type === "ack" && !f.duplicate) out.push(f.seq);
    }
    return out;
  }

  /** Resolves with the first frame (from `from` on) that matches, waiting if none has arrived yet. */
  waitFor(what: string, match: (f: Frame) => boolean, from = 0, timeoutMs = TIMEOUT_MS): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.frames.slice(from).find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.closed) {
          done();
          reject(new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.frames.slice(from).map(describe))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Waits until `count` frames (from `from` on) match; resolves with all the matching frames. */
  waitForCount(what: string, match: (f: Frame) => boolean, count: number, from = 0, timeoutMs = TIMEOUT_MS): Promise<Frame[]> {
    return new Promise((resolve, reject) => {
      let scanned = from;
      let matched = 0;
      const check = () => {
        for (; scanned < this.frames.length; scanned++) if (match(this.frames[scanned]!)) matched++;
        if (matched >= count) {
          done();
          resolve(this.frames.slice(from).filter(match));
        } else if (this.closed) {
          done();
          reject(new Error(`socket closed (${this.closed.code} ${this.closed.reason}) after ${matched} of ${count} × ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} × ${what}: got ${matched}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  waitForType<T extends Frame["type"]>(type: T, from = 0): Promise<Extract<Frame, { type: T }>> {
    return this.waitFor(`a ${type} frame`, (f) => f.type === type, from) as Promise<Extract<Frame, { type: T }>>;
  }

  /** Waits for the event with this seq. */
  waitForEvent(seq: number, from = 0): Promise<Frame> {
    return this.waitFor(`event seq ${seq}`, (f) => f.type === "event" && f.event.seq === seq, from);
  }

  /** Waits for the message event with this client_msg_id. */
  waitForMessage(clientMsgId: string, from = 0): Promise<any> {
    return this.waitFor(
      `the message event of ${clientMsgId}`,
      (f) => f.type === "event" && f.event.type === "message" && f.event.client_msg_id === clientMsgId,
      from,
    ).then((f) => f.event);
  }

  waitForAck(clientMsgId: string, from = 0): Promise<Extract<Frame, { type: "ack" }>> {
    return this.waitFor(`ack of ${clientMsgId}`, (f) => f.type === "ack" && f.client_msg_id === clientMsgId, from) as Promise<
      Extract<Frame, { type: "ack" }>
    >;
  }

  /** Waits for an error frame with this code (from frame index `from` on). */
  waitForError(code: string, from = 0): Promise<Extract<Frame, { type: "error" }>> {
    return this.waitFor(`an error frame with code ${code}`, (f) => f.type === "error" && f.code === code, from) as Promise<
      Extract<Frame, { type: "error" }>
    >;
  }

  /** Waits for the `synced` frame (from `from` on) that ends a replay, complete or not. */
  waitForSynced(complete: boolean, from = 0): Promise<Extract<Frame, { type: "synced" }>> {
    return this.waitFor(`a synced frame with complete=${complete}`, (f) => f.type === "synced" && f.complete === complete, from) as Promise<
      Extract<Frame, { type: "synced" }>
    >;
  }

  /**
   * Round-trips a ping through the conversation object itself (a text the runtime does not
   * auto-answer). The object handles a socket's frames in order and sends in order, so once the
   * pong is here, every frame the object sent this socket before handling the ping is here too.
   */
  async barrier(): Promise<void> {
    const n = ++this.barriers;
    const from = this.frames.length;
    // Not byte-equal to PING_TEXT, so the object (not the runtime's auto-response) answers it.
    this.send(`{"type":"ping"${" ".repeat(n)}}`);
    await this.waitFor(`the pong of barrier #${n}`, (f) => f.type === "pong", from);
  }

  waitForClose(): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error("timed out waiting for the socket to close"));
      }, TIMEOUT_MS);
      const check = () => {
        if (this.closed) {
          clearTimeout(timer);
          this.listeners.delete(check);
          resolve(this.closed);
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  close(): void {
    open.delete(this);
    if (!this.closed) {
      try {
        this.ws.close(1000, "test done");
      } catch {
        // already closing
      }
    }
  }

  /** Closes the socket and waits until the server has completed the closing handshake. */
  async closeAndWait(): Promise<void> {
    this.close();
    await this.waitForClose();
  }
}

function describe(f: Frame): string {
  if (f.type === "event") return `event#${f.event.seq}:${f.event.type}`;
  if (f.type === "ack") return `ack#${f.seq}${f.duplicate ? "(dup)" : ""}`;
  if (f.type === "error") return `error:${f.code}`;
  if (f.type === "synced") return `synced@${f.head_seq}${f.complete ? "" : "(more)"}`;
  return f.type;
}

/** Closes every socket still open (tests call it from afterEach so none outlives its test). */
export async function closeAllSockets(): Promise<void> {
  const sockets = [...open];
  for (const s of sockets) s.close();
  // Wait for the handshakes so no socket is still closing when the next test (or the file) ends.
  await Promise.allSettled(sockets.map((s) => s.waitForClose()));
}

/** Registers an afterEach hook in the calling test file that closes every socket its tests left open. */
export function closeSocketsAfterEach(): void {
  afterEach(closeAllSockets);
}

/** The raw upgrade response, for tests of refused upgrades. */
export function upgrade(conversationId: string, token: string | undefined, query: Record<string, string> = {}, headers: HeadersInit = { Upgrade: "websocket" }) {
  const params = new URLSearchParams(query);
  if (token !== undefined) params.set("token", token);
  return exports.default.fetch(`http://switchboard.test/api/conversations/${conversationId}/ws?${params}`, { headers });
}

/** Opens a conversation socket through the Worker, the way a third-party client would. */
export async function openSocket(conversationId: string, token: string, lastSeq?: number): Promise<TestSocket> {
  const res = await upgrade(conversationId, token, lastSeq === undefined ? {} : { last_seq: String(lastSeq) });
  if (!res.webSocket) throw new Error(`expected a WebSocket upgrade, got HTTP ${res.status}: ${await res.text()}`);
  return new TestSocket(res.webSocket);
}

/** Opens a socket and waits for the replay to finish. */
export async function connect(conversationId: string, token: string, lastSeq?: number): Promise<TestSocket> {
  const socket = await openSocket(conversationId, token, lastSeq);
  await socket.waitFor("the end of replay", (f) => f.type === "synced" && f.complete === true);
  return socket;
}
