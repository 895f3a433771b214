import type {
  Actor,
  ConversationContext,
  ConversationEvent,
  ConversationState,
  Participant,
  QueueStatus,
  Role,
  RoutingView,
  TransferLink,
} from "../../src/model/index.ts";
import { GENESIS_HASH } from "../../src/archive/index.ts";

/** The conversation's row in its own SQLite: identity, state and the archive watermarks. */
export interface ConversationRecord {
  workspace_id: string;
  conversation_id: string;
  contact: Actor;
  context: ConversationContext;
  state: ConversationState;
  created_at: number;
  /** Highest seq handed to the archive queue. */
  archive_handed_seq: number;
  /** Highest seq the archive consumer confirmed. */
  archive_confirmed_seq: number;
  archive_handed_at: number;
  archive_failures: number;
}

export interface DedupHit {
  sender_id: string;
  seq: number;
  server_msg_id: string;
  at: number;
}

type Watermark = "dispatched_seq" | "delivered_seq" | "read_seq";

/**
 * Where the conversation stands with routing. `unrouted` until the visitor's first message,
 * `pending` while a decision is being made (retried by the alarm at `retry_at`), then `queued`
 * in `group_id`, `assigned` to `owner`, `offline`, or `manual` when the workspace has no skill
 * groups and agents pick conversations themselves.
 */
export interface RoutingRecord {
  status: RoutingView["status"];
  group_id: string | null;
  priority: number;
  overflow: { after_seconds: number; group?: string | undefined } | null;
  waiting_since: number | null;
  owner: Actor | null;
  queue: QueueStatus | null;
  retry_at: number | null;
  first_message: string | null;
  /** The transfer chain: every hand-over, oldest first. */
  transfers: TransferLink[];
}

const UNROUTED: RoutingRecord = {
  status: "unrouted",
  group_id: null,
  priority: 50,
  overflow: null,
  waiting_since: null,
  owner: null,
  queue: null,
  retry_at: null,
  first_message: null,
  transfers: [],
};

