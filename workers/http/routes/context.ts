import { Hono } from "hono";
import { ContactId, CreateLookupBody, LookupPatch, SwitchboardError } from "../../../src/model/index.ts";
import { contactContext, createLookup, deleteLookup, listLookups, updateLookup } from "../../context/lookups.ts";
import { database } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson } from "../errors.ts";

/** The workstation's context panel for a contact: every active lookup's answer or "unavailable". */
export const contactContextRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser())
  .get("/:id/context", async (c) => {
    const id = c.req.param("id");
    if (!ContactId.safeParse(id).success) throw new SwitchboardError("not_found", "no such contact");
    return c.json({ contact_id: id, lookups: await contactContext(c.env, c.get("caller").workspace_id, id) });
  });

/** Admins configure the lookups (docs/context-lookups.md); the auth header's value is write-only. */
export const contextLookupRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser("admin"))
  .get("/", async (c) => c.json({ items: await listLookups(database(c.env.DB), c.get("caller").workspace_id) }))
  .post("/", async (c) => c.json(await createLookup(database(c.env.DB), c.get("caller").workspace_id, await readJson(c, CreateLookupBody)), 201))
  .patch("/:id", async (c) => {
    const body = await readJson(c, LookupPatch);
    return c.json(await updateLookup(database(c.env.DB), c.get("caller").workspace_id, c.req.param("id"), body));
  })
  .delete("/:id", async (c) => {
    await deleteLookup(database(c.env.DB), c.get("caller").workspace_id, c.req.param("id"));
    return c.body(null, 204);
  });
