import { beforeAll, describe, expect, it } from "vitest";
import permissionsDoc from "../../docs/permissions.md?raw";
import { ApiScope } from "../../src/model/index.ts";
import { call, json, login, post } from "../support/api.ts";
import { createApiKey } from "../support/api-keys.ts";
import { createTeam, newVisitor, userId, type Team } from "../support/fixture.ts";
import { createGroup } from "../support/routing.ts";
import { documentedPath, routeKey } from "../security/placeholders.ts";
import { mountedRoutes } from "../security/routes.ts";

type Role = "admin" | "supervisor" | "agent" | "visitor" | "none";
const ROLES: Role[] = ["admin", "supervisor", "agent", "visitor", "none"];

interface Row {
  action: string;
  method: string;
  path: string;
  allowed: Record<Role, boolean>;
}

/** One `## heading` section of docs/permissions.md: the text up to the next heading. */
function section(heading: string): string {
  const start = permissionsDoc.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`docs/permissions.md has no section "${heading}"`);
  const end = permissionsDoc.indexOf("\n## ", start + 3);
  return permissionsDoc.slice(start, end < 0 ? undefined : end);
}

/** The table rows of a section that name a request, as trimmed cells. */
function tableRows(heading: string): string[][] {
  return section(heading)
    .split("\n")
    .filter((line) => /^\| .*`[A-Z]+ \//.test(line))
    .map((line) => line.split("|").slice(1, -1).map((c) => c.trim()));
}

function request(cell: string): { method: string; path: string } {
  const [method, path] = cell.replaceAll("`", "").split(" ");
  return { method: method!, path: path! };
}

/** The matrix in docs/permissions.md, row by row: the document is what the test enforces. */
function matrix(): Row[] {
  return tableRows("The matrix").map((cells) => {
    const marks = cells.slice(2);
    if (marks.length !== ROLES.length || marks.some((m) => m !== "✓" && m !== "✗")) throw new Error(`malformed matrix row: ${cells.join(" | ")}`);
    return { action: cells[0]!, ...request(cells[1]!), allowed: Object.fromEntries(ROLES.map((r, i) => [r, marks[i] === "✓"])) as Record<Role, boolean> };
  });
}

/** The open API's table: each /v1 route and the one scope it needs. */
function scopeTable() {
  return tableRows("The open API's scopes").map((cells) => ({ action: cells[0]!, ...request(cells[1]!), scope: cells[2]!.replaceAll("`", "") }));
}

/** The GETs that read a token from `?token=`. */
function queryTokenTable() {
  return tableRows("Tokens in the query string").map((cells) => request(cells[0]!));
}

/** The routes without a role, each with its reason. */
function publicTable() {
  return tableRows("Routes without a role").map((cells) => ({ ...request(cells[0]!), why: cells[1]! }));
}

let team: Team;
let tokens: Record<Role, string | undefined>;
let ids: Record<string, string>;
let unique = 0;

/**
 * A body each request accepts, so that what answers is the permission check and not validation
 * (refusals must come before validation, but an allowed role must get past both to show it is allowed).
 */
function bodyFor(method: string, path: string): unknown {
  const n = ++unique;
  const bodies: Record<string, unknown> = {
    "POST /api/users/invitations": { email: `invitee-${n}@example.com`, name: "Invitee", role: "agent" },
    "PATCH /api/users/{user}": { name: `Renamed ${n}` },
    "POST /api/admin/skill-groups": { name: `Group ${n}` },
    "POST /api/admin/routing/rules": { rule_set: { rules: [], fallback: [{ type: "offline" }] } },
    "POST /api/admin/routing/rules/explain": { rule_set: { rules: [], fallback: [{ type: "offline" }] } },
    "POST /api/tickets": { summary: `Ticket ${n}` },
    "POST /api/tickets/{ticket}/comments": { kind: "internal", body: "note" },
    "PUT /api/tickets/sla-policies": { policies: [{ priority: "low", first_reply_minutes: 600, resolution_minutes: 6000 }] },
    "POST /api/api-keys": { name: `Key ${n}`, scopes: ["tickets:read"] },
    "POST /api/webhooks": { url: "https://receiver.test/never", event_types: ["ticket.created"] },
    "POST /api/conversations/{conversation}/messages": { client_msg_id: `m${n}`, content: { kind: "text", text: "hello" } },
    "POST /api/conversations/{conversation}/receipts": { status: "read", up_to_seq: 1 },
    "POST /api/conversations/{conversation}/state": { to: "offline" },
    "POST /api/conversations/{conversation}/transfer": { to: { kind: "group", group_id: ids.group } },
    "POST /api/conversations/{conversation}/assist": { note: "help" },
    "POST /api/conversations/{conversation}/rating": { score: 5 },
    "POST /api/canned-replies": { title: `Reply ${n}`, body: "Hello" },
  };
  return bodies[`${method} ${path}`] ?? (method === "GET" || method === "DELETE" ? undefined : {});
}

/** What a row's request looks like with the fixtures in place of its placeholders. */
function concrete(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in ids)) throw new Error(`no fixture for {${name}} in ${path}`);
    return ids[name]!;
  });
}

