// Zero loss, proven on Switchboard's side: after a run, every message the fleet got an ack for is
// read back from each conversation's log over the HTTP events API (as its agent) and from the
// archive's conversation index, and compared with what the clients saw.
import { pool } from "./fleet.mjs";
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
      index = await readIndex(this.target, this.token);
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
 * Server-side reconciliation for Switchboard: for every conversation, the DO's log (as its agent)
 * must hold each of the run's messages exactly once, with the seq its ack named, in send order;
 * nothing of the run that was never acked; and the archive index must have reached the log's head
 * (`archive` below: the index's last_seq and, where the bench hooks are on, the DO's confirmed
 * watermark). RECONCILE-R2: once the archive writes R2 segments, read them back here too and
 * compare message by message (same checks as the log).
 */
export async function reconcileSwitchboard(target, fleet, { runId, token, archiveStatus = null }) {
  const counts = { conversations: 0, acked: 0, in_log: 0, in_log_unacked: 0, missing_in_log: 0, duplicated_in_log: 0, out_of_order_in_log: 0, seq_mismatch: 0, archive_behind: 0, archive_confirmed_behind: null };
  const problems = [];
  const problem = (kind, line) => {
    counts[kind] += 1;
    if (problems.length < 40) problems.push(line);
  };
  const heads = new Map();
  await pool(fleet.conversations.length, 10, async (i) => {
    const c = fleet.conversations[i];
    const { events, head } = await readLog(target, c.id, c.endpoint.agentToken ?? token);
    heads.set(c.id, head);
    counts.conversations += 1;
    const seen = new Map();
    let lastIndex = -1;
    for (const e of events) {
      if (e.type !== "message" || !e.client_msg_id?.startsWith(`${runId}-`)) continue;
      counts.in_log += 1;
      if (seen.has(e.client_msg_id)) {
        problem("duplicated_in_log", `${c.id}: ${e.client_msg_id} stored twice (seq ${seen.get(e.client_msg_id)} and ${e.seq})`);
        continue;
      }
      seen.set(e.client_msg_id, e.seq);
      const rec = fleet.messages.get(e.client_msg_id);
      if (!rec || rec.acks === 0) {
        problem("in_log_unacked", `${c.id}: ${e.client_msg_id} is stored but the client never got an ack`);
        continue;
      }
      if (rec.ackSeq !== e.seq) problem("seq_mismatch", `${c.id}: ${e.client_msg_id} acked as seq ${rec.ackSeq}, stored as seq ${e.seq}`);
      if (rec.index < lastIndex) problem("out_of_order_in_log", `${c.id}: ${e.client_msg_id} stored after a later message`);
      lastIndex = Math.max(lastIndex, rec.index);
    }
    for (const rec of c.acked) {
      counts.acked += 1;
      if (!seen.has(rec.id)) problem("missing_in_log", `${c.id}: ${rec.id} was acked (seq ${rec.ackSeq}) but is not in the log`);
    }
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
  const bad = ["in_log_unacked", "missing_in_log", "duplicated_in_log", "out_of_order_in_log", "seq_mismatch", "archive_behind", "archive_confirmed_behind"];
  return { ok: bad.every((k) => !counts[k]), counts, problems };
}
