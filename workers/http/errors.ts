import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import type { z } from "zod";
import { describeIssues } from "../../src/conversation/index.ts";
import { LIMITS, SwitchboardError } from "../../src/model/index.ts";
import type { AppEnv } from "./app-env.ts";

/** One error format for every route: `{ "error": { "code", "message", "details"? } }`. */
export const onError: ErrorHandler<AppEnv> = (err) => {
  if (err instanceof SwitchboardError) return Response.json(err.toBody(), { status: err.status });
  console.error("unhandled error", err);
  return Response.json(new SwitchboardError("internal", "internal error").toBody(), { status: 500 });
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  Response.json(new SwitchboardError("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`).toBody(), {
    status: 404,
  });

/** A JSON body, size-checked and validated against its schema, or the 4xx it deserves. */
export async function readJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.infer<S>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > LIMITS.maxFrameBytes) throw tooLarge();
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > LIMITS.maxFrameBytes) throw tooLarge();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SwitchboardError("invalid_json", "the request body is not valid JSON");
  }
  return validate(schema, json, "request body");
}

export function readQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.infer<S> {
  return validate(schema, c.req.query(), "query string");
}

function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SwitchboardError("invalid_request", `invalid ${what}`, describeIssues(parsed.error));
  return parsed.data;
}

function tooLarge(): SwitchboardError {
  return new SwitchboardError("frame_too_large", `request bodies are limited to ${LIMITS.maxFrameBytes} bytes`);
}
