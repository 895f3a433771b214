import { inArray } from "drizzle-orm";
import { conversationPrefix } from "../../src/archive/index.ts";
import { type ConversationMetrics, type Fact, MEASURES } from "../../src/metrics/index.ts";
import type { ConversationEvent } from "../../src/model/index.ts";
import { readSegments } from "../archive/verify.ts";
import type { ChainedEvent } from "../archive/batches.ts";
import { type Database, schema } from "../db.ts";

type FactRow = typeof schema.metricFacts.$inferSelect;

/** A fact or rollup row as the metrics code names its fields. */
export function toFact(r: Omit<FactRow, "workspaceId" | "conversationId">): Fact {
  return {
    day: r.day,
    hour: r.hour,
    channel: r.channel,
    group_id: r.groupId,
    agent_id: r.agentId,
    started: r.started,
    assignments: r.assignments,
    queue_waits: r.queueWaits,
    queue_wait_ms: r.queueWaitMs,
    first_responses: r.firstResponses,
    first_response_ms: r.firstResponseMs,
    visitor_first_responses: r.visitorFirstResponses,
    visitor_first_response_ms: r.visitorFirstResponseMs,
    handled: r.handled,
    handle_ms: r.handleMs,
    serving_ms: r.servingMs,
    ended: r.ended,
    resolved: r.resolved,
    unanswered: r.unanswered,
    abandoned: r.abandoned,
    transferred: r.transferred,
    rated: r.rated,
    rating_sum: r.ratingSum,
  };
}

const KEY = ["day", "hour", "channel", "group_id", "agent_id"] as const;
const COLUMNS = [...KEY, ...MEASURES];

/** Local hours as `day|hour`, the form the rollup statements match on. */
export function hoursOf(facts: Iterable<Fact>): Set<string> {
  const out = new Set<string>();
  for (const f of facts) out.add(`${f.day}|${f.hour}`);
  return out;
}

/** Each workspace's time zone, for the workspaces given. */
export async function timezones(db: Database, workspaceIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(workspaceIds)];
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 90) {
    const t = schema.workspaces;
    for (const r of await db.select({ id: t.id, timezone: t.timezone }).from(t).where(inArray(t.id, ids.slice(i, i + 90)))) out.set(r.id, r.timezone);
  }
  return out;
}

/** The stored folds of these conversations. */
export async function storedFolds(db: Database, conversationIds: string[]) {
  const t = schema.metricConversations;
  const out = new Map<string, { seq: number; state: ConversationMetrics; timezone: string }>();
  for (let i = 0; i < conversationIds.length; i += 90) {
    for (const r of await db.select().from(t).where(inArray(t.conversationId, conversationIds.slice(i, i + 90)))) {
      out.set(r.conversationId, { seq: r.seq, state: r.state as ConversationMetrics, timezone: r.timezone });
    }
  }
  return out;
}

/** Every event R2 holds for a conversation, in seq order. */
export async function archivedEvents(bucket: R2Bucket, workspaceId: string, conversationId: string, createdAt: number): Promise<ConversationEvent[]> {
  const segments = await readSegments(bucket, conversationPrefix(workspaceId, conversationId, createdAt));
  const bySeq = new Map<number, ConversationEvent>();
  for (const { text } of segments) {
    for (const line of text.split("\n")) {
      if (!line) continue;
      const chained = JSON.parse(line) as ChainedEvent;
      bySeq.set(chained.seq, chained.event);
    }
  }
  return [...bySeq.keys()].sort((a, b) => a - b).map((seq) => bySeq.get(seq)!);
}

/**
 * Replaces a conversation's facts, in one statement pair whatever their number (the rows travel
 * as JSON). `guardSeq`, when given, makes both statements apply only while the conversation's
 * stored fold is at that seq: a batch that lost a race writes nothing.
 */
