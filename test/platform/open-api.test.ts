import { beforeAll, describe, expect, it } from "vitest";
import { call, json, messageLog } from "../support/api.ts";
import { ALL_SCOPES, createApiKey, v1 } from "../support/api-keys.ts";
import { createTeam, newVisitor, userId, type Team } from "../support/fixture.ts";
import { v1Routes } from "../../workers/v1/app.ts";

let team: Team;
let key: { id: string; secret: string };
beforeAll(async () => {
  team = await createTeam();
  key = await createApiKey(team, ALL_SCOPES);
});

function send(conversationId: string, body: unknown, idempotencyKey?: string) {
  return v1(`/conversations/${conversationId}/messages`, key.secret, { method: "POST", json: body, ...(idempotencyKey ? { idempotencyKey } : {}) });
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 and documents every mounted route", async () => {
    const doc = await json(await call("/v1/openapi.json"), 200);
    expect(doc.openapi).toBe("3.1.0");
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path}`);
    const mounted = new Set(
      v1Routes.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path.replace(/:([a-z_]+)/g, "{$1}")}`),
    );
    expect([...mounted].sort()).toEqual([...documented].sort());
  });

  it("has every documented path answer through the Worker (no 'no route')", async () => {
    const doc = await json(await call("/v1/openapi.json"), 200);
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const concrete = path.replace(/\{[a-z_]+\}/g, "cv_00000000000000000000000000");
        const res = await v1(concrete, key.secret, { method: method.toUpperCase(), ...(method === "get" ? {} : { json: {} }) });
        const body = await res.json<any>();
        expect(body?.error?.message ?? "", `${method} ${path}`).not.toMatch(/^no route/);
        expect(res.status, `${method} ${path}`).not.toBe(401);
      }
    }
  });

  it("is browsable at /v1/docs without any outside script", async () => {
    const res = await call("/v1/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("/v1/conversations/{id}/messages");
    expect(html).not.toMatch(/<script|https?:\/\/cdn/i);
  });
});

describe("sending through the open API", () => {
  it("delivers a message as an agent into the conversation's log with its own seq", async () => {
    const visitor = await newVisitor(team);
    const agentId = userId(team, "agent");
    const res = await send(visitor.conversation_id, { client_msg_id: "api-1", content: { kind: "text", text: "Your order shipped" }, as: { role: "agent", user_id: agentId } });
    const ack = await json(res, 201);
    expect(ack.seq).toBeGreaterThan(visitor.head_seq);
    const log = await messageLog(visitor.conversation_id, visitor.token);
    expect(log.map((m) => [m.sender.id, m.content.text])).toEqual([[agentId, "Your order shipped"]]);
  });

  it("sends as a named bot", async () => {
    const visitor = await newVisitor(team);
    await json(await send(visitor.conversation_id, { client_msg_id: "bot-1", content: { kind: "text", text: "Hello from the bot" }, as: { role: "bot", name: "Order bot" } }), 201);
    const [message] = await messageLog(visitor.conversation_id, visitor.token);
    expect(message.sender).toMatchObject({ role: "bot", id: key.id, name: "Order bot" });
  });

  it("deduplicates a resent client_msg_id like every other client", async () => {
    const visitor = await newVisitor(team);
    const body = { client_msg_id: "dup-1", content: { kind: "text", text: "once" }, as: { role: "bot", name: "Bot" } };
    const first = await json(await send(visitor.conversation_id, body), 201);
    const again = await json(await send(visitor.conversation_id, body), 200);
    expect(again).toMatchObject({ seq: first.seq, duplicate: true });
    expect(await messageLog(visitor.conversation_id, visitor.token)).toHaveLength(1);
  });

  it("rejects a body that breaks the schema with the field at fault", async () => {
    const visitor = await newVisitor(team);
    const body = await json(await send(visitor.conversation_id, { client_msg_id: "bad", content: { kind: "text", text: "x" } }), 400);
    expect(body.error.code).toBe("invalid_request");
    expect(JSON.stringify(body.error.details)).toContain("as");
  });

  it("answers invalid_json to a body that is not JSON", async () => {
    const visitor = await newVisitor(team);
    const res = await v1(`/conversations/${visitor.conversation_id}/messages`, key.secret, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect((await json(res, 400)).error.code).toBe("invalid_json");
  });
});

describe("idempotency keys", () => {
  it("replay the first response for the same key and body, without a second effect", async () => {
    const visitor = await newVisitor(team);
    const body = { client_msg_id: "idem-1", content: { kind: "text", text: "exactly once" }, as: { role: "bot", name: "Bot" } };
    const first = await send(visitor.conversation_id, body, "idem-key-1");
    const firstBody = await json(first, 201);
    const second = await send(visitor.conversation_id, body, "idem-key-1");
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(second)).toEqual(firstBody);
    expect(await messageLog(visitor.conversation_id, visitor.token)).toHaveLength(1);
  });

  it("refuse the same key with a different body with 409", async () => {
    const visitor = await newVisitor(team);
    await json(await send(visitor.conversation_id, { client_msg_id: "idem-2", content: { kind: "text", text: "a" }, as: { role: "bot", name: "B" } }, "idem-key-2"), 201);
    const res = await send(visitor.conversation_id, { client_msg_id: "idem-3", content: { kind: "text", text: "b" }, as: { role: "bot", name: "B" } }, "idem-key-2");
    expect((await json(res, 409)).error.code).toBe("idempotency_conflict");
    expect(await messageLog(visitor.conversation_id, visitor.token)).toHaveLength(1);
  });

  it("are kept per API key: another key may use the same value", async () => {
    const visitor = await newVisitor(team);
    const second = await createApiKey(team);
    await json(await send(visitor.conversation_id, { client_msg_id: "k-1", content: { kind: "text", text: "a" }, as: { role: "bot", name: "B" } }, "shared"), 201);
    const res = await v1(`/conversations/${visitor.conversation_id}/messages`, second.secret, {
      method: "POST",
      idempotencyKey: "shared",
      json: { client_msg_id: "k-2", content: { kind: "text", text: "b" }, as: { role: "bot", name: "B" } },
    });
    expect(res.status).toBe(201);
  });
});

