import { createHmac } from "node:crypto";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, conversationObject, json, post, postMessage, startVisitor, waitUntil } from "../support/api.ts";
import { waitForArchive } from "../support/archive.ts";
import { ALL_SCOPES, createApiKey, v1 } from "../support/api-keys.ts";
import { createTeam, newVisitor, userId, type Team } from "../support/fixture.ts";
import { createGroup, openWorkstation, publishRules } from "../support/routing.ts";
import { closeSocketsAfterEach, connect, upgrade } from "../support/socket.ts";
import { WebhookEventType } from "../../src/model/index.ts";
import { mountedRoutes } from "./routes.ts";

/**
 * Workspace A attacks workspace B on every route the Worker serves: with A's admin, supervisor,
 * agent and visitor and an A API key holding every scope, naming B's IDs in paths, queries and
 * bodies. Each answer must be a refusal (or, for A's own lists, A's data alone), no answer may
 * carry anything of B's, and afterwards B's rows and conversations are exactly as they were.
 */

type As = "admin" | "supervisor" | "agent" | "agent2" | "visitor" | "key" | "none";

interface Probe {
  as: As;
  method: string;
  path: string;
  json?: unknown;
  headers?: Record<string, string>;
  body?: string;
  /** The statuses that prove isolation here (a refusal, or A's own data). */
  expect: number[];
}

/** Public routes say why they are public; any probes still check they give nothing of B's away. */
type Case = { public: string; probes?: () => Probe[] } | { probes: () => Probe[] };

let A: Team;
let B: Team;
let aVisitor: { token: string; conversation_id: string; contact_id: string; visitor_id: string };
let aKey: string;
let aApiSecret: string;
let aGroup: string;
let aTicket: string;
let aWebhook: string;
const SHARED_IDEMPOTENCY_KEY = "order-1001";
const SHARED_CREATE = { summary: "Order 1001 is late" };
/** B's IDs and the things of B's only B could know. */
const b = {} as Record<
  | "agent" | "admin" | "group" | "schedule" | "conversation" | "contact" | "visitorId" | "ended" | "email" | "webhook" | "ticket"
  | "delivery" | "apiKey" | "idempotentTicket" | "canned" | "attachment" | "scorecard" | "wechat" | "inbox" | "lookup",
  string
>;
/** Strings that must never appear in an answer to A, unless A itself sent them. */
let secrets: string[] = [];
const TAG = `bsecret${crypto.randomUUID().slice(0, 8)}`;
const today = new Date().toISOString().slice(0, 10);

const NONE = [401];
const REFUSED = [403, 404];
const MISSING = [404];
const OK = [200];

function get(as: As, path: string, expect = MISSING): Probe {
  return { as, method: "GET", path, expect };
}
function send(as: As, method: string, path: string, body: unknown, expect = MISSING): Probe {
  return { as, method, path, json: body, expect };
}

