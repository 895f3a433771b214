import { Hono } from "hono";
import { RateBody } from "../../../src/model/index.ts";
import { unwrap } from "../../conversation/rpc.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate } from "../authenticate.ts";
import { stubFromPath } from "../conversation-stub.ts";
import { readJson } from "../errors.ts";

/** The visitor's satisfaction rating of an ended conversation (protocol §2). */
export const ratingRoutes = new Hono<AppEnv>().use("*", authenticate).post("/:id/rating", async (c) => {
  const body = await readJson(c, RateBody);
  return c.json(unwrap(await stubFromPath(c).rate(c.get("caller"), body)), 201);
});
