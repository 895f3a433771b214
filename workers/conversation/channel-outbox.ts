import { type ChannelBinding, type DeliveryOutcome, isOutbound, type OutboundBinding, replyWindowMs } from "../../src/channels/index.ts";
import { isStaff } from "../../src/conversation/index.ts";
import type { Actor, ConversationEvent, MessageContent, Visibility } from "../../src/model/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import type { ConversationStore } from "./store.ts";

/** Messages delivered per alarm before the next alarm carries on. */
const MAX_SENDS_PER_ALARM = 20;
/** Attempts before a message is given up as failed (about 25 minutes of back-off). */
const MAX_ATTEMPTS = 12;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS channel_link (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  binding TEXT NOT NULL,
  last_inbound_at INTEGER NOT NULL,
  sent_seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE TABLE IF NOT EXISTS channel_deliveries (
  seq INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT,
  external_id TEXT,
  at INTEGER NOT NULL
);
`;

interface Link {
  binding: ChannelBinding;
  last_inbound_at: number;
  /** Every public event up to here was delivered to the channel or given up. */
  sent_seq: number;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

export type Deliver = (binding: OutboundBinding, content: MessageContent, event: ConversationEvent & { type: "message" }) => Promise<DeliveryOutcome>;
/** Tells the team (an internal note) that a reply did not reach the customer. */
export type Notify = (seq: number, text: string) => void;

/** What the workstation shows about the channel: where replies go, the reply window, delivery progress. */
export interface ChannelStatus {
  channel: ChannelBinding["channel"];
  last_inbound_at: number;
  /** When replies stop being accepted (null: the channel has no window). */
  reply_window_closes_at: number | null;
  reply_window_closed: boolean;
  sent_seq: number;
  pending_attempts: number;
  last_error: string | null;
  /** The latest deliveries; `external_id` is the channel's ID for the sent message (an email's Message-ID). */
  deliveries: Array<{ seq: number; status: "sent" | "failed"; attempts: number; error: string | null; external_id: string | null; at: number }>;
}

/**
 * A conversation's outbound side for a server-side channel (WeChat, email, API): public messages
 * from the team are delivered in seq order, one at a time, with their own watermark, from the
 * conversation's alarm. A failure holds back everything after it (order matters more than speed)
 * and is retried with back-off; a permanent failure is recorded and the team is told.
 */
export class ChannelOutbox {
  private readonly sql: SqlStorage;
  private cached: Link | null | undefined;

  constructor(storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(SCHEMA);
  }

  link(): Link | null {
    if (this.cached === undefined) {
      const row = this.sql.exec("SELECT * FROM channel_link WHERE singleton = 1").toArray()[0];
      this.cached = row ? ({ ...(row as unknown as Link), binding: JSON.parse(row.binding as string) as ChannelBinding } satisfies Link) : null;
    }
    return this.cached;
  }

  /** The channel's latest word on where replies go; the first binding starts delivering after `headSeq`. */
  bind(binding: ChannelBinding, at: number, headSeq: number): void {
    this.sql.exec(
      `INSERT INTO channel_link (singleton, binding, last_inbound_at, sent_seq) VALUES (1, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET binding = excluded.binding, last_inbound_at = MAX(last_inbound_at, excluded.last_inbound_at)`,
      JSON.stringify(binding),
      at,
      headSeq,
    );
    this.cached = undefined;
  }

  /** Refuses a public reply the channel would refuse: WeChat's 48-hour customer-service window. */
  assertMaySend(actor: Actor, visibility: Visibility, now: number): void {
    const link = this.link();
    if (!link || visibility !== "public" || !isStaff(actor.role)) return;
    const closesAt = this.closesAt(link);
    if (closesAt !== null && now > closesAt) {
      throw new SwitchboardError(
        "reply_window_closed",
        `${link.binding.channel} accepts replies only within ${replyWindowMs(link.binding)! / 3_600_000} hours of the customer's last message; it closed at ${new Date(closesAt).toISOString()}`,
        { reply_window_closes_at: closesAt },
      );
    }
  }

  status(): ChannelStatus | null {
    const link = this.link();
    if (!link) return null;
    const closesAt = this.closesAt(link);
    const deliveries = this.sql
      .exec("SELECT seq, status, attempts, error, external_id, at FROM channel_deliveries ORDER BY seq DESC LIMIT 50")
      .toArray() as unknown as ChannelStatus["deliveries"];
    return {
      channel: link.binding.channel,
      last_inbound_at: link.last_inbound_at,
      reply_window_closes_at: closesAt,
      reply_window_closed: closesAt !== null && Date.now() > closesAt,
      sent_seq: link.sent_seq,
      pending_attempts: link.attempts,
      last_error: link.last_error,
      deliveries: deliveries.reverse(),
    };
  }

  /** When the outbox must run for what the log now holds: at once, or when a back-off ends; null without an outbound channel or anything new. */
  dueAt(store: ConversationStore, now: number): number | null {
    const link = this.link();
    if (!link || !isOutbound(link.binding) || link.sent_seq >= store.headSeq()) return null;
    return Math.max(now, link.next_at);
  }

  /** Delivers what is due; returns when the alarm should run next (null: nothing left). */
  async flush(store: ConversationStore, deliver: Deliver, notify: Notify, now: () => number): Promise<number | null> {
    const first = this.link();
    if (!first || !isOutbound(first.binding)) return null;
    if (first.next_at > now()) return first.sent_seq < store.headSeq() ? first.next_at : null;
    let sends = 0;
    // The link is re-read after every await: an inbound message may have re-bound it meanwhile.
    for (let link = first; link.sent_seq < store.headSeq(); link = this.link()!) {
      const event = store.eventsAfter(link.sent_seq, 1, true)[0];
      if (!event) {
        this.advance(store.headSeq());
        break;
      }
      if (event.type !== "message" || !isStaff(event.sender.role)) {
        this.advance(event.seq);
        continue;
      }
      if (sends++ >= MAX_SENDS_PER_ALARM) return now();
      const closesAt = this.closesAt(link);
      const outcome: DeliveryOutcome =
        closesAt !== null && now() > closesAt
          ? { status: "failed", code: "reply_window_closed", error: "the customer's reply window closed before the message could be sent" }
          : await deliver(link.binding as OutboundBinding, event.content, event).catch((err: unknown) => ({ status: "retry" as const, error: String(err) }));
      const attempts = this.link()!.attempts + 1;
      if (outcome.status === "retry" && attempts < MAX_ATTEMPTS) {
        const nextAt = now() + Math.min(300_000, 1000 * 2 ** Math.min(attempts - 1, 9));
        this.sql.exec("UPDATE channel_link SET attempts = ?, next_at = ?, last_error = ? WHERE singleton = 1", attempts, nextAt, outcome.error);
        this.cached = undefined;
        return nextAt;
      }
      const error = outcome.status === "sent" ? null : outcome.status === "failed" ? `${outcome.code}: ${outcome.error}` : `gave up after ${attempts} attempts: ${outcome.error}`;
      this.sql.exec(
        "INSERT OR REPLACE INTO channel_deliveries (seq, status, attempts, error, external_id, at) VALUES (?, ?, ?, ?, ?, ?)",
        event.seq,
        error === null ? "sent" : "failed",
        attempts,
        error,
        outcome.status === "sent" ? (outcome.external_id ?? null) : null,
        now(),
      );
      this.advance(event.seq);
      if (error !== null) notify(event.seq, `Not delivered to ${link.binding.channel} (message ${event.seq}): ${error}`);
    }
    return null;
  }

  private advance(seq: number): void {
    this.sql.exec("UPDATE channel_link SET sent_seq = ?, attempts = 0, next_at = 0, last_error = NULL WHERE singleton = 1", seq);
    this.cached = undefined;
  }

  private closesAt(link: Link): number | null {
    const window = replyWindowMs(link.binding);
    return window === null ? null : link.last_inbound_at + window;
  }
}
