import { and, asc, between, eq, inArray } from "drizzle-orm";
import { maskDeep } from "../../src/archive/index.ts";
import { type EndedConversation, type ReviewBody, type ReviewReason, sampleForReview, scoreReview } from "../../src/qa/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import type { SessionUser } from "../auth/sessions.ts";
import { type Database, schema } from "../db.ts";
import { archivedEvents } from "../metrics/store.ts";
import { getScorecard, samplingRule } from "./store.ts";

/**
 * Selects one local day's conversations for review (src/qa/sampling.ts) from the metric facts of
 * the conversations that ended that day, and queues them. Idempotent: a conversation is queued
 * once, so running it again (after late ratings, say) only adds what is newly selected.
 */
export async function sampleDay(db: Database, d1: D1Database, workspaceId: string, day: string, now = Date.now()) {
  const f = schema.metricFacts;
  const endedRows = await db
    .select({ conversationId: f.conversationId, agentId: f.agentId, groupId: f.groupId, transferred: f.transferred })
    .from(f)
    .where(and(eq(f.workspaceId, workspaceId), eq(f.day, day), eq(f.ended, 1)));
  const ratings = new Map<string, number>();
  for (let i = 0; i < endedRows.length; i += 90) {
    const ids = endedRows.slice(i, i + 90).map((r) => r.conversationId);
    const rows = await db
      .select({ conversationId: f.conversationId, score: f.ratingSum })
      .from(f)
      .where(and(eq(f.workspaceId, workspaceId), inArray(f.conversationId, ids), eq(f.rated, 1)));
    for (const r of rows) ratings.set(r.conversationId, r.score);
  }
  const ended: EndedConversation[] = endedRows.map((r) => ({
    conversation_id: r.conversationId,
    agent_id: r.agentId,
    group_id: r.groupId,
    transferred: r.transferred > 0,
    rating: ratings.get(r.conversationId) ?? null,
  }));
  const selected = sampleForReview(ended, await samplingRule(db, workspaceId));
  if (selected.length > 0) {
    const rows = selected.map((s) => [s.conversation_id, s.agent_id, s.group_id, JSON.stringify(s.reasons)]);
    await d1
      .prepare(
        `INSERT OR IGNORE INTO qa_reviews (conversation_id, workspace_id, agent_id, group_id, day, reasons, status, created_at)
         SELECT value ->> '$[0]', ?1, value ->> '$[1]', value ->> '$[2]', ?2, value ->> '$[3]', 'pending', ?3 FROM json_each(?4)`,
      )
      .bind(workspaceId, day, now, JSON.stringify(rows))
      .run();
  }
  return { day, ended: ended.length, selected: selected.map((s) => ({ conversation_id: s.conversation_id, agent_id: s.agent_id, reasons: s.reasons })) };
}

/** The skill groups a supervisor reviews: those they are a member of. Admins: all (undefined). */
export async function reviewableGroups(db: Database, workspaceId: string, user: SessionUser): Promise<string[] | undefined> {
  if (user.role === "admin") return undefined;
  const m = schema.groupMembers;
  return (await db.select({ g: m.groupId }).from(m).where(and(eq(m.workspaceId, workspaceId), eq(m.userId, user.id)))).map((r) => r.g);
}

type ReviewRow = typeof schema.qaReviews.$inferSelect;

function reviewView(r: ReviewRow) {
  return {
    conversation_id: r.conversationId,
    agent_id: r.agentId,
    group_id: r.groupId,
    day: r.day,
    reasons: r.reasons as ReviewReason[],
    status: r.status,
    scorecard_id: r.scorecardId,
    scores: r.scores as Record<string, number> | null,
    total: r.total,
    passed: r.passed,
    comment: r.comment,
    reviewer_id: r.reviewerId,
    created_at: r.createdAt,
    reviewed_at: r.reviewedAt,
  };
}

export async function listReviews(db: Database, workspaceId: string, user: SessionUser, query: { status?: "pending" | "done" | undefined; agent_id?: string | undefined; limit: number }) {
  const groups = await reviewableGroups(db, workspaceId, user);
  if (groups?.length === 0) return [];
  const t = schema.qaReviews;
  const rows = await db
    .select()
    .from(t)
    .where(
      and(
        eq(t.workspaceId, workspaceId),
        query.status ? eq(t.status, query.status) : undefined,
        query.agent_id ? eq(t.agentId, query.agent_id) : undefined,
        groups ? inArray(t.groupId, groups) : undefined,
      ),
    )
    .orderBy(asc(t.day), asc(t.conversationId))
    .limit(query.limit);
  return rows.map(reviewView);
}

