import { and, asc, eq, inArray } from "drizzle-orm";
import { ArchiveBatch, WorkspaceId } from "../../src/model/index.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";

/** How many dead letters one replay call re-queues: bounded, so a big backlog takes several calls. */
const REPLAY_PAGE = 100;

/** What the consumer itself parks: a body it could not parse, with why. */
interface Parked {
  reason: string;
  body: unknown;
}

function isParked(body: unknown): body is Parked {
  return typeof body === "object" && body !== null && typeof (body as Parked).reason === "string" && "body" in body;
}

/**
 * The dead-letter queue's consumer: parks every message in D1 where an admin can see and replay it.
 * Two kinds arrive: batches the archive consumer gave up on after its retries (valid, replayable
 * once the cause is fixed) and bodies it could not parse (kept for inspection, never replayed).
 */
export async function parkDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = database(env.DB);
  const rows = batch.messages.map((m) => {
    const { reason, body } = isParked(m.body) ? m.body : { reason: `retries exhausted after ${m.attempts} attempts`, body: m.body };
    const claims = (typeof body === "object" && body ? body : {}) as { workspace_id?: unknown; conversation_id?: unknown };
    const workspaceId = WorkspaceId.safeParse(claims.workspace_id);
    return {
      id: m.id,
      workspaceId: workspaceId.success ? workspaceId.data : null,
      conversationId: typeof claims.conversation_id === "string" ? claims.conversation_id.slice(0, 64) : null,
      reason,
      body,
      receivedAt: m.timestamp.getTime(),
    };
  });
  try {
    const [first, ...rest] = rows.map((r) => db.insert(schema.archiveDeadLetters).values(r).onConflictDoNothing());
    if (first) await db.batch([first, ...rest]);
    batch.ackAll();
  } catch (err) {
    console.error("parking dead letters failed; retrying", err);
    batch.retryAll({ delaySeconds: 30 });
  }
}

export async function listDeadLetters(db: Database, workspaceId: string, limit: number) {
  const t = schema.archiveDeadLetters;
  const rows = await db.select().from(t).where(eq(t.workspaceId, workspaceId)).orderBy(asc(t.receivedAt), asc(t.id)).limit(limit);
  return rows.map((r) => ({
    id: r.id,
    conversation_id: r.conversationId,
    reason: r.reason,
    replayable: ArchiveBatch.safeParse(r.body).success,
    received_at: r.receivedAt,
  }));
}

/**
 * Re-queues the workspace's replayable dead letters to the archive queue and removes them. Safe to
 * run any number of times: the consumer writes each event once whatever it receives again.
 */
export async function replayDeadLetters(env: Env, workspaceId: string) {
  const db = database(env.DB);
  const t = schema.archiveDeadLetters;
  const rows = await db.select().from(t).where(eq(t.workspaceId, workspaceId)).orderBy(asc(t.receivedAt), asc(t.id)).limit(REPLAY_PAGE);
  const replayable = rows.filter((r) => ArchiveBatch.safeParse(r.body).success);
  if (replayable.length > 0) {
    await env.EVENTS.sendBatch(replayable.map((r) => ({ body: r.body as ArchiveBatch })));
    await db.delete(t).where(and(eq(t.workspaceId, workspaceId), inArray(t.id, replayable.map((r) => r.id))));
  }
  const left = await db.$count(t, eq(t.workspaceId, workspaceId));
  return { replayed: replayable.length, left };
}
