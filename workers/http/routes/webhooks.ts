import { Hono } from "hono";
import { CreateWebhookBody, DeliveryId, DeliveryListQuery, SwitchboardError, WebhookId, WebhookPatch } from "../../../src/model/index.ts";
import { database } from "../../db.ts";
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, replayDelivery, rotateWebhookSecret, updateWebhook } from "../../webhooks/subscriptions.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson, readQuery } from "../errors.ts";

function idOf(schema: typeof WebhookId | typeof DeliveryId, id: string | undefined, what: string): string {
  if (!id || !schema.safeParse(id).success) throw new SwitchboardError("not_found", `no such ${what}`);
  return id;
}

/** Admins manage outbound webhooks (docs/webhooks.md): subscriptions, the delivery log, replay. */
export const webhookRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser("admin"))
  .get("/", async (c) => c.json({ items: await listWebhooks(database(c.env.DB), c.get("caller").workspace_id) }))
  .post("/", async (c) => c.json(await createWebhook(c.env, c.get("caller").workspace_id, await readJson(c, CreateWebhookBody)), 201))
  .get("/:id", async (c) => c.json(await getWebhook(database(c.env.DB), c.get("caller").workspace_id, idOf(WebhookId, c.req.param("id"), "webhook"))))
  .patch("/:id", async (c) => {
    const body = await readJson(c, WebhookPatch);
    return c.json(await updateWebhook(database(c.env.DB), c.get("caller").workspace_id, idOf(WebhookId, c.req.param("id"), "webhook"), body));
  })
  .post("/:id/secret", async (c) => c.json(await rotateWebhookSecret(c.env, c.get("caller").workspace_id, idOf(WebhookId, c.req.param("id"), "webhook"))))
  .delete("/:id", async (c) => {
    await deleteWebhook(database(c.env.DB), c.get("caller").workspace_id, idOf(WebhookId, c.req.param("id"), "webhook"));
    return c.body(null, 204);
  })
  .get("/:id/deliveries", async (c) =>
    c.json(await listDeliveries(database(c.env.DB), c.get("caller").workspace_id, idOf(WebhookId, c.req.param("id"), "webhook"), readQuery(c, DeliveryListQuery))),
  )
  .post("/deliveries/:id/replay", async (c) =>
    c.json(await replayDelivery(c.env, c.get("caller").workspace_id, idOf(DeliveryId, c.req.param("id"), "delivery")), 202),
  );
