import type { Context, MiddlewareHandler } from "hono";
import { SwitchboardError } from "../../src/model/index.ts";
import type { AppEnv } from "./app-env.ts";

/** Both limiters count per 60-second window (wrangler.toml `[[ratelimits]]`); a refused caller waits that long at most. */
const PERIOD_SECONDS = 60;

type Limiter = "SIGN_IN_LIMIT" | "PUBLIC_LIMIT";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * The client's address as Cloudflare's edge reports it. Requests without one (the Worker's own
 * tests) or from the machine itself (`wrangler dev`, the benchmarks) are not limited by address —
 * on Cloudflare every request has a real one — only by their other keys.
 */
export function clientIp(c: Context<AppEnv>): string | undefined {
  const ip = c.req.header("cf-connecting-ip");
  return ip && !LOOPBACK.has(ip) ? ip : undefined;
}

/**
 * Refuses with `429 rate_limited` and `Retry-After` once any of the request's keys is over its
 * limit. Uses the Workers rate-limiting binding: counters are per Cloudflare location and
 * approximate, which is what abuse protection needs (docs/permissions.md, "Rate limits").
 */
export function rateLimit(limiter: Limiter, keysOf: (c: Context<AppEnv>) => Promise<string[]> | string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const keys = await keysOf(c);
    const outcomes = await Promise.all(keys.map((key) => c.env[limiter].limit({ key })));
    if (outcomes.some((o) => !o.success)) {
      const error = new SwitchboardError("rate_limited", `too many requests; retry after ${PERIOD_SECONDS} seconds`);
      return c.json(error.toBody(), 429, { "Retry-After": String(PERIOD_SECONDS) });
    }
    await next();
  };
}

/** Sign-in: per account (workspace + email, whatever the address) and per address. */
export const signInLimit = rateLimit("SIGN_IN_LIMIT", async (c) => {
  const keys: string[] = [];
  try {
    const body = JSON.parse(await c.req.text()) as { workspace?: unknown; email?: unknown };
    if (typeof body.workspace === "string" && typeof body.email === "string") keys.push(`account:${body.workspace}:${body.email.toLowerCase()}`);
  } catch {
    // an unreadable body is refused by the route itself; the address still counts
  }
  const ip = clientIp(c);
  if (ip) keys.push(`ip:${ip}`);
  return keys;
});

/** Single-use token endpoints (invitations, resets): per address. */
export const accountLimit = rateLimit("SIGN_IN_LIMIT", (c) => {
  const ip = clientIp(c);
  return ip ? [`account-ip:${ip}`] : [];
});

/** Public endpoints anyone can call (widget sessions, inbound channels): per address and endpoint family. */
export function publicLimit(family: string): MiddlewareHandler<AppEnv> {
  return rateLimit("PUBLIC_LIMIT", (c) => {
    const ip = clientIp(c);
    return ip ? [`${family}:${ip}`] : [];
  });
}
