import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { notFound, onError } from "./errors.ts";
import { agentRoutes } from "./routes/agent.ts";
import { archiveRoutes } from "./routes/archive.ts";
import { authRoutes } from "./routes/auth.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { qaRoutes } from "./routes/qa.ts";
import { ratingRoutes } from "./routes/rating.ts";
import { routingAdminRoutes } from "./routes/routing-admin.ts";
import { widgetRoutes } from "./routes/widget.ts";
import { faultRoutes } from "../faults/routes.ts";
import { channelAdminRoutes, contactRoutes } from "./routes/channels-admin.ts";
import { wechatRoutes } from "./routes/wechat.ts";
import { attachmentRoutes } from "./routes/attachments.ts";
import { apiChannelRoutes } from "./routes/api-channel.ts";
import { formRoutes } from "./routes/forms.ts";

export const app = new Hono<AppEnv>()
  .get("/health", (c) => c.json({ ok: true, service: "switchboard", environment: c.env.ENVIRONMENT }))
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
  .notFound(notFound)
  .onError(onError);
