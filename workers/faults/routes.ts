import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { SwitchboardError } from "../../src/model/index.ts";
import type { AppEnv } from "../http/app-env.ts";
import { authenticate, requireUser } from "../http/authenticate.ts";
import { readJson } from "../http/errors.ts";
import { database, schema } from "../db.ts";
import { conversationStub } from "../stubs.ts";
import { faultConfig } from "./config.ts";

/** Rows the archive-index hook answers at most: the bench's workspace holds a few thousand. */
const INDEX_ROWS = 20_000;

const ConversationIds = z.object({ conversation_ids: z.array(z.string().min(1).max(64)).min(1).max(100) });

/**
 * The load harness's hooks (see config.ts): 404 unless FAULTS is set in development. Staff only,
 * confined to the caller's workspace like every other route.
 */
export const faultRoutes = new Hono<AppEnv>()
  .use("*", async (c, next) => {
    if (!faultConfig(c.env)) throw new SwitchboardError("not_found", "no such route");
    await next();
  })
  .use("*", authenticate, requireUser())
  /** Resets each conversation's object (FAULTS evict); answers how many were reset. */
  .post("/evict", async (c) => {
    if (!faultConfig(c.env)!.evict) throw new SwitchboardError("invalid_request", "FAULTS does not enable evict");
    const { conversation_ids } = await readJson(c, ConversationIds);
    const workspace = c.get("caller").workspace_id;
    const results = await Promise.allSettled(conversation_ids.map((id) => conversationStub(c.env, workspace, id).injectFault()));
    // An aborted object's call fails by design: count the calls that reached it.
    return c.json({ evicted: results.length });
  })
  /**
   * Every conversation's archived seq in the index, in one D1 read: the bench's archive-lag probe,
   * cheap enough to poll twice a second without loading the server it measures.
   */
  .get("/archive-index", async (c) => {
    const t = schema.conversations;
    const rows = await database(c.env.DB)
      .select({ id: t.id, archivedSeq: t.archivedSeq })
      .from(t)
      .where(eq(t.workspaceId, c.get("caller").workspace_id))
      .limit(INDEX_ROWS);
    return c.json({ archived_seq: Object.fromEntries(rows.map((r) => [r.id, r.archivedSeq])) });
  })
  /** The archive watermarks (archiveStatus) of each conversation, for the bench's reconciliation. */
  .post("/archive-status", async (c) => {
    const { conversation_ids } = await readJson(c, ConversationIds);
    const workspace = c.get("caller").workspace_id;
    const statuses = await Promise.all(conversation_ids.map((id) => conversationStub(c.env, workspace, id).archiveStatus()));
    return c.json(Object.fromEntries(conversation_ids.map((id, i) => [id, statuses[i]])));
  });
