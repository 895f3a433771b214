// What the workstation knows about one conversation: its events by seq, our messages on their
// way, everyone's delivery watermarks, who is typing, and its snapshot (context, routing). Views
// subscribe and re-render on change; the "mine" inbox keeps one open per assigned conversation.
import { ConversationLink, type LinkStatus } from "../shared/conversation-link.ts";
import type { Actor, Content, ConversationEvent, ConversationSnapshot, ConversationState, Participant } from "../shared/wire.ts";
import { preview } from "../shared/content.tsx";
import { api, socketUrl } from "./api.ts";

export interface PendingMessage {
  client_msg_id: string;
  content: Content;
  visibility: "public" | "internal";
  failed?: string;
}

export class ConversationStore {
  readonly events = new Map<number, ConversationEvent>();
  readonly pending = new Map<string, PendingMessage>();
  participants: Participant[] = [];
  state: ConversationState | null = null;
  snapshot: ConversationSnapshot | null = null;
  me: Actor | null = null;
  typing: Actor | null = null;
  status: LinkStatus = "connecting";
  /** Our own `read` watermark: what we told the server we have seen. */
  readSeq = 0;
  private readonly link: ConversationLink;
  private readonly listeners = new Set<() => void>();
  private readonly sent = new Map<string, PendingMessage>();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTypingSent = 0;

  constructor(readonly id: string) {
    this.link = new ConversationLink(async () => socketUrl(`/api/conversations/${id}/ws`), {
      welcome: (w) => {
        this.me = w.you;
        this.state = w.state;
        this.participants = w.participants;
        this.readSeq = Math.max(this.readSeq, w.participants.find((p) => p.id === w.you.id)?.read_seq ?? 0);
        this.emit();
      },
      event: (e) => {
        this.events.set(e.seq, e);
        if (e.type === "message") {
          this.pending.delete(e.client_msg_id);
          if (e.sender.id === this.typing?.id) this.typing = null;
        }
        if (e.type === "state_changed") this.state = e.to;
        if (e.type === "participant_joined" || e.type === "state_changed" || e.type === "transferred" || e.type === "assigned") void this.refreshSnapshot();
        this.emit();
      },
      synced: () => {
        this.link.sendFrame({ type: "receipt", status: "delivered", up_to_seq: this.link.lastSeq || 1 });
        this.emit();
      },
      ack: (a) => {
        const m = this.sent.get(a.client_msg_id);
        this.pending.delete(a.client_msg_id);
        if (m && this.me) {
          this.events.set(a.seq, {
            type: "message",
            seq: a.seq,
            at: a.at,
            visibility: m.visibility,
            server_msg_id: a.server_msg_id,
            client_msg_id: a.client_msg_id,
            sender: this.me,
            content: m.content,
          });
        }
        this.emit();
      },
      error: (err) => {
        const m = err.client_msg_id && this.pending.get(err.client_msg_id);
        if (m) m.failed = err.message;
        this.lastError = { code: err.code, message: err.message };
        this.emit();
      },
      delivery: (d) => {
        const p = this.participants.find((x) => x.id === d.by.id);
        if (p) {
          if (d.status === "read") p.read_seq = Math.max(p.read_seq, d.up_to_seq);
          if (d.status !== "dispatched") p.delivered_seq = Math.max(p.delivered_seq, d.up_to_seq);
        } else {
          this.participants.push({ ...d.by, joined_at: Date.now(), dispatched_seq: d.up_to_seq, delivered_seq: d.up_to_seq, read_seq: d.status === "read" ? d.up_to_seq : 0 });
        }
        this.emit();
      },
      typing: (f) => {
        clearTimeout(this.typingTimer);
        this.typing = f.active ? f.participant : null;
        if (f.active) this.typingTimer = setTimeout(() => ((this.typing = null), this.emit()), 8000);
        this.emit();
      },
      status: (s) => {
        this.status = s;
        this.emit();
      },
    });
    this.link.start();
    void this.refreshSnapshot();
  }

  /** The last `error` frame: `reply_window_closed` gets its own notice in the composer. */
  lastError: { code: string; message: string } | null = null;

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private emit(): void {
    for (const f of this.listeners) f();
  }

  async refreshSnapshot(): Promise<void> {
    try {
      this.snapshot = await api<ConversationSnapshot>(`/api/conversations/${this.id}`);
      this.state = this.snapshot.state;
      this.emit();
    } catch {
      // the socket's events keep the view right; the context panel waits for the next try
    }
  }

  /** Events in seq order (ours still on their way come after them, see `pending`). */
  ordered(): ConversationEvent[] {
    return [...this.events.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Messages from others after our read watermark. */
  unread(): number {
    let n = 0;
    for (const e of this.events.values()) if (e.type === "message" && e.seq > this.readSeq && e.sender.id !== this.me?.id) n++;
    return n;
  }

  lastMessage(): string | null {
    const messages = this.ordered().filter((e) => e.type === "message");
    const last = messages[messages.length - 1];
    return last?.type === "message" ? preview(last.content) : null;
  }

  /** The visitor's watermarks decide our messages' marks. */
  visitorProgress(): { delivered: number; read: number } {
    const v = this.participants.filter((p) => p.role === "visitor");
    return { delivered: Math.max(0, ...v.map((p) => p.delivered_seq)), read: Math.max(0, ...v.map((p) => p.read_seq)) };
  }

  markRead(): void {
    const head = this.link.lastSeq;
    if (head <= this.readSeq || !this.link.connected) return;
    this.readSeq = head;
    this.link.sendFrame({ type: "receipt", status: "read", up_to_seq: head });
    this.emit();
  }

  send(text: string, internal: boolean): void {
    this.sendContent({ kind: "text", text }, internal);
  }

  /** Text, or an uploaded attachment's `content`. */
  sendContent(content: Content, internal: boolean): void {
    this.lastError = null;
    const m = this.link.send(content, internal ? "internal" : "public");
    const pending: PendingMessage = { ...m };
    this.sent.set(m.client_msg_id, pending);
    this.pending.set(m.client_msg_id, pending);
    this.link.sendFrame({ type: "typing", active: false });
    // The next keystroke announces typing again, however soon it comes.
    this.lastTypingSent = 0;
    this.emit();
  }

  typingNow(): void {
    if (Date.now() - this.lastTypingSent < 3000) return;
    this.lastTypingSent = Date.now();
    this.link.sendFrame({ type: "typing", active: true });
  }

  setState(to: ConversationState, reason?: string): void {
    this.link.sendFrame({ type: "state", to, ...(reason ? { reason } : {}) });
  }

  assist(note?: string): void {
    this.link.sendFrame({ type: "assist", ...(note ? { note } : {}) });
  }

  close(): void {
    clearTimeout(this.typingTimer);
    this.link.close();
    this.listeners.clear();
  }
}
