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
  .notFound(notFound)
  .onError(onError);