beforeAll(async () => {
  team = await createTeam();
  const visitor = await newVisitor(team);
  tokens = { admin: team.admin, supervisor: team.supervisor, agent: team.agent, visitor: visitor.token, none: undefined };
  const ticket = await json(await post("/api/tickets", team.admin, { summary: "matrix" }), 201);
  const victim = await json(await post("/api/users/invitations", team.admin, { email: "victim@example.com", name: "Victim", role: "agent" }), 201);
  const accepted = await json(await post("/api/account/invitations/accept", undefined, { token: victim.token, password: "a long enough password" }), 201);
  const attachment = await json(await call(`/api/attachments?conversation_id=${visitor.conversation_id}&name=a.txt`, { method: "POST", token: visitor.token, body: "x" }), 201);
  const group = await createGroup(team.admin, "Matrix group", [userId(team, "agent")]);
  ids = {
    contact: visitor.contact_id,
    conversation: visitor.conversation_id,
    review: visitor.conversation_id,
    ticket: ticket.id,
    user: userId(team, "agent", 1),
    victim: accepted.user.id,
    attachment: attachment.id,
    group,
    // Rows whose object need not exist: the permission check answers before the lookup (404 is "allowed").
    schedule: "sch_missing",
    version: "999",
    webhook: "whk_missing",
    delivery: "dlv_missing",
    key: "key_missing",
    reply: "cr_missing",
    lookup: "lkp_missing",
    account: "wxa_missing",
    address: "missing@help.shop.test",
    purpose: "identity",
  };
});

describe("the permission matrix in docs/permissions.md", () => {
  it("has a row in exactly one table for every route the Worker serves, and no row for a route it does not", () => {
    const documented = [...matrix(), ...scopeTable(), ...publicTable()].map((r) => routeKey(`${r.method} ${r.path}`));
    const served = mountedRoutes().map(routeKey);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
    expect(documented.filter((r, i) => documented.indexOf(r) !== i)).toEqual([]);
  });

  it("names each path's parameters the way the routes do", () => {
    const documented = new Set([...matrix(), ...scopeTable(), ...publicTable()].map((r) => `${r.method} ${r.path}`));
    const served = mountedRoutes().map((r) => {
      const [method, path] = r.split(" ");
      return `${method} ${documentedPath(path!)}`;
    });
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });

  it("gives every public route its reason", () => {
    for (const row of publicTable()) expect(row.why.length, `${row.method} ${row.path}`).toBeGreaterThan(20);
  });

  for (const role of ROLES) {
    it(`holds for ${role === "none" ? "a caller without credentials" : `the ${role} role`}`, async () => {
      const failures: string[] = [];
      for (const row of matrix()) {
        // Signing out ends the session it is given: each role signs out a session of its own.
        const token = row.path === "/api/auth/logout" && role !== "visitor" && role !== "none" ? await login(team.seed, role) : tokens[role];
        const body = bodyFor(row.method, row.path);
        const res = await call(concrete(row.path), {
          method: row.method,
          ...(token ? { token } : {}),
          ...(body === undefined ? {} : { json: body }),
          ...(row.path.endsWith("/ws") ? { headers: { upgrade: "websocket" } } : {}),
          redirect: "manual",
        });
        if (res.webSocket) {
          res.webSocket.accept();
          res.webSocket.close(1000, "checked");
        } else await res.body?.cancel();
        const refused = res.status === 401 || res.status === 403;
        const expected = row.allowed[role] ? "allowed" : role === "none" ? "401" : "403";
        const actual = !refused ? "allowed" : String(res.status);
        if (expected !== actual) failures.push(`${row.action} (${row.method} ${row.path}): expected ${expected}, got ${res.status}`);
      }
      expect(failures).toEqual([]);
    });
  }
});

