import { Hono } from "hono";
import { z } from "zod";
import { ArchiveSearchQuery, AuditLogQuery, ExportQuery, SwitchboardError, TranscriptQuery } from "../../../src/model/index.ts";
import { listAudit, recordAudit } from "../../archive/audit.ts";
import { listDeadLetters, replayDeadLetters } from "../../archive/dead-letters.ts";
import { exportStream } from "../../archive/export.ts";
import { verifyTicketArchive } from "../../archive/tickets.ts";
import { conversationRow, transcript } from "../../archive/transcript.ts";
import { verifyConversation, verifyWorkspacePage } from "../../archive/verify.ts";
import { database } from "../../db.ts";
import { findConversations, summaryOf } from "../../directory/conversation-index.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readQuery } from "../errors.ts";

const PageQuery = z.object({
  limit: z.coerce.number().pipe(z.int().min(1).max(100)).default(20),
  cursor: z.string().max(300).optional(),
});

/** Who may search, view and export the archive; raw (unmasked) copies are for admins only. */
const REVIEWERS = requireUser("admin", "supervisor");

function assertRawAllowed(role: string, raw: boolean) {
  if (raw && role !== "admin") throw new SwitchboardError("forbidden", "only admins may read the unmasked archive");
}

/** The archive for staff: audit search, transcripts, export, the audit log, integrity, dead letters. */
export const archiveRoutes = new Hono<AppEnv>()
  .use("*", authenticate)
  .get("/conversations", REVIEWERS, async (c) => {
    const q = readQuery(c, ArchiveSearchQuery);
    const user = c.get("user")!;
    const db = database(c.env.DB);
    await recordAudit(db, { workspaceId: user.workspace_id, userId: user.id, action: "search", query: c.req.query(), raw: false });
    const { rows, next_cursor } = await findConversations(db, user.workspace_id, q, "created");
    return c.json({ items: rows.map(summaryOf), next_cursor });
  })
  .get("/conversations/:id", REVIEWERS, async (c) => {
    const { raw } = readQuery(c, TranscriptQuery);
    const user = c.get("user")!;
    assertRawAllowed(user.role, raw);
    const db = database(c.env.DB);
    const row = await conversationRow(db, user.workspace_id, c.req.param("id"));
    await recordAudit(db, { workspaceId: user.workspace_id, userId: user.id, action: "view", conversationId: row.id, query: c.req.query(), raw });
    return c.json(await transcript(db, c.env.ARCHIVE, row, raw));
  })
  .get("/export", REVIEWERS, async (c) => {
    const q = readQuery(c, ExportQuery);
    const user = c.get("user")!;
    assertRawAllowed(user.role, q.raw);
    const db = database(c.env.DB);
    const { rows, next_cursor } = await findConversations(db, user.workspace_id, q, "created");
    await recordAudit(db, { workspaceId: user.workspace_id, userId: user.id, action: "export", query: c.req.query(), raw: q.raw });
    const headers = new Headers({
      "content-type": q.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="switchboard-archive.${q.format}"`,
      "x-conversation-count": String(rows.length),
    });
    if (next_cursor) headers.set("x-next-cursor", next_cursor);
    return new Response(exportStream(db, c.env.ARCHIVE, rows, q.format, q.raw), { headers });
  })
  .get("/audit-log", requireUser("admin"), async (c) => {
    const q = readQuery(c, AuditLogQuery);
    return c.json(await listAudit(database(c.env.DB), c.get("caller").workspace_id, q.limit, q.cursor));
  })
  .get("/verify", requireUser("admin"), async (c) => {
    const q = readQuery(c, PageQuery);
    return c.json(await verifyWorkspacePage(database(c.env.DB), c.env.ARCHIVE, c.get("caller").workspace_id, q.limit, q.cursor));
  })
  .get("/tickets/verify", requireUser("admin"), async (c) => c.json(await verifyTicketArchive(database(c.env.DB), c.env.ARCHIVE, c.get("caller").workspace_id)))
  .get("/conversations/:id/verify", requireUser("admin"), async (c) =>
    c.json(await verifyConversation(database(c.env.DB), c.env.ARCHIVE, c.get("caller").workspace_id, c.req.param("id"))),
  )
  .get("/dead-letters", requireUser("admin"), async (c) => {
    const q = readQuery(c, PageQuery.pick({ limit: true }));
    return c.json({ items: await listDeadLetters(database(c.env.DB), c.get("caller").workspace_id, q.limit) });
  })
  .post("/dead-letters/replay", requireUser("admin"), async (c) => c.json(await replayDeadLetters(c.env, c.get("caller").workspace_id)));