/** Every route, and how A tries to reach B through it. */
const CASES: Record<string, Case> = {
  "GET /health": { public: "liveness for the platform: no workspace, no data" },
  "POST /api/auth/login": {
    public: "signing in: A's credentials must not sign in to B",
    probes: () => [send("none", "POST", "/api/auth/login", { workspace: B.seed.workspace.slug, email: A.seed.users[0]!.email, password: "correct horse battery staple" }, [401])],
  },
  "POST /api/auth/logout": { probes: () => [send("agent2", "POST", "/api/auth/logout", {}, [204])] },
  "GET /api/auth/me": { probes: () => [get("admin", "/api/auth/me", OK)] },
  "POST /api/widget/sessions": {
    public: "the chat widget starts visitor sessions by widget key; a visitor ID from B must not resume B's conversation",
    probes: () => [send("none", "POST", "/api/widget/sessions", { widget_key: A.seed.workspace.widgetKey, visitor_id: b.visitorId }, [201])],
  },
  "GET /api/conversations": { probes: () => [get("admin", "/api/conversations", OK), get("admin", `/api/conversations?contact_id=${b.contact}`, [200, 400])] },
  "GET /api/conversations/:id": { probes: () => [get("admin", `/api/conversations/${b.conversation}`), get("visitor", `/api/conversations/${b.conversation}`), get("agent", `/api/conversations/${b.conversation}`)] },
  "GET /api/conversations/:id/ws": {
    probes: () => [
      { ...get("admin", `/api/conversations/${b.conversation}/ws`), headers: { upgrade: "websocket" } },
      { ...get("visitor", `/api/conversations/${b.conversation}/ws`), headers: { upgrade: "websocket" } },
    ],
  },
  "POST /api/conversations/:id/messages": {
    probes: () => [
      send("agent", "POST", `/api/conversations/${b.conversation}/messages`, { client_msg_id: "x1", content: { kind: "text", text: "from A" } }),
      send("visitor", "POST", `/api/conversations/${b.conversation}/messages`, { client_msg_id: "x2", content: { kind: "text", text: "from A" } }),
    ],
  },
  "GET /api/conversations/:id/channel": { probes: () => [get("admin", `/api/conversations/${b.conversation}/channel`)] },
  "GET /api/conversations/:id/events": { probes: () => [get("admin", `/api/conversations/${b.conversation}/events`), get("visitor", `/api/conversations/${b.conversation}/events`)] },
  "POST /api/conversations/:id/receipts": { probes: () => [send("visitor", "POST", `/api/conversations/${b.conversation}/receipts`, { status: "read", up_to_seq: 2 })] },
  "POST /api/conversations/:id/state": { probes: () => [send("admin", "POST", `/api/conversations/${b.conversation}/state`, { to: "ended" })] },
  "POST /api/conversations/:id/transfer": {
    probes: () => [
      send("admin", "POST", `/api/conversations/${b.conversation}/transfer`, { to: { kind: "group", group_id: aGroup } }),
      send("admin", "POST", `/api/conversations/${aVisitor.conversation_id}/transfer`, { to: { kind: "group", group_id: b.group } }, [400]),
      send("admin", "POST", `/api/conversations/${aVisitor.conversation_id}/transfer`, { to: { kind: "agent", agent_id: b.agent } }, [400, 409]),
    ],
  },
  "POST /api/conversations/:id/assist": { probes: () => [send("agent", "POST", `/api/conversations/${b.conversation}/assist`, { note: "help" })] },
  "POST /api/conversations/:id/rating": { probes: () => [send("visitor", "POST", `/api/conversations/${b.ended}/rating`, { score: 1 })] },
  "GET /api/agent/ws": { probes: () => [{ ...get("agent", "/api/agent/ws", [101]), headers: { upgrade: "websocket" } }] },
  "GET /api/agent/status": { probes: () => [get("agent", "/api/agent/status", OK)] },
  "GET /api/admin/skill-groups": { probes: () => [get("admin", "/api/admin/skill-groups", OK)] },
  "POST /api/admin/skill-groups": { probes: () => [send("admin", "POST", "/api/admin/skill-groups", { name: "A's new group" }, [201])] },
  "PATCH /api/admin/skill-groups/:id": { probes: () => [send("admin", "PATCH", `/api/admin/skill-groups/${b.group}`, { name: "taken over" })] },
  "PUT /api/admin/skill-groups/:id/members": {
    probes: () => [
      send("admin", "PUT", `/api/admin/skill-groups/${b.group}/members`, { user_ids: [userId(A, "agent")] }),
      send("admin", "PUT", `/api/admin/skill-groups/${aGroup}/members`, { user_ids: [b.agent] }, [400]),
    ],
  },
  "GET /api/admin/skill-groups/:id/stats": { probes: () => [get("supervisor", `/api/admin/skill-groups/${b.group}/stats`)] },
  "GET /api/admin/schedules": { probes: () => [get("admin", "/api/admin/schedules", OK)] },
  "POST /api/admin/schedules": { probes: () => [send("admin", "POST", "/api/admin/schedules", { name: "A hours", schedule: { weekly: [] } }, [201])] },
  "PUT /api/admin/schedules/:id": { probes: () => [send("admin", "PUT", `/api/admin/schedules/${b.schedule}`, { name: "taken over", schedule: { weekly: [] } })] },
  "PATCH /api/admin/users/:id/routing": {
    probes: () => [
      send("admin", "PATCH", `/api/admin/users/${b.agent}/routing`, { max_concurrent: 1 }),
      send("admin", "PATCH", `/api/admin/users/${userId(A, "agent")}/routing`, { shift_schedule_id: b.schedule }, [400]),
    ],
  },
  "GET /api/admin/routing/rules": { probes: () => [get("supervisor", "/api/admin/routing/rules", [200, 404])] },
  "GET /api/admin/routing/rules/versions": { probes: () => [get("supervisor", "/api/admin/routing/rules/versions", OK)] },
  "GET /api/admin/routing/rules/versions/:v": { probes: () => [get("supervisor", "/api/admin/routing/rules/versions/2")] },
  "GET /api/admin/routing/rules/diff": { probes: () => [get("supervisor", "/api/admin/routing/rules/diff?from=1&to=2")] },
  "POST /api/admin/routing/rules": { probes: () => [send("admin", "POST", "/api/admin/routing/rules", { rule_set: { rules: [], fallback: [{ type: "enqueue", group: b.group }] } }, [400])] },
  "POST /api/admin/routing/rules/versions/:v/restore": { probes: () => [send("admin", "POST", "/api/admin/routing/rules/versions/2/restore", {})] },
  "POST /api/admin/routing/rules/explain": {
    probes: () => [send("supervisor", "POST", "/api/admin/routing/rules/explain", { rule_set: { rules: [], fallback: [{ type: "enqueue", group: b.group }] } }, [400])],
  },
  "POST /api/_faults/evict": { probes: () => [send("admin", "POST", "/api/_faults/evict", { conversation_ids: [b.conversation] }, [200, 404])] },
  "GET /api/_faults/archive-index": {
    probes: () => [send("admin", "GET", "/api/_faults/archive-index", undefined, [200, 404])],
  },
  "POST /api/_faults/archive-status": { probes: () => [send("admin", "POST", "/api/_faults/archive-status", { conversation_ids: [b.conversation] }, [200, 404])] },
  "GET /api/archive/conversations": { probes: () => [get("admin", "/api/archive/conversations", OK), get("admin", `/api/archive/conversations?q=${TAG}`, OK)] },
  "GET /api/archive/conversations/:id": { probes: () => [get("admin", `/api/archive/conversations/${b.ended}`), get("admin", `/api/archive/conversations/${b.ended}?raw=true`)] },
  "GET /api/archive/export": { probes: () => [get("admin", "/api/archive/export?raw=true", OK)] },
  "GET /api/archive/audit-log": { probes: () => [get("admin", "/api/archive/audit-log", OK)] },
  "GET /api/archive/verify": { probes: () => [get("admin", "/api/archive/verify", OK)] },
  "GET /api/archive/tickets/verify": { probes: () => [get("admin", "/api/archive/tickets/verify", OK)] },
  "GET /api/archive/conversations/:id/verify": { probes: () => [get("admin", `/api/archive/conversations/${b.ended}/verify`)] },
  "GET /api/archive/dead-letters": { probes: () => [get("admin", "/api/archive/dead-letters", OK)] },
  "POST /api/archive/dead-letters/replay": { probes: () => [send("admin", "POST", "/api/archive/dead-letters/replay", {}, OK)] },
  "GET /api/metrics": {
    probes: () => [get("admin", `/api/metrics?from=${today}&to=${today}&by=agent`, OK), get("admin", `/api/metrics?from=${today}&to=${today}&by=group&group_id=${b.group}`, [200, 404])],
  },
  "POST /api/metrics/rebuild": { probes: () => [send("admin", "POST", "/api/metrics/rebuild", { apply: true }, OK)] },
  "GET /api/qa/settings": { probes: () => [get("supervisor", "/api/qa/settings", OK)] },
  "PUT /api/qa/settings": { probes: () => [send("admin", "PUT", "/api/qa/settings", { sample_percent: 0, low_rating_max: 0, review_transfers: false }, OK)] },
  "GET /api/qa/scorecards": { probes: () => [get("supervisor", "/api/qa/scorecards", OK)] },
  "POST /api/qa/scorecards": {
    probes: () => [send("admin", "POST", "/api/qa/scorecards", { name: "A card", criteria: [{ id: "tone", label: "Tone", weight: 1 }], pass_mark: 50 }, [201])],
  },
  "POST /api/qa/sample": { probes: () => [send("admin", "POST", "/api/qa/sample", { day: today }, OK)] },
  "GET /api/qa/reviews": { probes: () => [get("supervisor", "/api/qa/reviews", OK)] },
  "GET /api/qa/reviews/:id/transcript": { probes: () => [get("admin", `/api/qa/reviews/${b.ended}/transcript`)] },
  "POST /api/qa/reviews/:id": { probes: () => [send("admin", "POST", `/api/qa/reviews/${b.ended}`, { scorecard_id: b.scorecard, scores: { tone: 100 } })] },
  "GET /api/qa/results": { probes: () => [get("agent", `/api/qa/results?from=${today}&to=${today}`, OK)] },
  "POST /api/admin/channels/secrets/:purpose": { probes: () => [send("admin", "POST", "/api/admin/channels/secrets/identity", {}, [201])] },
  "GET /api/admin/channels/attachments": { probes: () => [get("admin", "/api/admin/channels/attachments", OK)] },
  "PUT /api/admin/channels/attachments": { probes: () => [send("admin", "PUT", "/api/admin/channels/attachments", {}, [200, 400])] },
  "GET /api/admin/channels/forms": { probes: () => [get("admin", "/api/admin/channels/forms", OK)] },
  "PUT /api/admin/channels/forms": { probes: () => [send("admin", "PUT", "/api/admin/channels/forms", { turnstile_secret: null }, OK)] },
  "GET /api/admin/channels/email": { probes: () => [get("admin", "/api/admin/channels/email", OK)] },
  "POST /api/admin/channels/email": { probes: () => [send("admin", "POST", "/api/admin/channels/email", { address: b.inbox }, [400])] },
  "DELETE /api/admin/channels/email/:address": { probes: () => [send("admin", "DELETE", `/api/admin/channels/email/${encodeURIComponent(b.inbox)}`, undefined)] },
  "GET /api/admin/channels/wechat": { probes: () => [get("admin", "/api/admin/channels/wechat", OK)] },
  "POST /api/admin/channels/wechat": {
    probes: () => [send("admin", "POST", "/api/admin/channels/wechat", { app_id: "wxaaaaaaaa01", app_secret: "a-secret-of-16-chars", token: "atoken", mode: "plain" }, [201])],
  },
  "GET /api/admin/channels/wechat/:id": { probes: () => [get("admin", `/api/admin/channels/wechat/${b.wechat}`)] },
  "DELETE /api/admin/channels/wechat/:id": { probes: () => [send("admin", "DELETE", `/api/admin/channels/wechat/${b.wechat}`, undefined)] },
  "PATCH /api/admin/channels/wechat/:id": { probes: () => [send("admin", "PATCH", `/api/admin/channels/wechat/${b.wechat}`, { token: "hijacked" })] },
  "GET /api/contacts": { probes: () => [get("agent", `/api/contacts?kind=email&value=${encodeURIComponent(b.email)}`)] },
  "GET /api/contacts/:id": { probes: () => [get("agent", `/api/contacts/${b.contact}`)] },
  "POST /api/contacts/:id/merge": {
    probes: () => [
      send("admin", "POST", `/api/contacts/${b.contact}/merge`, { from_contact_id: aVisitor.contact_id }),
      send("admin", "POST", `/api/contacts/${aVisitor.contact_id}/merge`, { from_contact_id: b.contact }),
    ],
  },
  "GET /api/channels/wechat/:accountId": { public: "WeChat's server verification, authenticated by the account's own token signature", probes: () => [get("none", `/api/channels/wechat/${b.wechat}?echostr=x`, [401, 403])] },
  "POST /api/channels/wechat/:accountId": {
    public: "WeChat's message push, authenticated by the account's own token signature",
    probes: () => [{ as: "none", method: "POST", path: `/api/channels/wechat/${b.wechat}`, body: "<xml></xml>", headers: { "content-type": "text/xml" }, expect: [401, 403] }],
  },
  "POST /api/attachments": {
    probes: () => [
      { as: "visitor", method: "POST", path: `/api/attachments?conversation_id=${b.conversation}&name=a.txt`, body: "A's bytes", expect: MISSING },
      { as: "admin", method: "POST", path: `/api/attachments?conversation_id=${b.conversation}&name=a.txt`, body: "A's bytes", expect: MISSING },
    ],
  },
  "GET /api/attachments/:id": { probes: () => [get("admin", `/api/attachments/${b.attachment}?redirect=false`), get("visitor", `/api/attachments/${b.attachment}?redirect=false`)] },
  "GET /api/attachments/:id/content": {
    public: "a download link is its own credential: signed by Switchboard for one attachment and expiring in minutes",
    probes: () => [get("none", `/api/attachments/${b.attachment}/content?exp=${Math.floor(Date.now() / 1000) + 60}&sig=forged`, [401, 403])],
  },
  "POST /api/channels/api/:workspaceId/messages": {
    public: "inbound messages from a customer's systems, authenticated by an HMAC with the workspace's API channel secret",
    probes: () => {
      const text = JSON.stringify({ idempotency_key: "x", contact: { external_id: "crm" }, content: { kind: "text", text: "A into B" } });
      const ts = String(Math.floor(Date.now() / 1000));
      const sig = `sha256=${createHmac("sha256", aApiSecret).update(`${ts}.${text}`).digest("hex")}`;
      return [{ as: "none", method: "POST", path: `/api/channels/api/${B.workspaceId}/messages`, body: text, headers: { "content-type": "application/json", "x-switchboard-timestamp": ts, "x-switchboard-signature": sig }, expect: [401] }];
    },
  },
  "POST /api/channels/forms/:widgetKey": { public: "a public contact form posts into the workspace its widget key names, behind Turnstile when configured; it reads nothing" },
  "GET /api/api-keys": { probes: () => [get("admin", "/api/api-keys", OK)] },
  "POST /api/api-keys": { probes: () => [send("admin", "POST", "/api/api-keys", { name: "A's second key", scopes: ["tickets:read"] }, [201])] },
  "DELETE /api/api-keys/:id": { probes: () => [send("admin", "DELETE", `/api/api-keys/${b.apiKey}`, undefined)] },
  "GET /api/tickets/sla-policies": { probes: () => [get("agent", "/api/tickets/sla-policies", OK)] },
  "PUT /api/tickets/sla-policies": { probes: () => [send("admin", "PUT", "/api/tickets/sla-policies", { policies: [{ priority: "low", first_reply_minutes: 1, resolution_minutes: 2 }] }, OK)] },
  "GET /api/tickets": { probes: () => [get("admin", "/api/tickets", OK), get("admin", `/api/tickets?conversation_id=${b.conversation}`, OK)] },
  "POST /api/tickets": {
    probes: () => [
      send("admin", "POST", "/api/tickets", { summary: "on B's conversation", conversation_id: b.conversation }, [400, 404]),
      send("admin", "POST", "/api/tickets", { summary: "for B's contact", contact_id: b.contact }, [400, 404]),
      send("admin", "POST", "/api/tickets", { summary: "for B's agent", owner_id: b.agent }, [400, 404]),
    ],
  },
  "GET /api/tickets/:id": { probes: () => [get("admin", `/api/tickets/${b.ticket}`)] },
  "PATCH /api/tickets/:id": {
    probes: () => [send("admin", "PATCH", `/api/tickets/${b.ticket}`, { status: "closed" }), send("admin", "PATCH", `/api/tickets/${aTicket}`, { owner_id: b.agent }, [400, 404])],
  },
  "POST /api/tickets/:id/comments": { probes: () => [send("admin", "POST", `/api/tickets/${b.ticket}/comments`, { kind: "internal", body: "A was here" })] },
  "GET /api/tickets/:id/events": { probes: () => [get("admin", `/api/tickets/${b.ticket}/events`)] },
  "GET /api/webhooks": { probes: () => [get("admin", "/api/webhooks", OK)] },
  "POST /api/webhooks": { probes: () => [send("admin", "POST", "/api/webhooks", { url: "https://receiver.test/a", event_types: ["ticket.created"] }, [201])] },
  "GET /api/webhooks/:id": { probes: () => [get("admin", `/api/webhooks/${b.webhook}`)] },
  "PATCH /api/webhooks/:id": { probes: () => [send("admin", "PATCH", `/api/webhooks/${b.webhook}`, { url: "https://receiver.test/stolen" })] },
  "POST /api/webhooks/:id/secret": { probes: () => [send("admin", "POST", `/api/webhooks/${b.webhook}/secret`, {})] },
  "DELETE /api/webhooks/:id": { probes: () => [send("admin", "DELETE", `/api/webhooks/${b.webhook}`, undefined)] },
  "GET /api/webhooks/:id/deliveries": { probes: () => [get("admin", `/api/webhooks/${b.webhook}/deliveries`)] },
  "POST /api/webhooks/deliveries/:id/replay": { probes: () => [send("admin", "POST", `/api/webhooks/deliveries/${b.delivery}/replay`, {})] },
  "GET /api/users": { probes: () => [get("admin", "/api/users", OK), get("supervisor", "/api/users", OK)] },
  "POST /api/users/invitations": { probes: () => [send("admin", "POST", "/api/users/invitations", { email: `a-invitee@${TAG}.test`, name: "Invitee", role: "agent" }, [201])] },
  "PATCH /api/users/:id": { probes: () => [send("admin", "PATCH", `/api/users/${b.agent}`, { role: "admin" })] },
  "POST /api/users/:id/deactivate": { probes: () => [send("admin", "POST", `/api/users/${b.admin}/deactivate`, {})] },
  "POST /api/users/:id/reactivate": { probes: () => [send("admin", "POST", `/api/users/${b.admin}/reactivate`, {})] },
  "POST /api/users/:id/password-reset": { probes: () => [send("admin", "POST", `/api/users/${b.admin}/password-reset`, {})] },
  "POST /api/account/invitations/accept": {
    public: "accepting an invitation: the single-use token is the credential",
    probes: () => [send("none", "POST", "/api/account/invitations/accept", { token: "not-a-real-token", password: "a long enough password" }, [401])],
  },
  "POST /api/account/password-reset": {
    public: "setting a new password: the single-use reset token is the credential",
    probes: () => [send("none", "POST", "/api/account/password-reset", { token: "not-a-real-token", password: "a long enough password" }, [401])],
  },
  "GET /api/contacts/:id/context": { probes: () => [get("agent", `/api/contacts/${b.contact}/context`)] },
  "GET /api/context-lookups": { probes: () => [get("admin", "/api/context-lookups", OK)] },
  "POST /api/context-lookups": { probes: () => [send("admin", "POST", "/api/context-lookups", { name: "A orders", url_template: "https://crm.test/a/{contact.id}" }, [201])] },
  "PATCH /api/context-lookups/:id": { probes: () => [send("admin", "PATCH", `/api/context-lookups/${b.lookup}`, { url_template: "https://evil.test/{contact.email}" })] },
  "DELETE /api/context-lookups/:id": { probes: () => [send("admin", "DELETE", `/api/context-lookups/${b.lookup}`, undefined)] },
  "GET /v1/openapi.json": { public: "the open API's description: the same for everyone, no data" },
  "GET /v1/docs": { public: "the open API's reference page: the same for everyone, no data" },
  "GET /v1/conversations": { probes: () => [get("key", "/v1/conversations", OK), get("key", `/v1/conversations?contact_id=${b.contact}`, [200, 400])] },
  "GET /v1/conversations/:id": { probes: () => [get("key", `/v1/conversations/${b.conversation}`)] },
  "GET /v1/conversations/:id/events": { probes: () => [get("key", `/v1/conversations/${b.conversation}/events`)] },
  "GET /v1/conversations/:id/transcript": { probes: () => [get("key", `/v1/conversations/${b.ended}/transcript`), get("key", `/v1/conversations/${b.ended}/transcript?raw=true`)] },
  "POST /v1/conversations/:id/messages": {
    probes: () => [
      send("key", "POST", `/v1/conversations/${b.conversation}/messages`, { client_msg_id: "k1", content: { kind: "text", text: "from A's key" }, as: { role: "bot", name: "A bot" } }),
      send("key", "POST", `/v1/conversations/${aVisitor.conversation_id}/messages`, { client_msg_id: "k2", content: { kind: "text", text: "as B's agent" }, as: { role: "agent", user_id: b.agent } }, [400]),
    ],
  },
  "GET /v1/contacts": { probes: () => [get("key", "/v1/contacts", OK)] },
  "GET /v1/contacts/:id": { probes: () => [get("key", `/v1/contacts/${b.contact}`)] },
  "PATCH /v1/contacts/:id": { probes: () => [send("key", "PATCH", `/v1/contacts/${b.contact}`, { name: "renamed by A" })] },
  "GET /v1/skill-groups": { probes: () => [get("key", "/v1/skill-groups", OK)] },
  "GET /v1/agents": { probes: () => [get("key", "/v1/agents", OK)] },
  "GET /v1/metrics": {
    probes: () => [get("key", "/v1/metrics?from=2026-11-01&to=2026-11-30", OK), get("key", `/v1/metrics?from=2026-11-01&to=2026-11-30&by=group&group_id=${b.group}`, OK)],
  },
  "GET /v1/routing/rules": { probes: () => [get("key", "/v1/routing/rules", [200, 404])] },
  "POST /v1/routing/rules": { probes: () => [send("key", "POST", "/v1/routing/rules", { rule_set: { rules: [], fallback: [{ type: "enqueue", group: b.group }] } }, [400])] },
  "GET /v1/tickets": { probes: () => [get("key", "/v1/tickets", OK), get("key", `/v1/tickets?contact_id=${b.contact}`, [200, 400])] },
  "POST /v1/tickets": {
    probes: () => [
      send("key", "POST", "/v1/tickets", { summary: "on B's conversation", conversation_id: b.conversation }, [400, 404]),
      send("key", "POST", "/v1/tickets", { summary: "for B's agent", owner_id: b.agent }, [400, 404]),
      // The same Idempotency-Key and body as B's key used: A gets a ticket of its own, not B's stored answer.
      { ...send("key", "POST", "/v1/tickets", SHARED_CREATE, [201]), headers: { "idempotency-key": SHARED_IDEMPOTENCY_KEY } },
    ],
  },
  "GET /v1/tickets/:id": { probes: () => [get("key", `/v1/tickets/${b.ticket}`)] },
  "PATCH /v1/tickets/:id": {
    probes: () => [send("key", "PATCH", `/v1/tickets/${b.ticket}`, { status: "closed" }), send("key", "PATCH", `/v1/tickets/${aTicket}`, { owner_id: b.agent }, [400, 404])],
  },
  "POST /v1/tickets/:id/comments": { probes: () => [send("key", "POST", `/v1/tickets/${b.ticket}/comments`, { kind: "internal", body: "A's key was here" })] },
  "GET /v1/tickets/:id/events": { probes: () => [get("key", `/v1/tickets/${b.ticket}/events`)] },
  "GET /v1/webhooks": { probes: () => [get("key", "/v1/webhooks", OK)] },
  "POST /v1/webhooks": { probes: () => [send("key", "POST", "/v1/webhooks", { url: "https://receiver.test/a-key", event_types: ["ticket.created"] }, [201])] },
  "POST /v1/webhooks/:id/secret": { probes: () => [send("key", "POST", `/v1/webhooks/${b.webhook}/secret`, {})] },
  "GET /v1/webhooks/:id/deliveries": { probes: () => [get("key", `/v1/webhooks/${b.webhook}/deliveries`)] },
  "POST /v1/webhooks/deliveries/:id/replay": { probes: () => [send("key", "POST", `/v1/webhooks/deliveries/${b.delivery}/replay`, {})] },
  "GET /api/directory": { probes: () => [get("agent", "/api/directory", OK)] },
  "GET /api/queues": { probes: () => [get("agent", "/api/queues", OK), get("admin", "/api/queues", OK)] },
  "GET /api/canned-replies": { probes: () => [get("agent", "/api/canned-replies", OK)] },
  "POST /api/canned-replies": { probes: () => [send("supervisor", "POST", "/api/canned-replies", { title: "A's reply", body: "Hello from A" }, [201])] },
  "PUT /api/canned-replies/:id": { probes: () => [send("supervisor", "PUT", `/api/canned-replies/${b.canned}`, { title: "taken", body: "over" })] },
  "DELETE /api/canned-replies/:id": { probes: () => [send("supervisor", "DELETE", `/api/canned-replies/${b.canned}`, undefined)] },
};