describe("the open API's scope table in docs/permissions.md", () => {
  it("names only scopes that exist", () => {
    expect(scopeTable().filter((r) => !ApiScope.options.includes(r.scope as ApiScope))).toEqual([]);
  });

  it("lets a key with the row's scope through, refuses a key with every other scope 403, and a staff session 401", async () => {
    const failures: string[] = [];
    for (const row of scopeTable()) {
      const withScope = (await createApiKey(team, [row.scope], `only ${row.scope}`)).secret;
      const withoutScope = (await createApiKey(team, ApiScope.options.filter((s) => s !== row.scope), `all but ${row.scope}`)).secret;
      for (const [who, token, want] of [
        ["a key with the scope", withScope, "allowed"],
        ["a key without it", withoutScope, "403"],
        ["an admin's session", team.admin, "401"],
        ["no credentials", undefined, "401"],
      ] as const) {
        const res = await call(concrete(row.path), { method: row.method, ...(token ? { token } : {}), ...(row.method === "GET" ? {} : { json: {} }) });
        await res.body?.cancel();
        const got = res.status === 401 || res.status === 403 ? String(res.status) : "allowed";
        if (got !== want) failures.push(`${row.action} (${row.method} ${row.path}) with ${who}: expected ${want}, got ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("tokens in the query string", () => {
  it("authenticate only the GETs docs/permissions.md names, and every other GET answers 401", async () => {
    const named = new Set(queryTokenTable().map((r) => `${r.method} ${r.path}`));
    expect(named.size).toBeGreaterThan(0);
    const failures: string[] = [];
    const rows = [
      ...matrix().map((r) => ({ ...r, token: r.allowed.admin ? tokens.admin : r.allowed.visitor ? tokens.visitor : r.allowed.agent ? tokens.agent : undefined })),
      ...scopeTable().map((r) => ({ ...r, token: undefined as string | undefined, scope: r.scope })),
    ];
    for (const row of rows.filter((r) => r.method === "GET")) {
      const token = "scope" in row ? (await createApiKey(team, [row.scope as string], `query ${row.scope}`)).secret : row.token;
      if (!token) continue;
      const path = concrete(row.path);
      const res = await call(`${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`, {
        ...(row.path.endsWith("/ws") ? { headers: { upgrade: "websocket" } } : {}),
        redirect: "manual",
      });
      if (res.webSocket) {
        res.webSocket.accept();
        res.webSocket.close(1000, "checked");
      } else await res.body?.cancel();
      const want = named.has(`${row.method} ${row.path}`) ? "allowed" : "401";
      const got = res.status === 401 || res.status === 403 ? String(res.status) : "allowed";
      if (got !== want) failures.push(`${row.method} ${row.path}: expected ${want}, got ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it("names only routes the Worker serves", () => {
    const served = mountedRoutes().map(routeKey);
    expect(queryTokenTable().filter((r) => !served.includes(routeKey(`${r.method} ${r.path}`)))).toEqual([]);
  });
});
