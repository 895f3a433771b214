import { canonicalJson } from "./canonical.ts";

/** One archived event: its place in the conversation's hash chain and the event itself. */
export interface SegmentLine {
  seq: number;
  prev_hash: string;
  hash: string;
  event: unknown;
}

/** Custom metadata on every segment object: what a reader needs without downloading it. */
export interface SegmentMeta {
  from_seq: number;
  to_seq: number;
  /** The hash of the segment's last event: where the next segment's chain starts. */
  last_hash: string;
}

const SEQ_DIGITS = 12;

/** The UTC day of a timestamp, as the archive's date folder: 2026-11-26. */
export function archiveDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Every segment of one conversation lives under this prefix; the date is the day it started. */
export function conversationPrefix(workspaceId: string, conversationId: string, createdAt: number): string {
  return `${workspaceId}/${archiveDate(createdAt)}/${conversationId}/`;
}

/** A workspace's ticket history: one chain for all its tickets, positions counted from 1. */
export function ticketPrefix(workspaceId: string): string {
  return `${workspaceId}/tickets/`;
}

/**
 * A segment is named by the seq it starts at, zero-padded so that names sort in seq order. One
 * name per start seq is what makes create-only writes exclude overlapping copies: see
 * docs/archive.md. The range it covers is in its metadata and its lines.
 */
export function segmentKey(prefix: string, fromSeq: number): string {
  return `${prefix}${String(fromSeq).padStart(SEQ_DIGITS, "0")}.ndjson`;
}

/** The start seq a segment name says, or null for an object that is not a segment. */
export function segmentStart(key: string): number | null {
  const m = /\/(\d{12})\.ndjson$/.exec(key);
  return m ? Number(m[1]) : null;
}

/** The NDJSON body of a segment: one canonical line per event, each ending in a newline. */
export function segmentBody(lines: readonly SegmentLine[]): string {
  return lines.map((l) => `${canonicalJson(l)}\n`).join("");
}

export function segmentMeta(meta: SegmentMeta): Record<string, string> {
  return { from_seq: String(meta.from_seq), to_seq: String(meta.to_seq), last_hash: meta.last_hash };
}

export function readSegmentMeta(custom: Record<string, string> | undefined): SegmentMeta | null {
  const from = Number(custom?.from_seq);
  const to = Number(custom?.to_seq);
  if (!Number.isInteger(from) || !Number.isInteger(to) || !custom?.last_hash) return null;
  return { from_seq: from, to_seq: to, last_hash: custom.last_hash };
}