function tokenOf(as: As): string | undefined {
  if (as === "none") return undefined;
  if (as === "visitor") return aVisitor.token;
  if (as === "key") return aKey;
  return A[as];
}

/** Everything of B's in D1 (every table with a workspace_id), and the head of each of B's conversations. */
async function stateOfB(): Promise<Record<string, unknown>> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%workspace_id%' ORDER BY name").all<{ name: string }>();
  const out: Record<string, unknown> = {};
  for (const { name } of tables.results) {
    // Volatile by design and not B's data: sign-in bookkeeping of B's own sessions.
    if (name === "sessions") continue;
    out[name] = (await env.DB.prepare(`SELECT * FROM "${name}" WHERE workspace_id = ? ORDER BY rowid`).bind(B.workspaceId).all()).results;
  }
  for (const id of [b.conversation, b.ended]) out[`do:${id}`] = await conversationObject(B.workspaceId, id!).archiveStatus();
  return out;
}

beforeAll(async () => {
  [A, B] = await Promise.all([createTeam(), createTeam()]);
  const visitor = await newVisitor(A);
  aVisitor = visitor;
  aKey = (await createApiKey(A, ALL_SCOPES)).secret;
  aApiSecret = (await json<{ secret: string }>(await post("/api/admin/channels/secrets/api", A.admin, {}), 201)).secret;
  aGroup = await createGroup(A.admin, "A's group", [userId(A, "agent")]);
  // Subscribed before B does anything, to every event there is: B's events must never reach it.
  aWebhook = (await json(await post("/api/webhooks", A.admin, { url: "https://receiver.test/a-everything", event_types: WebhookEventType.options }), 201)).id;
  aTicket = (await json(await post("/api/tickets", A.admin, { summary: "A's own ticket" }), 201)).id;

  // B: a group, rules, a schedule, a live conversation with messages, an ended (archived) one, a
  // ticket, a webhook with a delivery, an API key, a canned reply, a contact with an email, an
  // attachment, QA settings and a scorecard, a WeChat account, an email inbox, a context lookup.
  b.agent = userId(B, "agent");
  b.admin = userId(B, "admin");
  b.group = await createGroup(B.admin, `group ${TAG}`, [b.agent]);
  await publishRules(B.admin, { rules: [], fallback: [{ type: "enqueue", group: b.group }] }, `v1 ${TAG}`);
  await publishRules(B.admin, { rules: [], fallback: [{ type: "enqueue", group: b.group }] }, `v2 ${TAG}`);
  b.schedule = (await json(await call("/api/admin/schedules", { method: "POST", token: B.admin, json: { name: `hours ${TAG}`, schedule: { weekly: [] } } }), 201)).id;
  b.email = `contact-${TAG}@example.com`;
  const live = await startVisitor(B.seed, { email: b.email, name: `contact ${TAG}` });
  b.conversation = live.conversation_id;
  b.contact = live.contact_id;
  b.visitorId = live.visitor_id;
  await json(await postMessage(b.conversation, live.token, "b1", `visitor text ${TAG}`), 201);
  await json(await postMessage(b.conversation, B.agent, "b2", `agent text ${TAG}`), 201);
  const ended = await newVisitor(B);
  b.ended = ended.conversation_id;
  await json(await postMessage(b.ended, ended.token, "e1", `ended text ${TAG}`), 201);
  await json(await post(`/api/conversations/${b.ended}/state`, B.admin, { to: "ended" }), 200);
  b.webhook = (await json(await post("/api/webhooks", B.admin, { url: `https://receiver.test/${TAG}`, event_types: ["ticket.created"] }), 201)).id;
  b.ticket = (await json(await post("/api/tickets", B.admin, { summary: `ticket ${TAG}`, conversation_id: b.conversation }), 201)).id;
  b.delivery = await waitUntil("B's webhook delivery to be logged", async () => {
    const res = await json(await call(`/api/webhooks/${b.webhook}/deliveries`, { token: B.admin }), 200);
    return res.items[0]?.id as string | undefined;
  });
  const bKey = await createApiKey(B, ["tickets:read", "tickets:write"], `key ${TAG}`);
  b.apiKey = bKey.id;
  b.idempotentTicket = (await json(await v1("/tickets", bKey.secret, { method: "POST", json: SHARED_CREATE, idempotencyKey: SHARED_IDEMPOTENCY_KEY }), 201)).id;
  b.canned = (await json(await post("/api/canned-replies", B.admin, { title: `reply ${TAG}`, body: `canned body ${TAG}` }), 201)).id;
  b.attachment = (
    await json(await call(`/api/attachments?conversation_id=${b.conversation}&name=${TAG}.txt`, { method: "POST", token: live.token, body: `file ${TAG}` }), 201)
  ).id;
  await json(await call("/api/qa/settings", { method: "PUT", token: B.admin, json: { sample_percent: 100, low_rating_max: 5, review_transfers: true } }), 200);
  b.scorecard = (
    await json(await post("/api/qa/scorecards", B.admin, { name: `card ${TAG}`, criteria: [{ id: "tone", label: "Tone", weight: 1 }], pass_mark: 50 }), 201)
  ).id;
  b.wechat = (
    await json(await post("/api/admin/channels/wechat", B.admin, { app_id: "wxbbbbbbbb01", app_secret: `secret-${TAG}`, token: "btoken", mode: "plain" }), 201)
  ).id;
  b.inbox = `support-${TAG}@example.com`;
  await json(await post("/api/admin/channels/email", B.admin, { address: b.inbox }), 201);
  b.lookup = (await json(await post("/api/context-lookups", B.admin, { name: `lookup ${TAG}`, url_template: `https://crm.test/${TAG}/{contact.id}` }), 201)).id;
  await waitForArchive(B.workspaceId, b.ended);

  secrets = [TAG, B.workspaceId, B.seed.workspace.slug, B.seed.workspace.widgetKey, ...B.seed.users.flatMap((u) => [u.id, u.email]), ...Object.values(b)];
});

