import { chainHash, GENESIS_HASH } from "./chain.ts";
import { segmentStart, type SegmentLine } from "./segment.ts";

/** What verification found wrong, each naming the seqs and objects involved. */
export type Problem =
  | { kind: "gap"; from_seq: number; to_seq: number; message: string }
  | { kind: "duplicate"; seq: number; keys: string[]; message: string }
  | { kind: "altered"; seq: number; key: string; message: string }
  | { kind: "malformed"; key: string; line?: number; message: string };

export interface VerifyReport {
  ok: boolean;
  segments: number;
  events: number;
  last_seq: number;
  problems: Problem[];
}

/** A stored segment as read back: its name and text. */
export interface StoredSegment {
  key: string;
  text: string;
}

/** What the conversation index says was archived: the last seq and its hash. */
export interface ArchivedHead {
  seq: number;
  hash: string | null;
}

function parseLines(segment: StoredSegment, problems: Problem[]): SegmentLine[] {
  const out: SegmentLine[] = [];
  const lines = segment.text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  lines.forEach((text, i) => {
    try {
      const line = JSON.parse(text) as SegmentLine;
      if (!Number.isInteger(line.seq) || typeof line.hash !== "string" || typeof line.prev_hash !== "string" || line.event === undefined) {
        throw new Error("missing seq, hash, prev_hash or event");
      }
      out.push(line);
    } catch (err) {
      problems.push({ kind: "malformed", key: segment.key, line: i + 1, message: `${segment.key} line ${i + 1} is not an archive line: ${(err as Error).message}` });
    }
  });
  const start = segmentStart(segment.key);
  if (out.length > 0 && start !== out[0]!.seq) {
    problems.push({ kind: "malformed", key: segment.key, message: `${segment.key} is named for seq ${start} but starts at seq ${out[0]!.seq}` });
  }
  return out;
}

/**
 * Re-checks one conversation's archive: every seq from 1 to the archived head present exactly once,
 * every event hashing to its recorded hash, and every hash chaining to the one before.
 */
export async function verifySegments(segments: readonly StoredSegment[], head: ArchivedHead | null): Promise<VerifyReport> {
  const problems: Problem[] = [];
  const bySeq = new Map<number, Array<{ key: string; line: SegmentLine }>>();
  let events = 0;
  for (const segment of [...segments].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    for (const line of parseLines(segment, problems)) {
      events++;
      const copies = bySeq.get(line.seq) ?? [];
      copies.push({ key: segment.key, line });
      bySeq.set(line.seq, copies);
    }
  }
  const maxSeq = Math.max(0, head?.seq ?? 0, ...bySeq.keys());
  let prevHash: string | null = null;
  let gapFrom: number | null = null;
  for (let seq = 1; seq <= maxSeq + 1; seq++) {
    const copies = seq <= maxSeq ? bySeq.get(seq) : undefined;
    if (!copies) {
      if (seq <= maxSeq && gapFrom === null) gapFrom = seq;
      if (seq > maxSeq && gapFrom !== null) {
        problems.push({ kind: "gap", from_seq: gapFrom, to_seq: seq - 1, message: `seq ${gapFrom}–${seq - 1} missing from the archive` });
      }
      prevHash = null;
      continue;
    }
    if (gapFrom !== null) {
      problems.push({ kind: "gap", from_seq: gapFrom, to_seq: seq - 1, message: `seq ${gapFrom}–${seq - 1} missing from the archive` });
      gapFrom = null;
    }
    if (copies.length > 1) {
      const keys = copies.map((c) => c.key);
      problems.push({ kind: "duplicate", seq, keys, message: `seq ${seq} is archived ${copies.length} times (${keys.join(", ")})` });
    }
    const { key, line } = copies[0]!;
    // After a gap the link cannot be checked (the gap is reported); the event's own hash still can.
    const expectedPrev = seq === 1 ? GENESIS_HASH : prevHash;
    if (expectedPrev !== null && line.prev_hash !== expectedPrev) {
      problems.push({ kind: "altered", seq, key, message: `seq ${seq} in ${key} does not chain to seq ${seq - 1}: an event was altered or replaced` });
    } else if ((await chainHash(line.prev_hash, line.event)) !== line.hash) {
      problems.push({ kind: "altered", seq, key, message: `seq ${seq} in ${key} does not match its hash: the event was altered` });
    }
    prevHash = line.hash;
    if (head && seq === head.seq && head.hash !== null && line.hash !== head.hash) {
      problems.push({ kind: "altered", seq, key, message: `seq ${seq} in ${key} is not the event the index recorded as archived` });
    }
  }
  return { ok: problems.length === 0, segments: segments.length, events, last_seq: maxSeq, problems };
}
