import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { MetricsQuery } from "../../../src/metrics/index.ts";
import { database } from "../../db.ts";
import { metricsReport } from "../../metrics/query.ts";
import { requireScope } from "../middleware.ts";
import { errors, ok, security, v1Router } from "../openapi.ts";

/** The report's shape is docs/metrics.md's (totals and series of sums and ratios); the staff API returns the same. */
const MetricsReportDoc = z.looseObject({}).describe("Totals and per-bucket series by dimension, as GET /api/metrics (docs/metrics.md)");

/** Dashboard figures for integrations (BI, wallboards): the whole workspace, as an admin sees them. */
export const metricsV1 = v1Router().openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    tags: ["Metrics"],
    summary: "Metric totals and series over a date range, by hour or day, split by group, agent or channel",
    security,
    middleware: [requireScope("metrics:read")] as const,
    request: { query: MetricsQuery },
    responses: { 200: ok(MetricsReportDoc), ...errors },
  }),
  async (c) => {
    const key = c.get("key");
    return c.json(await metricsReport(database(c.env.DB), key.workspace_id, { id: key.id, role: "admin" }, c.req.valid("query")), 200);
  },
);