describe("cross-workspace isolation", () => {
  it("has a case for every route the Worker serves, and none for a route it does not", () => {
    const routes = mountedRoutes();
    expect(routes.filter((r) => !(r in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((r) => !routes.includes(r))).toEqual([]);
    expect(routes.length).toBeGreaterThan(130);
  });

  it("lists why every public route is public", () => {
    const publicRoutes = Object.entries(CASES).filter(([, c]) => "public" in c);
    for (const [, c] of publicRoutes) expect((c as { public: string }).public.length).toBeGreaterThan(20);
    expect(publicRoutes.map(([r]) => r).sort()).toEqual(
      [
        "GET /health",
        "POST /api/auth/login",
        "POST /api/widget/sessions",
        "GET /api/channels/wechat/:accountId",
        "POST /api/channels/wechat/:accountId",
        "GET /api/attachments/:id/content",
        "POST /api/channels/api/:workspaceId/messages",
        "POST /api/channels/forms/:widgetKey",
        "POST /api/account/invitations/accept",
        "POST /api/account/password-reset",
        "GET /v1/openapi.json",
        "GET /v1/docs",
      ].sort(),
    );
  });

  it("lets A's staff, visitor and API key neither read nor change B's data on any route, and B's data is unchanged afterwards", async () => {
    const before = await stateOfB();
    // The comparison is only worth something if B has something in every table the probes aim at.
    const aimedAt = ["conversations", "contacts", "tickets", "webhooks", "webhook_deliveries", "api_keys", "canned_replies", "attachments", "skill_groups", "group_members", "rule_set_versions", "schedules", "wechat_accounts", "email_inboxes", "context_lookups", "qa_settings", "qa_scorecards", "users", "idempotency_keys", "message_texts"];
    expect(aimedAt.filter((t) => !((before[t] as unknown[] | undefined)?.length))).toEqual([]);
    const failures: string[] = [];
    const sent: string[] = [];
    let probes = 0;
    for (const [route, c] of Object.entries(CASES)) {
      for (const p of c.probes?.() ?? []) {
        probes++;
        const requestText = `${decodeURIComponent(p.path)} ${JSON.stringify(p.json ?? "")} ${p.body ?? ""}`;
        sent.push(requestText);
        const res = await call(p.path, { method: p.method, ...(tokenOf(p.as) ? { token: tokenOf(p.as) } : {}), ...(p.json === undefined ? {} : { json: p.json }), ...(p.body === undefined ? {} : { body: p.body }), headers: p.headers ?? {} });
        if (res.webSocket) {
          res.webSocket.accept();
          res.webSocket.close(1000, "probe done");
        }
        const text = res.status === 101 ? "" : await res.text();
        const said = `${route} as ${p.as} (${p.method} ${p.path})`;
        if (!p.expect.includes(res.status)) failures.push(`${said}: expected ${p.expect.join("/")}, got ${res.status} ${text.slice(0, 200)}`);
        // A string of B's is a leak unless A itself sent it (an error may name the ID it was asked for).
        const leaked = secrets.filter((s) => text.includes(s) && !sent.some((r) => r.includes(s)));
        if (leaked.length > 0) failures.push(`${said}: the answer carries B's ${leaked.join(", ")}`);
      }
    }
    expect(failures).toEqual([]);
    expect(probes).toBeGreaterThan(150);
    expect(await stateOfB()).toEqual(before);
  });
});

describe("pushed data across workspaces", () => {
  it("sends none of B's events to A's webhook subscribed to every event type", async () => {
    // beforeAll waited for B's ticket delivery and B's archive, so B's events have been fanned out.
    // A's own ticket reached it, so the subscription works.
    const rows = await waitUntil("A's own ticket.created delivery", async () => {
      const found = await env.DB.prepare("SELECT * FROM webhook_deliveries WHERE webhook_id = ?").bind(aWebhook).all();
      return found.results.length > 0 ? found : undefined;
    });
    const text = JSON.stringify(rows.results);
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  });
});

describe("sockets across workspaces", () => {
  closeSocketsAfterEach();

  it("refuses A's staff and visitor a socket on B's conversation with 404", async () => {
    for (const token of [A.admin, A.agent, aVisitor.token]) {
      const res = await upgrade(b.conversation, token);
      expect(res.webSocket).toBeFalsy();
      expect(res.status).toBe(404);
      await res.body?.cancel();
    }
  });

  it("answers every frame addressed to B's conversation on A's own socket with an error, and B's conversation is unchanged", async () => {
    const mine = await newVisitor(A);
    const socket = await connect(mine.conversation_id, A.admin);
    const head = (await conversationObject(B.workspaceId, b.conversation).archiveStatus())!.head_seq;
    const frames = [
      { type: "message", client_msg_id: "to-b", content: { kind: "text", text: "into B" } },
      { type: "receipt", status: "read", up_to_seq: 1 },
      { type: "typing", active: true },
      { type: "state", to: "ended" },
      { type: "sync", after_seq: 0 },
      { type: "transfer", to: { kind: "group", group_id: aGroup } },
      { type: "assist", note: "help" },
    ];
    for (const frame of frames) {
      const from = socket.frames.length;
      socket.send({ ...frame, conversation_id: b.conversation });
      const error = await socket.waitFor(`an error for the ${frame.type} frame addressed to B`, (f) => f.type === "error", from);
      expect(error.code).toBe("wrong_conversation");
    }
    expect(socket.frames.filter((f) => f.type === "event" && JSON.stringify(f).includes(TAG))).toEqual([]);
    expect((await conversationObject(B.workspaceId, b.conversation).archiveStatus())!.head_seq).toBe(head);
  });

  it("refuses a transfer frame from A's conversation to B's agent or B's group", async () => {
    const mine = await newVisitor(A);
    const socket = await connect(mine.conversation_id, A.admin);
    for (const to of [{ kind: "agent", agent_id: b.agent }, { kind: "group", group_id: b.group }]) {
      const from = socket.frames.length;
      socket.send({ type: "transfer", to });
      const error = await socket.waitFor(`an error for a transfer to B's ${to.kind}`, (f) => f.type === "error", from);
      expect(["invalid_request", "agent_unavailable"]).toContain(error.code);
    }
    const snapshot = await json(await call(`/api/conversations/${mine.conversation_id}`, { token: A.admin }), 200);
    expect(JSON.stringify(snapshot)).not.toContain(b.group);
    expect(JSON.stringify(snapshot)).not.toContain(b.agent);
  });

  it("never offers A's online agent B's conversations on the workstation socket", async () => {
    const workstation = await openWorkstation(A.agent);
    workstation.send({ type: "presence", status: "online", conversation_id: b.conversation });
    const bVisitor = await newVisitor(B);
    await json(await postMessage(bVisitor.conversation_id, bVisitor.token, "w1", `routed ${TAG}`), 201);
    await waitUntil("B's conversation to be queued in B's group", async () => {
      const snap = await json(await call(`/api/conversations/${bVisitor.conversation_id}`, { token: B.admin }), 200);
      return snap.routing?.status === "queued" || snap.state === "queued" ? snap : undefined;
    });
    await workstation.barrier();
    expect(workstation.frames.filter((f) => JSON.stringify(f).includes(bVisitor.conversation_id) || JSON.stringify(f).includes(TAG))).toEqual([]);
    const status = await json(await call("/api/agent/status", { token: A.agent }), 200);
    expect(JSON.stringify(status)).not.toContain(bVisitor.conversation_id);
  });
});
