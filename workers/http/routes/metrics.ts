import { Hono } from "hono";
import { z } from "zod";
import { MetricsQuery } from "../../../src/metrics/index.ts";
import { database } from "../../db.ts";
import { metricsReport } from "../../metrics/query.ts";
import { rebuildPage } from "../../metrics/rebuild.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson, readQuery } from "../errors.ts";

const RebuildBody = z.object({
  limit: z.int().min(1).max(100).default(50),
  cursor: z.string().max(300).optional(),
  /** Replace what differs with the figures recomputed from the archive. */
  apply: z.boolean().default(false),
});

/** Dashboard metrics (admins, and supervisors for their own groups) and the rebuild check (admins). */
export const metricsRoutes = new Hono<AppEnv>()
  .use("*", authenticate)
  .get("/", requireUser("admin", "supervisor"), async (c) => {
    const q = readQuery(c, MetricsQuery);
    return c.json(await metricsReport(database(c.env.DB), c.get("caller").workspace_id, c.get("user")!, q));
  })
  .post("/rebuild", requireUser("admin"), async (c) => {
    const body = await readJson(c, RebuildBody);
    return c.json(await rebuildPage(database(c.env.DB), c.env.DB, c.env.ARCHIVE, c.get("caller").workspace_id, body));
  });
