import { beforeAll, describe, expect, it } from "vitest";
import permissionsDoc from "../../docs/permissions.md?raw";
import { call, json, post } from "../support/api.ts";
import { createTeam, newVisitor, userId, type Team } from "../support/fixture.ts";

type Role = "admin" | "supervisor" | "agent" | "visitor" | "none";
const ROLES: Role[] = ["admin", "supervisor", "agent", "visitor", "none"];

interface Row {
  action: string;
  method: string;
  path: string;
  allowed: Record<Role, boolean>;
}

/** The matrix in docs/permissions.md, row by row: the document is what the test enforces. */
function matrix(): Row[] {
  const section = permissionsDoc.slice(permissionsDoc.indexOf("## The matrix"), permissionsDoc.indexOf("## Users,"));
  return section
    .split("\n")
    .filter((line) => /^\| [a-z].* \| `[A-Z]+ \//.test(line))
    .map((line) => {
      const cells = line.split("|").slice(1, -1).map((c) => c.trim());
      const [method, path] = cells[1]!.replaceAll("`", "").split(" ");
      const marks = cells.slice(2);
      if (marks.length !== ROLES.length || marks.some((m) => m !== "✓" && m !== "✗")) throw new Error(`malformed matrix row: ${line}`);
      return { action: cells[0]!, method: method!, path: path!, allowed: Object.fromEntries(ROLES.map((r, i) => [r, marks[i] === "✓"])) as Record<Role, boolean> };
    });
}

let team: Team;
let tokens: Record<Role, string | undefined>;
let ids: Record<string, string>;
let unique = 0;

/** A body each request accepts (validity matters little: refusals must come before validation). */
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
  };
  return bodies[`${method} ${path}`] ?? (method === "GET" ? undefined : {});
}

beforeAll(async () => {
  team = await createTeam();
  const visitor = await newVisitor(team);
  tokens = { admin: team.admin, supervisor: team.supervisor, agent: team.agent, visitor: visitor.token, none: undefined };
  const ticket = await json(await post("/api/tickets", team.admin, { summary: "matrix" }), 201);
  const victim = await json(await post("/api/users/invitations", team.admin, { email: "victim@example.com", name: "Victim", role: "agent" }), 201);
  const accepted = await json(await post("/api/account/invitations/accept", undefined, { token: victim.token, password: "a long enough password" }), 201);
  ids = { contact: visitor.contact_id, conversation: visitor.conversation_id, ticket: ticket.id, user: userId(team, "agent", 1), victim: accepted.user.id };
});

describe("the permission matrix in docs/permissions.md", () => {
  it("has a row for every route family it promises", () => {
    expect(matrix().length).toBeGreaterThanOrEqual(20);
  });

  for (const role of ROLES) {
    it(`holds for ${role === "none" ? "a caller without credentials" : `the ${role} role`}`, async () => {
      const failures: string[] = [];
      for (const row of matrix()) {
        const path = row.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]!);
        const body = bodyFor(row.method, row.path);
        const res = await call(path, { method: row.method, ...(tokens[role] ? { token: tokens[role] } : {}), ...(body === undefined ? {} : { json: body }) });
        await res.body?.cancel();
        const refused = res.status === 401 || res.status === 403;
        const expected = row.allowed[role] ? "allowed" : role === "none" ? "401" : "403";
        const actual = !refused ? "allowed" : String(res.status);
        if (expected !== actual) failures.push(`${row.action} (${row.method} ${row.path}): expected ${expected}, got ${res.status}`);
      }
      expect(failures).toEqual([]);
    });
  }
});
