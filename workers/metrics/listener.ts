import { conversationFacts, emptyMetrics, type Fact, factDeltas, foldEvents } from "../../src/metrics/index.ts";
import type { ConversationEvent } from "../../src/model/index.ts";
import type { ArchivedBatch } from "../archive/consumer.ts";
import { database } from "../db.ts";
import type { Env } from "../env.ts";
import { archivedEvents, incrementRollups, replaceFacts, saveFold, storedFolds, timezones } from "./store.ts";

/**
 * The metrics listener on the archive: folds each conversation's newly archived events into its
 * stored fold, replaces its facts, and adds the difference to the rollups — one D1 batch per
 * delivery, a few statements per conversation whatever the number of events or the size of the
 * hour. Correct under at-least-once, overlapping and out-of-order delivery (docs/metrics.md):
 * events at or below the stored seq are skipped, a gap is filled from R2, the fold is saved only
 * if nobody moved it meanwhile (else the delivery is retried), and the rollup increments apply
 * only for the delivery whose fold was saved (its claim).
 */
export async function applyMetrics(env: Env, archived: ArchivedBatch[], now = Date.now()): Promise<void> {
  if (archived.length === 0) return;
  const db = database(env.DB);
  const zones = await timezones(db, archived.map((a) => a.batch.workspace_id));
  const folds = await storedFolds(db, archived.map((a) => a.batch.conversation_id));
  const statements: D1PreparedStatement[] = [];
  const guarded: Array<{ id: string; seq: number }> = [];
  for (const { batch, tip } of archived) {
    const stored = folds.get(batch.conversation_id);
    const from = stored?.seq ?? 0;
    if (tip.seq <= from) continue;
    let base = stored?.state ?? emptyMetrics();
    let events: ConversationEvent[] = batch.events.filter((e) => e.seq > from && e.seq <= tip.seq).map((e) => e.event);
    if (events[0]?.seq !== from + 1) {
      // This listener missed a delivery the index took (it failed after the index ran): refold from R2.
      base = emptyMetrics();
      events = (await archivedEvents(env.ARCHIVE, batch.workspace_id, batch.conversation_id, batch.created_at)).filter((e) => e.seq <= tip.seq);
    }
    const timezone = zones.get(batch.workspace_id) ?? "UTC";
    const next = foldEvents(base, events);
    const before: Fact[] = stored ? conversationFacts(stored.state, stored.timezone) : [];
    const after = conversationFacts(next, timezone);
    const claim = crypto.randomUUID();
    statements.push(saveFold(env.DB, batch.workspace_id, batch.conversation_id, next, timezone, now, claim, stored?.seq ?? -1));
    statements.push(...replaceFacts(env.DB, batch.workspace_id, batch.conversation_id, after, next.seq));
    statements.push(...incrementRollups(env.DB, batch.workspace_id, batch.conversation_id, claim, factDeltas(before, after)));
    guarded.push({ id: batch.conversation_id, seq: next.seq });
  }
  if (guarded.length === 0) return;
  const results = await env.DB.batch<{ conversation_id?: string }>(statements);
  const saved = new Set(results.flatMap((r) => r.results.map((x) => x.conversation_id)));
  const lost = guarded.filter((g) => !saved.has(g.id));
  if (lost.length > 0) throw new Error(`metrics fold moved on concurrently for ${lost.map((l) => l.id).join(", ")}; retrying`);
}
