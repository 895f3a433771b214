// Zero loss, proven on Switchboard's side: after a run, every message the fleet got an ack for is
// read back from each conversation's log over the HTTP events API (as its agent), from the R2
// archive (raw transcript and chain verification) and from the conversation index, and compared
// with what the clients saw.
import { DEMO_SEED } from "../../src/db/demo-seed.ts";
import { pool } from "./pool.mjs";
import { summarize } from "./stats.mjs";
import { httpJson } from "./ws-client.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every conversation in the workspace's index (GET /api/conversations, 100 a page): id → last_seq. */
export async function readIndex(target, token) {
  const out = new Map();
  let cursor = null;
  for (let page = 0; page < 1000; page++) {
    const q = new URLSearchParams({ limit: "100", ...(cursor ? { cursor } : {}) });
    const list = await httpJson("GET", `${target.base}/api/conversations?${q}`, undefined, { token });
    for (const item of list.items) out.set(item.id, item.last_seq);
    cursor = list.next_cursor;
    if (!cursor) break;
  }
  return out;
}

/**
 * Every conversation's archived seq through the bench hook: one D1 read, so polling it twice a
 * second costs the server little (paging GET /api/conversations did: 20 sorted list reads a second).
 */
async function readArchiveIndex(target, token) {
  const answer = await httpJson("GET", `${target.base}/api/_faults/archive-index`, undefined, { token });
  return new Map(Object.entries(answer.archived_seq));
}

/**
 * Archive lag under load: polls the conversation index every `everyMs` and, for each acked
 * message, records the time from its ack to the first poll that shows the index at or past its
 * seq (the archive consumer updates the index, then confirms to the conversation). Resolution is
 * the poll interval plus one index read.
 */
export class ArchiveWatcher {
  constructor(target, token, fleet, { everyMs = 500 } = {}) {
    this.target = target;
    this.token = token;
    this.fleet = fleet;
    this.everyMs = everyMs;
    this.lags = [];
    this.polls = 0;
    this.errors = 0;
    this.running = false;
  }

  start() {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.poll();
        await sleep(this.everyMs);
      }
    })();
  }

  async poll() {
    let index;
    try {
      index = await readArchiveIndex(this.target, this.token);
    } catch {
      this.errors += 1; // wrangler restarting in a fault run
      return;
    }
    const at = performance.now();
    this.polls += 1;
    for (const c of this.fleet.conversations) {
      const last = index.get(c.id) ?? 0;
      while (c.archived < c.acked.length && c.acked[c.archived].ackSeq <= last) {
        this.lags.push(at - c.acked[c.archived].ackAt);
        c.archived += 1;
      }
    }
  }

  async stop() {
    this.running = false;
    await this.loop;
  }

  /** Waits until every acked message is in the index (or `timeoutMs`); returns how many are not. */
  async drain(timeoutMs) {
    const deadline = performance.now() + timeoutMs;
    const behind = () => this.fleet.conversations.reduce((n, c) => n + (c.acked.length - c.archived), 0);
    while (performance.now() < deadline && behind() > 0) {
      await this.poll();
      if (behind() > 0) await sleep(this.everyMs);
    }
    return behind();
  }

  summary() {
    return { polls: this.polls, poll_errors: this.errors, every_ms: this.everyMs, lag_ms: summarize(this.lags) };
  }
}

/** Every event of one conversation, paging the events API. */
async function readLog(target, id, token) {
  const events = [];
  let after = 0;
  for (let page = 0; page < 10_000; page++) {
    const res = await httpJson("GET", `${target.base}/api/conversations/${id}/events?after=${after}&limit=500`, undefined, { token });
    events.push(...res.events);
    after = res.next_after;
    if (res.complete) return { events, head: res.head_seq };
  }
  throw new Error(`${id}: the log did not end`);
}

/**
 * Checks one copy of a conversation (the DO's log, or the R2 archive) against what the clients
 * were told: each of the run's acked messages exactly once, with the seq its ack named, in send
 * order, and nothing of the run that was never acked. Problems are counted as `<kind>_in_<where>`.
 */
