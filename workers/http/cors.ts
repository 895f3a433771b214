import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * The widget runs on customers' sites and the workstation may be hosted on Pages: both call the
 * API from another origin. Callers authenticate with bearer tokens, never with cookies across
 * origins (no Allow-Credentials), so any origin may call.
 */
const allowAnyOrigin = cors({
  origin: "*",
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  allowHeaders: ["authorization", "content-type"],
  maxAge: 86_400,
});

/** WebSocket upgrades are not subject to CORS, and their 101 response must pass through untouched. */
export const apiCors: MiddlewareHandler = (c, next) =>
  c.req.header("upgrade")?.toLowerCase() === "websocket" ? next() : allowAnyOrigin(c, next);