/** A character the structured-clone (v8) serializer cannot store in one byte. */
const WIDE = /[^\u0000-\u00ff]/;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS conversation (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  workspace_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  contact TEXT NOT NULL,
  context TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  archive_handed_seq INTEGER NOT NULL DEFAULT 0,
  archive_confirmed_seq INTEGER NOT NULL DEFAULT 0,
  archive_handed_at INTEGER NOT NULL DEFAULT 0,
  archive_failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS archive_chain (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  handed_hash TEXT NOT NULL,
  confirmed_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  visibility TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dedup (
  client_msg_id TEXT PRIMARY KEY,
  sender_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  server_msg_id TEXT NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS routing (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
  id TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  name TEXT,
  joined_at INTEGER NOT NULL,
  left_at INTEGER,
  dispatched_seq INTEGER NOT NULL DEFAULT 0,
  delivered_seq INTEGER NOT NULL DEFAULT 0,
  read_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;

/**
 * The ConversationDO's SQLite, one method per question or change. Everything is synchronous:
 * the storage API's cursors are consumed before the method returns, and callers group writes
 * with `transactionSync` where they must land together.
 */
export class ConversationStore {
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;
  private record: ConversationRecord | null | undefined;
  private head: number | undefined;
  private participantCache: Map<string, Participant> | undefined;
  private routingCache: RoutingRecord | undefined;
  private chain: { handed_hash: string; confirmed_hash: string } | undefined;
  private chainChecked = false;
  /** Archive watermarks changed in memory since they were last written (see `writeArchiveMarks`). */
  private archiveMarksDirty = false;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
    this.sql = storage.sql;
    this.sql.exec(SCHEMA);
  }

  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }

  get(): ConversationRecord | null {
    if (this.record === undefined) {
      const row = this.sql.exec("SELECT * FROM conversation WHERE singleton = 1").toArray()[0];
      this.record = row
        ? ({
            ...(row as unknown as ConversationRecord),
            contact: JSON.parse(row.contact as string) as Actor,
            context: JSON.parse(row.context as string) as ConversationContext,
          } satisfies ConversationRecord)
        : null;
    }
    return this.record;
  }

  create(record: Omit<ConversationRecord, "archive_handed_seq" | "archive_confirmed_seq" | "archive_handed_at" | "archive_failures">): void {
    this.sql.exec(
      "INSERT INTO conversation (singleton, workspace_id, conversation_id, contact, context, state, created_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
      record.workspace_id,
      record.conversation_id,
      JSON.stringify(record.contact),
      JSON.stringify(record.context),
      record.state,
      record.created_at,
    );
    this.record = undefined;
  }

  setState(state: ConversationState): void {
    this.sql.exec("UPDATE conversation SET state = ? WHERE singleton = 1", state);
    if (this.record) this.record.state = state;
  }

  headSeq(): number {
    if (this.head === undefined) {
      this.head = (this.sql.exec("SELECT COALESCE(MAX(seq), 0) AS head FROM events").one().head as number) ?? 0;
    }
    return this.head;
  }

  /** Stores an event at the next seq. The caller holds a transaction when other rows must agree. */
  append(event: ConversationEvent): void {
    const next = this.headSeq() + 1;
    if (event.seq !== next) throw new Error(`append out of order: ${event.seq} after ${next - 1}`);
    this.sql.exec("INSERT INTO events (seq, visibility, body) VALUES (?, ?, ?)", event.seq, event.visibility, JSON.stringify(event));
    this.head = next;
    this.writeArchiveMarks();
  }

  /** Up to `limit` events after `after`, in order; `publicOnly` hides internal notes. */
  eventsAfter(after: number, limit: number, publicOnly: boolean): ConversationEvent[] {
    const cursor = publicOnly
      ? this.sql.exec("SELECT body FROM events WHERE seq > ? AND visibility = 'public' ORDER BY seq LIMIT ?", after, limit)
      : this.sql.exec("SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, limit);
    const out: ConversationEvent[] = [];
    for (const row of cursor) out.push(JSON.parse(row.body as string) as ConversationEvent);
    return out;
  }

  /**
   * Raw event texts from `from` on, stopping before `maxBytes` or `maxEvents`: an archive batch.
   * Bytes are what the queue will count once the batch is serialized: a text holding any character
   * beyond Latin-1 is stored two bytes per UTF-16 unit, so it counts double.
   */
  eventTextsFrom(from: number, maxEvents: number, maxBytes: number): string[] {
    const out: string[] = [];
    let bytes = 0;
    for (const row of this.sql.exec("SELECT body FROM events WHERE seq >= ? ORDER BY seq LIMIT ?", from, maxEvents)) {
      const body = row.body as string;
      const size = WIDE.test(body) ? body.length * 2 : body.length;
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(body);
      bytes += size;
    }
    return out;
  }

  findDedup(clientMsgId: string): DedupHit | null {
    const row = this.sql.exec("SELECT sender_id, seq, server_msg_id, at FROM dedup WHERE client_msg_id = ?", clientMsgId).toArray()[0];
    return row ? (row as unknown as DedupHit) : null;
  }

  recordDedup(clientMsgId: string, hit: DedupHit): void {
    this.sql.exec(
      "INSERT INTO dedup (client_msg_id, sender_id, seq, server_msg_id, at) VALUES (?, ?, ?, ?, ?)",
      clientMsgId,
      hit.sender_id,
      hit.seq,
      hit.server_msg_id,
      hit.at,
    );
  }

  participants(): Map<string, Participant> {
    if (!this.participantCache) {
      this.participantCache = new Map();
      for (const row of this.sql.exec("SELECT * FROM participants ORDER BY joined_at, id")) {
        const p: Participant = {
          id: row.id as string,
          role: row.role as Role,
          joined_at: row.joined_at as number,
          dispatched_seq: row.dispatched_seq as number,
          delivered_seq: row.delivered_seq as number,
          read_seq: row.read_seq as number,
        };
        if (row.name !== null) p.name = row.name as string;
        if (row.left_at !== null) p.left_at = row.left_at as number;
        this.participantCache.set(p.id, p);
      }
    }
    return this.participantCache;
  }

  addParticipant(actor: Actor, at: number, dispatchedSeq: number): Participant {
    const p: Participant = { ...actor, joined_at: at, dispatched_seq: dispatchedSeq, delivered_seq: 0, read_seq: 0 };
    this.sql.exec(
      `INSERT INTO participants (id, role, name, joined_at, dispatched_seq) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET left_at = NULL, role = excluded.role, name = excluded.name`,
      actor.id,
      actor.role,
      actor.name ?? null,
      at,
      dispatchedSeq,
    );
    const existing = this.participants().get(actor.id);
    if (existing) {
      delete existing.left_at;
      return existing;
    }
    this.participants().set(actor.id, p);
    return p;
  }

  markLeft(id: string, at: number): void {
    this.sql.exec("UPDATE participants SET left_at = ? WHERE id = ?", at, id);
    const p = this.participants().get(id);
    if (p) p.left_at = at;
  }

  /** Raises a participant's watermark; true when it moved. Watermarks never go down. */
  raise(id: string, mark: Watermark, seq: number): boolean {
    const p = this.participants().get(id);
    if (!p || p[mark] >= seq) return false;
    p[mark] = seq;
    this.sql.exec(`UPDATE participants SET ${mark} = ? WHERE id = ?`, seq, id);
    return true;
  }

  routing(): RoutingRecord {
    if (!this.routingCache) {
      const row = this.sql.exec("SELECT body FROM routing WHERE singleton = 1").toArray()[0];
      this.routingCache = row ? (JSON.parse(row.body as string) as RoutingRecord) : { ...UNROUTED };
    }
    return this.routingCache;
  }

  setRouting(change: Partial<RoutingRecord>): RoutingRecord {
    const next = { ...this.routing(), ...change };
    this.sql.exec(
      "INSERT INTO routing (singleton, body) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET body = excluded.body",
      JSON.stringify(next),
    );
    this.routingCache = next;
    return next;
  }

  /** The archive hash chain at the handed and confirmed watermarks (the genesis hash before any). */
  archiveChain(): { handed_hash: string; confirmed_hash: string } {
    if (!this.chain) {
      const row = this.sql.exec("SELECT handed_hash, confirmed_hash FROM archive_chain WHERE singleton = 1").toArray()[0];
      this.chain = row ? { handed_hash: row.handed_hash as string, confirmed_hash: row.confirmed_hash as string } : { handed_hash: GENESIS_HASH, confirmed_hash: GENESIS_HASH };
    }
    return this.chain;
  }

  /**
   * A conversation archived before the hash chain existed has watermarks but no chain: its archive
   * starts over from seq 1 (the consumer writes each event once, so nothing already in R2 under
   * the new layout is duplicated).
   */
  restartArchiveWithoutChain(): boolean {
    if (this.chainChecked) return false;
    this.chainChecked = true;
    const r = this.get();
    const stored = this.sql
      .exec("SELECT archive_handed_seq AS handed, (SELECT COUNT(*) FROM archive_chain) AS chained FROM conversation WHERE singleton = 1")
      .toArray()[0];
    if (!r || !stored || (stored.handed as number) === 0 || (stored.chained as number) > 0) return false;
    this.sql.exec("UPDATE conversation SET archive_handed_seq = 0, archive_confirmed_seq = 0 WHERE singleton = 1");
    Object.assign(r, { archive_handed_seq: 0, archive_confirmed_seq: 0 });
    this.chain = { handed_hash: GENESIS_HASH, confirmed_hash: GENESIS_HASH };
    return true;
  }

  /*
   * The archive watermarks move in memory and reach SQLite lazily: with the next event's commit, or
   * when the alarm calls `writeArchiveMarks`. A quiet conversation's hand-over and confirmation then
   * cost no commit of their own. Whatever is written is a consistent, older snapshot: an object that
   * restarts from it hands over again what it had already sent, and the consumer is idempotent.
   */

  markHanded(toSeq: number, at: number, hash: string): void {
    const r = this.get();
    if (!r) return;
    Object.assign(r, { archive_handed_seq: toSeq, archive_handed_at: at, archive_failures: 0 });
    this.archiveChain().handed_hash = hash;
    this.archiveMarksDirty = true;
  }

  markConfirmed(toSeq: number, hash: string): void {
    const r = this.get();
    if (!r || toSeq <= r.archive_confirmed_seq) return;
    const confirmed = Math.min(toSeq, this.headSeq());
    const handed = Math.max(r.archive_handed_seq, confirmed);
    // The chain follows the watermarks: a re-send after a rewind starts from the confirmed hash.
    const chain = this.archiveChain();
    if (confirmed === toSeq) {
      chain.confirmed_hash = hash;
      if (handed === confirmed) chain.handed_hash = hash;
    }
    Object.assign(r, { archive_confirmed_seq: confirmed, archive_handed_seq: handed });
    this.archiveMarksDirty = true;
  }

  /** Forgets an unconfirmed hand-over so the next flush sends it again. */
  rewindHanded(): void {
    const r = this.get();
    if (!r) return;
    r.archive_handed_seq = r.archive_confirmed_seq;
    const chain = this.archiveChain();
    chain.handed_hash = chain.confirmed_hash;
    this.archiveMarksDirty = true;
  }

  recordArchiveFailure(): number {
    const r = this.get();
    if (!r) return 0;
    r.archive_failures += 1;
    this.archiveMarksDirty = true;
    return r.archive_failures;
  }

  /** Writes the archive watermarks and chain if they moved since the last write; true when it wrote. */
  writeArchiveMarks(): boolean {
    const r = this.get();
    if (!this.archiveMarksDirty || !r) return false;
    const chain = this.archiveChain();
    this.sql.exec(
      "UPDATE conversation SET archive_handed_seq = ?, archive_confirmed_seq = ?, archive_handed_at = ?, archive_failures = ? WHERE singleton = 1",
      r.archive_handed_seq,
      r.archive_confirmed_seq,
      r.archive_handed_at,
      r.archive_failures,
    );
    this.sql.exec(
      "INSERT INTO archive_chain (singleton, handed_hash, confirmed_hash) VALUES (1, ?, ?) ON CONFLICT (singleton) DO UPDATE SET handed_hash = excluded.handed_hash, confirmed_hash = excluded.confirmed_hash",
      chain.handed_hash,
      chain.confirmed_hash,
    );
    this.archiveMarksDirty = false;
    return true;
  }
}
