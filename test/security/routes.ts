import { app } from "../../workers/http/app.ts";

/**
 * Every route the Worker serves, as `METHOD /path` with Hono's `:param` names, read from the app
 * itself: a route added tomorrow shows up here, so the tables that must cover it fail until it does.
 * Middleware (`ALL …`) is not a route.
 */
export function mountedRoutes(): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`))].sort();
}
