import { Hono } from "hono";
import { z } from "zod";
import { listDeadLetters, replayDeadLetters } from "../../archive/dead-letters.ts";
import { verifyConversation, verifyWorkspacePage } from "../../archive/verify.ts";
import { database } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readQuery } from "../errors.ts";

const PageQuery = z.object({
  limit: z.coerce.number().pipe(z.int().min(1).max(100)).default(20),
  cursor: z.string().max(300).optional(),
});

/** The archive for staff: integrity checks and dead letters (admins). */
export const archiveRoutes = new Hono<AppEnv>()
  .use("*", authenticate)
  .get("/verify", requireUser("admin"), async (c) => {
    const q = readQuery(c, PageQuery);
    return c.json(await verifyWorkspacePage(database(c.env.DB), c.env.ARCHIVE, c.get("caller").workspace_id, q.limit, q.cursor));
  })
  .get("/conversations/:id/verify", requireUser("admin"), async (c) =>
    c.json(await verifyConversation(database(c.env.DB), c.env.ARCHIVE, c.get("caller").workspace_id, c.req.param("id"))),
  )
  .get("/dead-letters", requireUser("admin"), async (c) => {
    const q = readQuery(c, PageQuery.pick({ limit: true }));
    return c.json({ items: await listDeadLetters(database(c.env.DB), c.get("caller").workspace_id, q.limit) });
  })
  .post("/dead-letters/replay", requireUser("admin"), async (c) => c.json(await replayDeadLetters(c.env, c.get("caller").workspace_id)));
