import { and, desc, eq, lt, or } from "drizzle-orm";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

export interface AuditEntry {
  workspaceId: string;
  userId: string;
  action: "search" | "view" | "export" | "verify";
  conversationId?: string | undefined;
  /** The query string as given (Hono hands it over as a null-prototype object: copied here). */
  query: Record<string, string>;
  raw: boolean;
}

/** Records who searched, viewed or exported what: written before the answer is sent. */
export async function recordAudit(db: Database, entry: AuditEntry, at = Date.now()): Promise<void> {
  await db.insert(schema.auditLog).values({
    id: newId("audit", at),
    workspaceId: entry.workspaceId,
    userId: entry.userId,
    action: entry.action,
    conversationId: entry.conversationId ?? null,
    query: { ...entry.query },
    raw: entry.raw,
    at,
  });
}

/** The workspace's audit log, newest first. */
export async function listAudit(db: Database, workspaceId: string, limit: number, cursor?: string) {
  const t = schema.auditLog;
  let after: { at: number; id: string } | undefined;
  if (cursor) {
    try {
      after = JSON.parse(atob(cursor)) as { at: number; id: string };
    } catch {
      throw new SwitchboardError("invalid_request", "the cursor is not one this API returned");
    }
  }
  const rows = await db
    .select()
    .from(t)
    .where(and(eq(t.workspaceId, workspaceId), after ? or(lt(t.at, after.at), and(eq(t.at, after.at), lt(t.id, after.id))) : undefined))
    .orderBy(desc(t.at), desc(t.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ id: r.id, user_id: r.userId, action: r.action, conversation_id: r.conversationId, query: r.query, raw: r.raw, at: r.at })),
    next_cursor: rows.length > limit && last ? btoa(JSON.stringify({ at: last.at, id: last.id })) : null,
  };
}