describe("lists", () => {
  it("page through contacts with a cursor, each contact once", async () => {
    const mine = await Promise.all([1, 2, 3, 4, 5].map(() => newVisitor(team)));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const page: any = await json(await v1(`/contacts?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, key.secret), 200);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c: any) => c.id));
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const v of mine) expect(seen).toContain(v.contact_id);
  });

  it("refuse a cursor the API did not hand out", async () => {
    expect((await json(await v1("/contacts?cursor=garbage", key.secret), 400)).error.code).toBe("invalid_request");
  });

  it("list agents, skill groups and filter agents by role", async () => {
    const agents = await json(await v1("/agents?role=agent", key.secret), 200);
    expect(agents.items.map((a: any) => a.role)).toEqual(["agent", "agent"]);
    const groups = await json(await v1("/skill-groups", key.secret), 200);
    expect(groups).toMatchObject({ items: [], next_cursor: null });
  });

  it("update a contact's name", async () => {
    const visitor = await newVisitor(team);
    const updated = await json(await v1(`/contacts/${visitor.contact_id}`, key.secret, { method: "PATCH", json: { name: "Li Lei" } }), 200);
    expect(updated).toMatchObject({ id: visitor.contact_id, name: "Li Lei" });
  });
});

describe("routing rules through the open API", () => {
  it("publishes a rule set and reads it back as the live version", async () => {
    const own = await createTeam();
    const ownKey = await createApiKey(own, ["routing:read", "routing:write"]);
    const published = await json(
      await v1("/routing/rules", ownKey.secret, { method: "POST", json: { rule_set: { rules: [], fallback: [{ type: "offline" }] }, note: "from the API" } }),
      201,
    );
    expect(published).toMatchObject({ version: 1, note: "from the API", published_by: ownKey.id });
    expect(await json(await v1("/routing/rules", ownKey.secret), 200)).toMatchObject({ version: 1 });
  });

  it("refuses a rule set without a terminal fallback, naming the field", async () => {
    const body = await json(await v1("/routing/rules", key.secret, { method: "POST", json: { rule_set: { rules: [], fallback: [] } } }), 400);
    expect(body.error.code).toBe("invalid_request");
    expect(JSON.stringify(body.error.details)).toContain("fallback");
  });
});