/** One review the caller may see: in their workspace and, for a supervisor, in one of their groups. */
async function reviewFor(db: Database, workspaceId: string, user: SessionUser, conversationId: string): Promise<ReviewRow> {
  const t = schema.qaReviews;
  const row = (await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.conversationId, conversationId))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", "this conversation is not in the review queue");
  const groups = await reviewableGroups(db, workspaceId, user);
  if (groups && !groups.includes(row.groupId)) throw new SwitchboardError("forbidden", "supervisors review only their own skill groups");
  return row;
}

/**
 * What a reviewer reads: the conversation's archived events with PII masked (src/archive/mask.ts),
 * never raw. The viewing is recorded in the audit log.
 */
export async function reviewTranscript(db: Database, bucket: R2Bucket, workspaceId: string, user: SessionUser, conversationId: string, now = Date.now()) {
  const review = await reviewFor(db, workspaceId, user, conversationId);
  const c = schema.conversations;
  const conv = (await db.select({ createdAt: c.createdAt, channel: c.channel }).from(c).where(and(eq(c.workspaceId, workspaceId), eq(c.id, conversationId))).limit(1))[0];
  if (!conv) throw new SwitchboardError("not_found", "no such conversation");
  const events = await archivedEvents(bucket, workspaceId, conversationId, conv.createdAt);
  await db.insert(schema.auditLog).values({
    id: crypto.randomUUID(),
    workspaceId,
    userId: user.id,
    action: "view",
    conversationId,
    query: { purpose: "quality_review" },
    raw: false,
    at: now,
  });
  return { review: reviewView(review), channel: conv.channel, masked: true, events: maskDeep(events) };
}

/** Scores a review on a scorecard; a reviewer may revise it (the latest verdict stands). */
export async function submitReview(db: Database, workspaceId: string, user: SessionUser, conversationId: string, body: ReviewBody, now = Date.now()) {
  await reviewFor(db, workspaceId, user, conversationId);
  const card = await getScorecard(db, workspaceId, body.scorecard_id);
  const { total, passed } = scoreReview(card, body.scores);
  const t = schema.qaReviews;
  const [row] = await db
    .update(t)
    .set({ status: "done", scorecardId: card.id, scores: body.scores, total, passed, comment: body.comment ?? null, reviewerId: user.id, reviewedAt: now })
    .where(and(eq(t.workspaceId, workspaceId), eq(t.conversationId, conversationId)))
    .returning();
  return reviewView(row!);
}

/** Per-agent results over local days: reviews done, passed, pass rate and average total. */
export async function agentResults(db: Database, workspaceId: string, user: SessionUser, range: { from: string; to: string }) {
  const t = schema.qaReviews;
  const groups = user.role === "agent" ? undefined : await reviewableGroups(db, workspaceId, user);
  if (groups?.length === 0) return [];
  const rows = await db
    .select({ agentId: t.agentId, total: t.total, passed: t.passed })
    .from(t)
    .where(
      and(
        eq(t.workspaceId, workspaceId),
        eq(t.status, "done"),
        between(t.day, range.from, range.to),
        // Agents see their own results only.
        user.role === "agent" ? eq(t.agentId, user.id) : undefined,
        groups ? inArray(t.groupId, groups) : undefined,
      ),
    );
  const byAgent = new Map<string, { reviewed: number; passed: number; sum: number }>();
  for (const r of rows) {
    const a = byAgent.get(r.agentId) ?? { reviewed: 0, passed: 0, sum: 0 };
    a.reviewed++;
    if (r.passed) a.passed++;
    a.sum += r.total ?? 0;
    byAgent.set(r.agentId, a);
  }
  return [...byAgent]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([agent_id, a]) => ({ agent_id, reviewed: a.reviewed, passed: a.passed, pass_rate: a.passed / a.reviewed, avg_total: Math.round((a.sum / a.reviewed) * 100) / 100 }));
}
