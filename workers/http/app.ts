import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { apiCors } from "./cors.ts";
import { notFound, onError } from "./errors.ts";
import { accountLimit, publicLimit, signInLimit } from "./rate-limit.ts";
import { v1App } from "../v1/app.ts";
import { agentRoutes } from "./routes/agent.ts";
import { archiveRoutes } from "./routes/archive.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { authRoutes } from "./routes/auth.ts";
import { cannedReplyRoutes } from "./routes/canned-replies.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { qaRoutes } from "./routes/qa.ts";
import { ratingRoutes } from "./routes/rating.ts";
import { directoryRoutes } from "./routes/directory.ts";
import { routingAdminRoutes } from "./routes/routing-admin.ts";
import { ticketRoutes } from "./routes/tickets.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { accountRoutes } from "./routes/account.ts";
import { userRoutes } from "./routes/users.ts";
import { contactContextRoutes, contextLookupRoutes } from "./routes/context.ts";
import { widgetRoutes } from "./routes/widget.ts";
import { faultRoutes } from "../faults/routes.ts";
import { channelAdminRoutes, contactRoutes } from "./routes/channels-admin.ts";
import { wechatRoutes } from "./routes/wechat.ts";
import { attachmentRoutes } from "./routes/attachments.ts";
import { apiChannelRoutes } from "./routes/api-channel.ts";
import { formRoutes } from "./routes/forms.ts";
import { queueRoutes } from "./routes/queues.ts";

export const app = new Hono<AppEnv>()
  .get("/health", (c) => c.json({ ok: true, service: "switchboard", environment: c.env.ENVIRONMENT }))
  .use("/api/auth/login", signInLimit)
  .use("/api/account/*", accountLimit)
  .use("/api/widget/*", publicLimit("widget"))
  .use("/api/channels/*", publicLimit("channels"))
  .use("/api/*", apiCors)
  .route("/api/auth", authRoutes)
  .route("/api/widget", widgetRoutes)
  .route("/api/conversations", conversationRoutes)
  .route("/api/conversations", ratingRoutes)
  .route("/api/agent", agentRoutes)
  .route("/api/admin", routingAdminRoutes)
  .route("/api/_faults", faultRoutes)
  .route("/api/archive", archiveRoutes)
  .route("/api/metrics", metricsRoutes)
  .route("/api/qa", qaRoutes)
  .route("/api/admin/channels", channelAdminRoutes)
  .route("/api/contacts", contactRoutes)
  .route("/api/channels/wechat", wechatRoutes)
  .route("/api/attachments", attachmentRoutes)
  .route("/api/channels/api", apiChannelRoutes)
  .route("/api/channels/forms", formRoutes)
  .route("/api/api-keys", apiKeyRoutes)
  .route("/api/tickets", ticketRoutes)
  .route("/api/webhooks", webhookRoutes)
  .route("/api/users", userRoutes)
  .route("/api/account", accountRoutes)
  .route("/api/contacts", contactContextRoutes)
  .route("/api/context-lookups", contextLookupRoutes)
  .route("/v1", v1App)
  .route("/api/directory", directoryRoutes)
  .route("/api/canned-replies", cannedReplyRoutes)
  .route("/api/queues", queueRoutes)
  .notFound(notFound)
  .onError(onError);