function checkCopy(c, events, fleet, runId, where, problem, counts) {
  const seen = new Map();
  let lastIndex = -1;
  for (const e of events) {
    if (e.type !== "message" || !e.client_msg_id?.startsWith(`${runId}-`)) continue;
    counts[`in_${where}`] += 1;
    if (seen.has(e.client_msg_id)) {
      problem(`duplicated_in_${where}`, `${c.id}: ${e.client_msg_id} stored twice in the ${where} (seq ${seen.get(e.client_msg_id)} and ${e.seq})`);
      continue;
    }
    seen.set(e.client_msg_id, e.seq);
    const rec = fleet.messages.get(e.client_msg_id);
    if (!rec || rec.acks === 0) {
      problem(`unacked_in_${where}`, `${c.id}: ${e.client_msg_id} is in the ${where} but the client never got an ack`);
      continue;
    }
    if (rec.ackSeq !== e.seq) problem(`seq_mismatch_in_${where}`, `${c.id}: ${e.client_msg_id} acked as seq ${rec.ackSeq}, ${where} has seq ${e.seq}`);
    if (rec.index < lastIndex) problem(`out_of_order_in_${where}`, `${c.id}: ${e.client_msg_id} stored after a later message in the ${where}`);
    lastIndex = Math.max(lastIndex, rec.index);
  }
  for (const rec of c.acked) {
    if (!seen.has(rec.id)) problem(`missing_in_${where}`, `${c.id}: ${rec.id} was acked (seq ${rec.ackSeq}) but is not in the ${where}`);
  }
}

/** The demo admin's session: raw transcripts and chain verification are for admins. */
async function adminToken(target) {
  const session = await httpJson("POST", `${target.base}/api/auth/login`, { workspace: DEMO_SEED.slug, email: `admin@${DEMO_SEED.emailDomain}`, password: DEMO_SEED.password });
  return session.token;
}

/**
 * Server-side reconciliation for Switchboard, per conversation: the DO's log (read as its agent)
 * and the R2 archive (its raw transcript, read as an admin) must each hold every acked message of
 * the run exactly once, with its ack's seq, in send order (`checkCopy`); the archive's hash chain
 * must verify (no gap, duplicate or altered event); and the index and the object's confirmed
 * watermark must have reached the log's head.
 */
export async function reconcileSwitchboard(target, fleet, { runId, token, archiveStatus = null }) {
  const kinds = ["missing", "duplicated", "out_of_order", "seq_mismatch", "unacked"];
  const counts = { conversations: 0, acked: 0, in_log: 0, in_r2: 0, r2_verify_failed: 0, archive_behind: 0, archive_confirmed_behind: null };
  for (const where of ["log", "r2"]) for (const kind of kinds) counts[`${kind}_in_${where}`] = 0;
  const problems = [];
  const problem = (kind, line) => {
    counts[kind] += 1;
    if (problems.length < 40) problems.push(line);
  };
  const heads = new Map();
  const admin = await adminToken(target);
  await pool(fleet.conversations.length, 10, async (i) => {
    const c = fleet.conversations[i];
    const [{ events, head }, archived, verify] = await Promise.all([
      readLog(target, c.id, c.endpoint.agentToken ?? token),
      httpJson("GET", `${target.base}/api/archive/conversations/${c.id}?raw=true`, undefined, { token: admin }),
      httpJson("GET", `${target.base}/api/archive/conversations/${c.id}/verify`, undefined, { token: admin }),
    ]);
    heads.set(c.id, head);
    counts.conversations += 1;
    counts.acked += c.acked.length;
    checkCopy(c, events, fleet, runId, "log", problem, counts);
    checkCopy(c, archived.events, fleet, runId, "r2", problem, counts);
    if (!verify.ok) problem("r2_verify_failed", `${c.id}: archive verify: ${verify.problems.slice(0, 3).map((p) => p.message).join("; ")}`);
  });
  const index = await readIndex(target, token);
  for (const c of fleet.conversations) {
    const last = index.get(c.id) ?? 0;
    if (last < heads.get(c.id)) problem("archive_behind", `${c.id}: the index has last_seq ${last}, the log's head is ${heads.get(c.id)}`);
  }
  if (archiveStatus) {
    counts.archive_confirmed_behind = 0;
    const statuses = await archiveStatus(fleet.conversations.map((c) => c.id));
    for (const c of fleet.conversations) {
      const s = statuses[c.id];
      if (!s || s.confirmed_seq < heads.get(c.id)) problem("archive_confirmed_behind", `${c.id}: confirmed_seq ${s?.confirmed_seq} < head ${heads.get(c.id)}`);
    }
  }
  const bad = [...Object.keys(counts).filter((k) => kinds.some((kind) => k.startsWith(`${kind}_in_`))), "r2_verify_failed", "archive_behind", "archive_confirmed_behind"];
  return { ok: bad.every((k) => !counts[k]), counts, problems };
}
