import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { isVisitorToken, verifyVisitorToken } from "../../src/auth/index.ts";
import type { Role, UserRole } from "../../src/model/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import { isSessionToken, resolveSession } from "../auth/sessions.ts";
import { database } from "../db.ts";
import type { AppEnv } from "./app-env.ts";

export const SESSION_COOKIE = "sb_session";

/** Users act on conversations in these roles; admins act as supervisors. */
const CONVERSATION_ROLE: Record<UserRole, Role> = { agent: "agent", supervisor: "supervisor", admin: "supervisor" };

/**
 * Where a browser cannot set a header: `new WebSocket(url)` (the conversation and workstation
 * sockets) and `<img src>` / `<a href>` to an attachment, which answers with a signed link. Only
 * these GETs read `?token=`; everywhere else a token in the URL — which ends up in logs, history
 * and Referer headers — does not authenticate (docs/permissions.md, "Tokens in the query string").
 */
const QUERY_TOKEN_PATHS = [/^\/api\/conversations\/[^/]+\/ws$/, /^\/api\/agent\/ws$/, /^\/api\/attachments\/[^/]+$/];

/** The bearer token from `Authorization`, the session cookie, or — on the paths above — the `token` query parameter. */
function tokenOf(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string | undefined {
  const header = c.req.header("authorization");
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) return cookie;
  if (c.req.method === "GET" && QUERY_TOKEN_PATHS.some((p) => p.test(c.req.path))) return c.req.query("token") ?? undefined;
  return undefined;
}

export function secretOf(env: AppEnv["Bindings"]): string {
  if (!env.TOKEN_SECRET || env.TOKEN_SECRET.length < 32) {
    throw new SwitchboardError("misconfigured", "TOKEN_SECRET is not set (at least 32 characters): see docs/operations.md");
  }
  return env.TOKEN_SECRET;
}

/** Resolves the caller (a visitor or a signed-in user) or answers 401. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = tokenOf(c);
  if (!token) throw new SwitchboardError("unauthorized", "sign in, or pass a visitor token as 'Authorization: Bearer …'");
  if (isVisitorToken(token)) {
    const claims = await verifyVisitorToken(token, secretOf(c.env));
    if (!claims) throw new SwitchboardError("unauthorized", "the visitor token is invalid or expired; create a new visitor session");
    c.set("caller", { workspace_id: claims.ws, actor: { role: "visitor", id: claims.ct } });
    c.set("user", undefined);
  } else if (isSessionToken(token)) {
    const user = await resolveSession(database(c.env.DB), token);
    if (!user) throw new SwitchboardError("unauthorized", "the session is invalid, expired or signed out");
    c.set("caller", { workspace_id: user.workspace_id, actor: { role: CONVERSATION_ROLE[user.role], id: user.id, name: user.name } });
    c.set("user", user);
  } else {
    throw new SwitchboardError("unauthorized", "unrecognised token");
  }
  c.set("token", token);
  await next();
};

/** Only signed-in users with one of these roles pass. */
export function requireUser(...roles: UserRole[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get("user");
    if (!user) throw new SwitchboardError("forbidden", "this needs a signed-in user");
    if (roles.length > 0 && !roles.includes(user.role)) {
      throw new SwitchboardError("forbidden", `this needs one of the roles: ${roles.join(", ")}`);
    }
    await next();
  };
}
