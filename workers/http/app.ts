import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { apiCors } from "./cors.ts";
import { notFound, onError } from "./errors.ts";
import { agentRoutes } from "./routes/agent.ts";
import { authRoutes } from "./routes/auth.ts";
import { cannedReplyRoutes } from "./routes/canned-replies.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { directoryRoutes } from "./routes/directory.ts";
import { routingAdminRoutes } from "./routes/routing-admin.ts";
import { widgetRoutes } from "./routes/widget.ts";

export const app = new Hono<AppEnv>()
  .get("/health", (c) => c.json({ ok: true, service: "switchboard", environment: c.env.ENVIRONMENT }))
  .use("/api/*", apiCors)
  .route("/api/auth", authRoutes)
  .route("/api/widget", widgetRoutes)
  .route("/api/conversations", conversationRoutes)
  .route("/api/agent", agentRoutes)
  .route("/api/admin", routingAdminRoutes)
  .route("/api/directory", directoryRoutes)
  .route("/api/canned-replies", cannedReplyRoutes)
  .notFound(notFound)
  .onError(onError);
