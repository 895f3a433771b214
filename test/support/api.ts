import { env, exports } from "cloudflare:workers";
import type { SeedWorkspace } from "../../src/db/demo-seed.ts";
import type { VisitorSessionBody } from "../../src/model/index.ts";
import { userOf } from "./workspace.ts";

const BASE = "http://switchboard.test";

/** A request through the Worker's public fetch handler, as any client would make it. */
export function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(new Request(`${BASE}${path}`, { ...init, headers, body: body ?? null }));
}

export async function json<T = any>(response: Response, status?: number): Promise<T> {
  const text = await response.text();
  if (status !== undefined && response.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${response.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

export interface VisitorSession {
  token: string;
  visitor_id: string;
  contact_id: string;
  conversation_id: string;
  head_seq: number;
  resumed: boolean;
  state: string;
}

export async function startVisitor(seed: SeedWorkspace, body: Partial<VisitorSessionBody> = {}): Promise<VisitorSession> {
  const res = await call("/api/widget/sessions", {
    method: "POST",
    json: { widget_key: seed.workspace.widgetKey, context: { channel: "web", entry_page: "https://shop.example/pricing" }, ...body },
  });
  const status = res.status;
  const session = await json<VisitorSession>(res);
  if (status !== 201 && status !== 200) throw new Error(`visitor session failed: ${status} ${JSON.stringify(session)}`);
  return session;
}

export async function login(seed: SeedWorkspace, role: "admin" | "agent" | "supervisor", index = 0): Promise<string> {
  const user = userOf(seed, role, index);
  const res = await call("/api/auth/login", {
    method: "POST",
    json: { workspace: seed.workspace.slug, email: user.email, password: user.password },
  });
  return (await json<{ token: string }>(res, 200)).token;
}

export function postMessage(conversationId: string, token: string, clientMsgId: string, text: string) {
  return call(`/api/conversations/${conversationId}/messages`, {
    method: "POST",
    token,
    json: { client_msg_id: clientMsgId, content: { kind: "text", text } },
  });
}

/** A POST of a JSON body with a bearer token. */
export function post(path: string, token: string | undefined, body: unknown): Promise<Response> {
  return call(path, { method: "POST", ...(token ? { token } : {}), json: body });
}

/** One page of GET /api/conversations/:id/events, asserting HTTP 200. */
export async function getEvents(
  conversationId: string,
  token: string,
  query: { after?: number; wait?: number; limit?: number } = {},
): Promise<any> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  return json(await call(`/api/conversations/${conversationId}/events?${params}`, { token }), 200);
}

/** The whole event log as this caller may read it, following `next_after` until complete. */
export async function allEvents(conversationId: string, token: string): Promise<any[]> {
  const out: any[] = [];
  let after = 0;
  for (let page = 0; page < 100; page++) {
    const res = await getEvents(conversationId, token, { after });
    out.push(...res.events);
    if (res.complete) return out;
    after = res.next_after;
  }
  throw new Error("the event log did not end within 100 pages");
}

/** The message events of the log, in seq order. */
export async function messageLog(conversationId: string, token: string): Promise<any[]> {
  return (await allEvents(conversationId, token)).filter((e) => e.type === "message");
}

/**
 * Polls `probe` until it returns something other than undefined/false, or fails with what was
 * awaited and the last value seen. For state that changes asynchronously (queue consumer, alarms).
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    last = value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last probe: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The ConversationDO behind a conversation, for eviction and watermark checks. */
export function conversationObject(workspaceId: string, conversationId: string) {
  return env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(`${workspaceId}/${conversationId}`));
}

/** Numbers from `from` to `to`, inclusive. */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
