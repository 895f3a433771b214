import { and, asc, eq, gt, lt } from "drizzle-orm";
import { chainHashes, GENESIS_HASH, readSegmentMeta, segmentBody, segmentKey, segmentMeta, ticketPrefix, verifySegments, type SegmentLine } from "../../src/archive/index.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { linkCreatedTickets } from "../tickets/conversation-link.ts";
import { readSegments } from "./verify.ts";

/** Ticket events per segment; a longer backlog becomes several segments, up to `PAGES_PER_RUN` a run. */
const PAGE = 500;
const PAGES_PER_RUN = 10;

/** Where a workspace's ticket archive ends: the last ticket event id in R2, its chain position and hash. */
export interface TicketArchiveTip {
  lastEventId: number;
  seq: number;
  hash: string;
}

/** One archived ticket event: the `ticket_events` row. */
export interface TicketArchiveEvent {
  id: number;
  ticket_id: string;
  type: string;
  by: unknown;
  at: number;
  data: unknown;
}

const START: TicketArchiveTip = { lastEventId: 0, seq: 0, hash: GENESIS_HASH };

export async function ticketArchiveTip(db: Database, workspaceId: string): Promise<TicketArchiveTip> {
  const w = schema.ticketArchive;
  const row = (await db.select().from(w).where(eq(w.workspaceId, workspaceId)).limit(1))[0];
  return row ? { lastEventId: row.lastEventId, seq: row.seq, hash: row.headHash } : START;
}

/**
 * The write step: the next page of the workspace's ticket events after `tip`, as one create-only
 * segment named by its first chain position. The page after a given tip is always the same rows
 * (ids only grow), so a run that crashed before saving its watermark left exactly the segment a
 * retry would write: the retry's create fails, and the existing segment's metadata says where
 * the archive ends. Null when there is nothing new.
 */
export async function writeTicketSegment(
  db: Database,
  bucket: R2Bucket,
  workspaceId: string,
  tip: TicketArchiveTip,
): Promise<{ tip: TicketArchiveTip; written: boolean; events: TicketArchiveEvent[] } | null> {
  const e = schema.ticketEvents;
  const rows = await db
    .select()
    .from(e)
    .where(and(eq(e.workspaceId, workspaceId), gt(e.id, tip.lastEventId)))
    .orderBy(asc(e.id))
    .limit(PAGE);
  if (rows.length === 0) return null;
  const events: TicketArchiveEvent[] = rows.map((r) => ({ id: r.id, ticket_id: r.ticketId, type: r.type, by: r.actor, at: r.at, data: r.data }));
  const hashes = await chainHashes(tip.hash, events);
  const lines: SegmentLine[] = events.map((event, i) => ({ seq: tip.seq + i + 1, prev_hash: i === 0 ? tip.hash : hashes[i - 1]!, hash: hashes[i]!, event }));
  const end: TicketArchiveTip = { lastEventId: rows[rows.length - 1]!.id, seq: tip.seq + lines.length, hash: hashes[hashes.length - 1]! };
  const key = segmentKey(ticketPrefix(workspaceId), tip.seq + 1);
  const created = await bucket.put(key, segmentBody(lines), {
    onlyIf: { etagDoesNotMatch: "*" },
    httpMetadata: { contentType: "application/x-ndjson" },
    customMetadata: { ...segmentMeta({ from_seq: tip.seq + 1, to_seq: end.seq, last_hash: end.hash }), last_event_id: String(end.lastEventId) },
  });
  if (created) return { tip: end, written: true, events };
  const existing = await bucket.head(key);
  const meta = readSegmentMeta(existing?.customMetadata);
  const lastEventId = Number(existing?.customMetadata?.last_event_id);
  if (!meta || meta.from_seq !== tip.seq + 1 || !Number.isInteger(lastEventId)) throw new Error(`ticket archive segment ${key} has unreadable metadata`);
  return { tip: { lastEventId, seq: meta.to_seq, hash: meta.last_hash }, written: false, events };
}

/** The watermark step: only ever forward, so a slower concurrent run cannot move it back. */
export async function saveTicketArchiveTip(db: Database, workspaceId: string, tip: TicketArchiveTip, now: number): Promise<void> {
  const w = schema.ticketArchive;
  await db
    .insert(w)
    .values({ workspaceId, lastEventId: tip.lastEventId, seq: tip.seq, headHash: tip.hash, updatedAt: now })
    .onConflictDoUpdate({ target: w.workspaceId, set: { lastEventId: tip.lastEventId, seq: tip.seq, headHash: tip.hash, updatedAt: now }, setWhere: lt(w.seq, tip.seq) });
}

/**
 * Cron: every workspace's new ticket events into R2, and the conversation links of the tickets
 * created among them (made once more, idempotently, before the watermark passes them); returns
 * how many segments it wrote.
 */
export async function archiveTicketEvents(env: Env, now = Date.now()): Promise<number> {
  const db = database(env.DB);
  const bucket = env.ARCHIVE;
  const workspaces = await db.select({ id: schema.workspaces.id }).from(schema.workspaces);
  let written = 0;
  for (const { id } of workspaces) {
    try {
      let tip = await ticketArchiveTip(db, id);
      for (let page = 0; page < PAGES_PER_RUN; page++) {
        const step = await writeTicketSegment(db, bucket, id, tip);
        if (!step) break;
        if (step.written) written++;
        await linkCreatedTickets(env, id, step.events);
        tip = step.tip;
        await saveTicketArchiveTip(db, id, tip, now);
      }
    } catch (err) {
      // One workspace's trouble does not hold up the others; its watermark stays for the next run.
      console.error(`ticket archive of ${id} stopped, the next run continues`, err);
    }
  }
  return written;
}

/** Re-checks a workspace's ticket chain in R2 against its watermark, like a conversation's. */
export async function verifyTicketArchive(db: Database, bucket: R2Bucket, workspaceId: string) {
  const tip = await ticketArchiveTip(db, workspaceId);
  const segments = await readSegments(bucket, ticketPrefix(workspaceId));
  const report = await verifySegments(segments, tip.seq === 0 ? null : { seq: tip.seq, hash: tip.hash });
  return { archived_seq: tip.seq, last_event_id: tip.lastEventId, ...report, objects: segments.map((s) => ({ key: s.key, size: s.size, uploaded_at: s.uploaded })) };
}
