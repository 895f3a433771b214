import { Hono } from "hono";
import { database } from "../../db.ts";
import { queueList } from "../../skill-group/queue-list.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";

/** The skill groups' waiting queues, for the workstation's Queued inbox: any member of staff. */
export const queueRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser())
  .get("/", async (c) => c.json(await queueList(c.env, database(c.env.DB), c.get("caller").workspace_id)));