export function replaceFacts(d1: D1Database, workspaceId: string, conversationId: string, facts: Fact[], guardSeq?: number): D1PreparedStatement[] {
  const guard = guardSeq === undefined ? "" : "AND EXISTS (SELECT 1 FROM metric_conversations WHERE conversation_id = ?2 AND seq = ?3)";
  const params = guardSeq === undefined ? [workspaceId, conversationId] : [workspaceId, conversationId, guardSeq];
  const rows = facts.map((f) => COLUMNS.map((c) => f[c]));
  const out = [d1.prepare(`DELETE FROM metric_facts WHERE workspace_id = ?1 AND conversation_id = ?2 ${guard}`).bind(...params)];
  if (rows.length > 0) {
    out.push(
      d1
        .prepare(
          `INSERT INTO metric_facts (workspace_id, conversation_id, ${COLUMNS.join(", ")})
           SELECT ?1, ?2, ${COLUMNS.map((_, i) => `value ->> '$[${i}]'`).join(", ")}
           FROM json_each(?${params.length + 1}) WHERE 1 ${guard}`,
        )
        .bind(...params, JSON.stringify(rows)),
    );
  }
  return out;
}

/**
 * Recomputes a workspace's rollups for the given local hours from the facts, as the facts stand
 * when the statements run. Run in the same D1 batch as the facts they follow: batches are
 * serialised, so whichever runs last sums every conversation's current facts.
 */
export function refreshRollups(d1: D1Database, workspaceId: string, hours: Set<string>): D1PreparedStatement[] {
  if (hours.size === 0) return [];
  const keys = JSON.stringify([...hours]);
  const days = JSON.stringify([...new Set([...hours].map((h) => h.split("|")[0]))]);
  const where = `workspace_id = ?1 AND day IN (SELECT value FROM json_each(?2)) AND (day || '|' || hour) IN (SELECT value FROM json_each(?3))`;
  return [
    d1.prepare(`DELETE FROM metric_rollups WHERE ${where}`).bind(workspaceId, days, keys),
    d1
      .prepare(
        `INSERT INTO metric_rollups (workspace_id, ${COLUMNS.join(", ")})
         SELECT workspace_id, ${KEY.join(", ")}, ${MEASURES.map((m) => `SUM(${m})`).join(", ")}
         FROM metric_facts WHERE ${where} GROUP BY workspace_id, ${KEY.join(", ")}`,
      )
      .bind(workspaceId, days, keys),
  ];
}

/**
 * Stores a conversation's fold, marked with `claim`; with `expectSeq`, only if the stored one is
 * still at that seq (-1: none yet). Statements guarded by the claim then apply only for the
 * delivery whose fold was saved, however many deliveries of the same events race.
 */
export function saveFold(d1: D1Database, workspaceId: string, conversationId: string, state: ConversationMetrics, timezone: string, now: number, claim: string | null, expectSeq?: number) {
  const guard = expectSeq === undefined ? "" : "WHERE metric_conversations.seq = ?8";
  return d1
    .prepare(
      `INSERT INTO metric_conversations (conversation_id, workspace_id, seq, state, timezone, updated_at, claim) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (conversation_id) DO UPDATE SET seq = excluded.seq, state = excluded.state, timezone = excluded.timezone, updated_at = excluded.updated_at, claim = excluded.claim ${guard}
       RETURNING conversation_id, seq`,
    )
    .bind(conversationId, workspaceId, state.seq, JSON.stringify(state), timezone, now, claim, ...(expectSeq === undefined ? [] : [expectSeq]));
}

/**
 * Adds a conversation's fact changes to the rollups, if `claim` still marks its stored fold: the
 * cost of a delivery is its own changes, not the size of the hours they fall in.
 */
export function incrementRollups(d1: D1Database, workspaceId: string, conversationId: string, claim: string, deltas: Fact[]): D1PreparedStatement[] {
  if (deltas.length === 0) return [];
  const rows = deltas.map((f) => COLUMNS.map((c) => f[c]));
  return [
    d1
      .prepare(
        `INSERT INTO metric_rollups (workspace_id, ${COLUMNS.join(", ")})
         SELECT ?1, ${COLUMNS.map((_, i) => `value ->> '$[${i}]'`).join(", ")}
         FROM json_each(?3) WHERE EXISTS (SELECT 1 FROM metric_conversations WHERE conversation_id = ?2 AND claim = ?4)
         ON CONFLICT (workspace_id, ${KEY.join(", ")}) DO UPDATE SET ${MEASURES.map((m) => `${m} = ${m} + excluded.${m}`).join(", ")}`,
      )
      .bind(workspaceId, conversationId, JSON.stringify(rows), claim),
  ];
}
