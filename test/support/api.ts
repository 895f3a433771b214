import { exports } from "cloudflare:workers";
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
