import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { notFound, onError } from "./errors.ts";
import { agentRoutes } from "./routes/agent.ts";
import { authRoutes } from "./routes/auth.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { routingAdminRoutes } from "./routes/routing-admin.ts";
import { widgetRoutes } from "./routes/widget.ts";
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
  .route("/api/agent", agentRoutes)
  .route("/api/admin", routingAdminRoutes)
  .route("/api/admin/channels", channelAdminRoutes)
  .route("/api/contacts", contactRoutes)
  .route("/api/channels/wechat", wechatRoutes)
  .route("/api/attachments", attachmentRoutes)
  .route("/api/channels/api", apiChannelRoutes)
  .route("/api/channels/forms", formRoutes)
  .notFound(notFound)
  .onError(onError);
