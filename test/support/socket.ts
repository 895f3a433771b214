import { exports } from "cloudflare:workers";
import type { ServerFrame } from "../../src/model/index.ts";

const TIMEOUT_MS = 10_000;

type Frame = ServerFrame & Record<string, any>;

/**
 * A client socket that records every frame it receives, in order, and can wait for the ones a
 * test expects. Every wait names what it waited for when it times out.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  private readonly listeners = new Set<() => void>();
  closed: { code: number; reason: string } | null = null;
  readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer)));
      for (const l of [...this.listeners]) l();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      for (const l of [...this.listeners]) l();
    });
    ws.accept();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Frames of one type, in arrival order. */
  ofType<T extends Frame["type"]>(type: T): Extract<Frame, { type: T }>[] {
    return this.frames.filter((f) => f.type === type) as Extract<Frame, { type: T }>[];
  }

  /** Seqs of the events received, in arrival order. */
  eventSeqs(): number[] {
    return this.ofType("event").map((f) => f.event.seq);
  }

  /** Resolves with the first frame (from `from` on) that matches, waiting if none has arrived yet. */
  waitFor(what: string, match: (f: Frame) => boolean, from = 0): Promise<Frame> {
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
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.map((f) => f.type))}`));
      }, TIMEOUT_MS);
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

  /** Waits until events with every seq up to `seq` have arrived. */
  waitForEvent(seq: number): Promise<Frame> {
    return this.waitFor(`event seq ${seq}`, (f) => f.type === "event" && f.event.seq === seq);
  }

  waitForAck(clientMsgId: string): Promise<Extract<Frame, { type: "ack" }>> {
    return this.waitFor(`ack of ${clientMsgId}`, (f) => f.type === "ack" && f.client_msg_id === clientMsgId) as Promise<
      Extract<Frame, { type: "ack" }>
    >;
  }

  waitForClose(): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for the socket to close")), TIMEOUT_MS);
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
    if (!this.closed) this.ws.close(1000, "test done");
  }
}

/** Opens a conversation socket through the Worker, the way a third-party client would. */
export async function openSocket(conversationId: string, token: string, lastSeq?: number): Promise<TestSocket> {
  const query = new URLSearchParams({ token });
  if (lastSeq !== undefined) query.set("last_seq", String(lastSeq));
  const res = await exports.default.fetch(`http://switchboard.test/api/conversations/${conversationId}/ws?${query}`, {
    headers: { Upgrade: "websocket" },
  });
  if (!res.webSocket) throw new Error(`expected a WebSocket upgrade, got HTTP ${res.status}: ${await res.text()}`);
  return new TestSocket(res.webSocket);
}

/** Opens a socket and waits for the replay to finish. */
export async function connect(conversationId: string, token: string, lastSeq?: number): Promise<TestSocket> {
  const socket = await openSocket(conversationId, token, lastSeq);
  await socket.waitFor("the end of replay", (f) => f.type === "synced" && f.complete === true);
  return socket;
}
