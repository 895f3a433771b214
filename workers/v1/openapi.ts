import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { describeIssues } from "../../src/conversation/index.ts";
import { ErrorBody, SwitchboardError } from "../../src/model/index.ts";
import type { V1Env } from "./env.ts";

/** An open-API router whose validation failures use the one error format (docs/api.md). */
export function v1Router() {
  return new OpenAPIHono<V1Env>({
    defaultHook: (result) => {
      if (!result.success) {
        const what = result.target === "json" ? "request body" : result.target === "query" ? "query string" : result.target;
        throw new SwitchboardError("invalid_request", `invalid ${what}`, describeIssues(result.error as z.ZodError));
      }
    },
  });
}

const errorContent = { "application/json": { schema: ErrorBody } };

/** The error answers every route may give, documented once. */
export const errors = {
  400: { description: "Invalid request (`invalid_request`, `invalid_json`)", content: errorContent },
  401: { description: "Missing, unknown or revoked API key", content: errorContent },
  403: { description: "The key lacks the scope this route needs", content: errorContent },
  404: { description: "No such resource in the key's workspace", content: errorContent },
  409: { description: "Conflict (`idempotency_conflict`, `invalid_transition`, …)", content: errorContent },
  429: { description: "Rate limited; see Retry-After", content: errorContent },
} as const;

export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

export function ok<S extends z.ZodType>(schema: S, description = "OK") {
  return { description, content: { "application/json": { schema } } } as const;
}

export const security = [{ apiKey: [] as string[] }];

/** Documented on every create; checked by the `idempotent` middleware. */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z.string().min(1).max(255).optional().describe("Makes the create safe to retry: the same key and body return the first response (docs/open-api.md)."),
});
