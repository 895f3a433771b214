// One conversation socket that never loses or doubles a message (docs/protocol.md §4): an outbox
// of unacknowledged messages re-sent with their client_msg_id after every reconnect, last_seq
// advanced only from events, replay pages pulled until caught up, back-off with jitter, and a
// ping that notices a socket the network silently dropped.
import type { Content, ServerFrame, Welcome } from "./wire.ts";

type Frame<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

export type LinkStatus = "connecting" | "online" | "offline";

export interface OutgoingMessage {
  client_msg_id: string;
  content: Content;
  visibility: "public" | "internal";
}

export interface LinkHandlers {
  welcome?(frame: Welcome): void;
  event?(frame: Frame<"event">["event"]): void;
  ack?(frame: Frame<"ack">): void;
  delivery?(frame: Frame<"delivery">): void;
  typing?(frame: Frame<"typing">): void;
  queue?(frame: Frame<"queue">): void;
  error?(frame: Frame<"error">): void;
  synced?(): void;
  status?(status: LinkStatus): void;
}

const PING = '{"type":"ping"}';
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;

export function newClientMsgId(): string {
  return crypto.randomUUID();
}

export class ConversationLink {
  lastSeq = 0;
  readonly outbox = new Map<string, OutgoingMessage>();
  private ws: WebSocket | null = null;
  private attempt = 0;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onOffline = () => this.drop();
  private readonly onOnline = () => this.reconnectNow();

  /** `socketUrl` is asked before every connect, so a caller can renew an expiring token first. */
  constructor(
    private readonly socketUrl: () => Promise<string>,
    private readonly on: LinkHandlers,
  ) {
    addEventListener("offline", this.onOffline);
    addEventListener("online", this.onOnline);
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    void this.connect();
  }

  /** Queues a message (kept until acknowledged) and sends it if the socket is up. */
  send(content: Content, visibility: "public" | "internal" = "public"): OutgoingMessage {
    const message: OutgoingMessage = { client_msg_id: newClientMsgId(), content, visibility };
    this.outbox.set(message.client_msg_id, message);
    this.transmit({ type: "message", ...message });
    return message;
  }

  /** Fire-and-forget frames (typing, receipts, state, transfer): dropped while disconnected. */
  sendFrame(frame: Record<string, unknown>): boolean {
    return this.transmit(frame);
  }

  close(): void {
    this.closed = true;
    removeEventListener("offline", this.onOffline);
    removeEventListener("online", this.onOnline);
    clearTimeout(this.retryTimer);
    this.stopPings();
    this.ws?.close(1000);
    this.ws = null;
  }

  private transmit(frame: Record<string, unknown>): boolean {
    if (!this.connected) return false;
    this.ws!.send(JSON.stringify(frame));
    return true;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    // Without a network the browser's `online` event brings us back: no point in retrying blind.
    if (!navigator.onLine) {
      this.on.status?.("offline");
      return;
    }
    this.on.status?.("connecting");
    let url: string;
    try {
      url = await this.socketUrl();
    } catch {
      this.scheduleRetry();
      return;
    }
    if (this.closed) return;
    const ws = new WebSocket(`${url}${url.includes("?") ? "&" : "?"}last_seq=${this.lastSeq}`);
    this.ws = ws;
    ws.onmessage = (e) => {
      if (this.ws === ws) this.receive(JSON.parse(String(e.data)) as ServerFrame);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopPings();
      this.on.status?.("offline");
      this.scheduleRetry();
    };
    ws.onopen = () => {
      if (this.ws === ws) this.startPings(ws);
    };
  }

  private receive(frame: ServerFrame): void {
    if (frame.type !== "pong") this.pongSeen();
    switch (frame.type) {
      case "welcome":
        this.attempt = 0;
        this.on.welcome?.(frame);
        break;
      case "event":
        if (frame.event.seq > this.lastSeq) this.lastSeq = frame.event.seq;
        this.on.event?.(frame.event);
        break;
      case "synced":
        if (!frame.complete) {
          this.transmit({ type: "sync", after_seq: this.lastSeq });
          break;
        }
        this.on.status?.("online");
        this.on.synced?.();
        for (const m of this.outbox.values()) this.transmit({ type: "message", ...m });
        break;
      case "ack":
        this.outbox.delete(frame.client_msg_id);
        this.on.ack?.(frame);
        break;
      case "error":
        // A refused message is not retried (protocol §7): it leaves the outbox with its error.
        if (frame.client_msg_id) this.outbox.delete(frame.client_msg_id);
        this.on.error?.(frame);
        break;
      case "delivery":
        this.on.delivery?.(frame);
        break;
      case "typing":
        this.on.typing?.(frame);
        break;
      case "queue":
        this.on.queue?.(frame);
        break;
      case "pong":
        this.pongSeen();
        break;
    }
  }

  private startPings(ws: WebSocket): void {
    this.stopPings();
    this.pingTimer = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(PING);
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => this.drop(), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  private pongSeen(): void {
    clearTimeout(this.pongTimer);
  }

  private stopPings(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  /** The network is gone (or the socket silently died): give up this socket and retry later. */
  private drop(): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    this.stopPings();
    ws.close();
    this.on.status?.("offline");
    this.scheduleRetry();
  }

  private reconnectNow(): void {
    if (this.closed || this.connected) return;
    const stale = this.ws;
    this.ws = null;
    stale?.close();
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    void this.connect();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    // 0.5 s, 1 s, 2 s … 30 s, with ±25 % jitter so a fleet of widgets does not reconnect in step.
    const base = Math.min(30_000, 500 * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => void this.connect(), base * (0.75 + Math.random() * 0.5));
  }
}
