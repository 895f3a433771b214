import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { CreatedWebhook, CreateWebhookBody, DeliveryId, DeliveryListQuery, pageOf, Webhook, WebhookDelivery, WebhookId } from "../../../src/model/index.ts";
import { database } from "../../db.ts";
import { createWebhook, listDeliveries, listWebhooks, replayDelivery, rotateWebhookSecret } from "../../webhooks/subscriptions.ts";
import { idempotent, requireScope } from "../middleware.ts";
import { errors, IdempotencyHeaders, jsonBody, ok, security, v1Router } from "../openapi.ts";

/** Webhook subscriptions for an integration that sets up its own receiver (docs/webhooks.md). */
export const webhooksV1 = v1Router()
  .openapi(
    createRoute({
      method: "get",
      path: "/webhooks",
      tags: ["Webhooks"],
      summary: "The workspace's webhook subscriptions",
      security,
      middleware: [requireScope("webhooks:manage")] as const,
      responses: { 200: ok(z.object({ items: z.array(Webhook) })), ...errors },
    }),
    async (c) => c.json({ items: await listWebhooks(database(c.env.DB), c.get("key").workspace_id) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/webhooks",
      tags: ["Webhooks"],
      summary: "Subscribe a URL to event types; the signing secret is in this response only",
      security,
      middleware: [requireScope("webhooks:manage"), idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(CreateWebhookBody) },
      responses: { 201: ok(CreatedWebhook, "Created"), ...errors },
    }),
    async (c) => c.json(await createWebhook(c.env, c.get("key").workspace_id, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/webhooks/{id}/secret",
      tags: ["Webhooks"],
      summary: "Replace the signing secret at once; the new one is in this response only",
      description: "Every attempt from now on, retries of older events included, is signed with the new secret.",
      security,
      middleware: [requireScope("webhooks:manage"), idempotent] as const,
      request: { headers: IdempotencyHeaders, params: z.object({ id: WebhookId }) },
      responses: { 200: ok(CreatedWebhook, "The subscription with its new secret"), ...errors },
    }),
    async (c) => c.json(await rotateWebhookSecret(c.env, c.get("key").workspace_id, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/webhooks/{id}/deliveries",
      tags: ["Webhooks"],
      summary: "The delivery log: status, attempts and response codes, newest first",
      security,
      middleware: [requireScope("webhooks:manage")] as const,
      request: { params: z.object({ id: WebhookId }), query: DeliveryListQuery },
      responses: { 200: ok(pageOf(WebhookDelivery)), ...errors },
    }),
    async (c) => c.json(await listDeliveries(database(c.env.DB), c.get("key").workspace_id, c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/webhooks/deliveries/{id}/replay",
      tags: ["Webhooks"],
      summary: "Send a delivery's event again (same event id) as a fresh series of attempts",
      security,
      middleware: [requireScope("webhooks:manage")] as const,
      request: { params: z.object({ id: DeliveryId }) },
      responses: { 202: ok(WebhookDelivery, "Queued"), ...errors },
    }),
    async (c) => c.json(await replayDelivery(c.env, c.get("key").workspace_id, c.req.valid("param").id), 202),
  );
