import { and, asc, eq, inArray } from "drizzle-orm";
import { QUEUE_LIST_LIMIT, type QueueList } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";
import { summaryOf } from "../directory/conversation-index.ts";
import type { Env } from "../env.ts";
import { groupStub } from "../stubs.ts";

/** D1 allows 100 bound parameters per statement: the workspace and at most 90 IDs. */
const IDS_PER_QUERY = 90;

/**
 * Every skill group's waiting conversations in serving order, with their inbox rows: the head of
 * each group object's queue (in parallel), then the index rows of those conversations from D1.
 */
export async function queueList(env: Env, db: Database, workspaceId: string): Promise<QueueList> {
  const groups = await db.select({ id: schema.skillGroups.id }).from(schema.skillGroups).where(eq(schema.skillGroups.workspaceId, workspaceId)).orderBy(asc(schema.skillGroups.createdAt));
  const heads = await Promise.all(groups.map((g) => groupStub(env, workspaceId, g.id).head(QUEUE_LIST_LIMIT)));
  const ids = heads.flatMap((h) => h.entries.map((e) => e.conversation_id));
  const t = schema.conversations;
  const rows = new Map<string, ReturnType<typeof summaryOf>>();
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const found = await db
      .select()
      .from(t)
      .where(and(eq(t.workspaceId, workspaceId), inArray(t.id, ids.slice(i, i + IDS_PER_QUERY))));
    for (const r of found) rows.set(r.id, summaryOf(r));
  }
  return {
    items: groups.map((g, i) => ({
      group_id: g.id,
      waiting: heads[i]!.waiting,
      entries: heads[i]!.entries.map(({ conversation_id, ...place }) => ({ ...place, conversation: rows.get(conversation_id) ?? null })),
    })),
  };
}
