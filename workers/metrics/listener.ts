import { conversationFacts, emptyMetrics, type Fact, foldEvents } from "../../src/metrics/index.ts";
import type { ConversationEvent } from "../../src/model/index.ts";
import type { ArchivedBatch } from "../archive/consumer.ts";
import { database } from "../db.ts";
import type { Env } from "../env.ts";
import { archivedEvents, hoursOf, refreshRollups, replaceFacts, saveFold, storedFolds, timezones } from "./store.ts";

/**
 * The metrics listener on the archive: folds each conversation's newly archived events into its
 * stored fold, replaces its facts, and recomputes the rollups of every local hour whose facts
 * changed — one D1 batch per delivery, a few statements per conversation whatever the number of
 * events. Correct under at-least-once, overlapping and out-of-order delivery (docs/metrics.md):
 * events at or below the stored seq are skipped, a gap is filled from R2, the fold is saved only
 * if nobody moved it meanwhile (else the delivery is retried), and rollups are recomputed from
 * facts rather than incremented.
 */
export async function applyMetrics(env: Env, archived: ArchivedBatch[], now = Date.now()): Promise<void> {
  if (archived.length === 0) return;
  const db = database(env.DB);
  const zones = await timezones(db, archived.map((a) => a.batch.workspace_id));
  const folds = await storedFolds(db, archived.map((a) => a.batch.conversation_id));
  const statements: D1PreparedStatement[] = [];
  const guarded: Array<{ id: string; seq: number }> = [];
  const hours = new Map<string, Set<string>>();
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
    statements.push(saveFold(env.DB, batch.workspace_id, batch.conversation_id, next, timezone, now, stored?.seq ?? -1));
    statements.push(...replaceFacts(env.DB, batch.workspace_id, batch.conversation_id, after, next.seq));
    guarded.push({ id: batch.conversation_id, seq: next.seq });
    let touched = hours.get(batch.workspace_id);
    if (!touched) hours.set(batch.workspace_id, (touched = new Set()));
    for (const h of hoursOf([...before, ...after])) touched.add(h);
  }
  if (guarded.length === 0) return;
  for (const [workspaceId, touched] of hours) statements.push(...refreshRollups(env.DB, workspaceId, touched));
  const results = await env.DB.batch<{ conversation_id?: string }>(statements);
  const saved = new Set(results.flatMap((r) => r.results.map((x) => x.conversation_id)));
  const lost = guarded.filter((g) => !saved.has(g.id));
  if (lost.length > 0) throw new Error(`metrics fold moved on concurrently for ${lost.map((l) => l.id).join(", ")}; retrying`);
}
