import { Hono } from "hono";
import { CreateApiKeyBody } from "../../../src/model/index.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../../auth/api-keys.ts";
import { database } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson } from "../errors.ts";

/** Admins manage the workspace's open-API keys; the secret is in the create response only. */
export const apiKeyRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser("admin"))
  .get("/", async (c) => c.json({ items: await listApiKeys(database(c.env.DB), c.get("caller").workspace_id) }))
  .post("/", async (c) => {
    const body = await readJson(c, CreateApiKeyBody);
    const caller = c.get("caller");
    return c.json(await createApiKey(database(c.env.DB), caller.workspace_id, caller.actor.id, body), 201);
  })
  .delete("/:id", async (c) => c.json(await revokeApiKey(database(c.env.DB), c.get("caller").workspace_id, c.req.param("id"))));
