import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, json, post, startVisitor } from "../support/api.ts";
import { FakeSystem } from "../support/fake-system.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";

const crm = new FakeSystem("https://crm.test").install();
afterAll(() => crm.uninstall());

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

async function lookup(owner: Team, body: Record<string, unknown>) {
  return json(await post("/api/context-lookups", owner.admin, { name: "Orders", url_template: "https://crm.test/orders?email={contact.email}", ...body }), 201);
}

function context(contactId: string, token: string) {
  return call(`/api/contacts/${contactId}/context`, { token });
}

describe("context lookups", () => {
  it("fetch the contact's orders with the configured auth header and show them in the panel", async () => {
    const own = await createTeam();
    await lookup(own, { auth_header: { name: "Authorization", value: "Bearer crm-secret" } });
    const visitor = await startVisitor(own.seed, { email: "li.lei+vip@example.com" });
    crm.handler = (req) => Response.json({ email: new URL(req.url).searchParams.get("email"), orders: [{ id: "1001", status: "shipped" }] });
    const before = crm.requests.length;
    const body = await json(await context(visitor.contact_id, own.agent), 200);
    expect(body.lookups).toEqual([
      expect.objectContaining({ name: "Orders", status: "ok", cached: false, data: { email: "li.lei+vip@example.com", orders: [{ id: "1001", status: "shipped" }] } }),
    ]);
    const sent = crm.requests[before]!;
    expect(sent.headers.get("authorization")).toBe("Bearer crm-secret");
    expect(new URL(sent.url).search).toBe("?email=li.lei%2Bvip%40example.com");
  });

  it("answer from the cache within the TTL, and fetch again after the lookup changes", async () => {
    const own = await createTeam();
    const created = await lookup(own, { url_template: "https://crm.test/member/{contact.id}", cache_ttl_seconds: 600 });
    const visitor = await newVisitor(own);
    crm.handler = () => Response.json({ level: "gold" });
    const before = crm.requests.length;
    expect((await json(await context(visitor.contact_id, own.agent), 200)).lookups[0]).toMatchObject({ status: "ok", cached: false });
    expect((await json(await context(visitor.contact_id, own.agent), 200)).lookups[0]).toMatchObject({ status: "ok", cached: true, data: { level: "gold" } });
    expect(crm.requests.length - before).toBe(1);
    await json(await call(`/api/context-lookups/${created.id}`, { method: "PATCH", token: own.admin, json: { name: "Membership" } }), 200);
    expect((await json(await context(visitor.contact_id, own.agent), 200)).lookups[0]).toMatchObject({ name: "Membership", cached: false });
  });

  it("degrade to unavailable when the system fails, is slow, or the contact lacks a field — and the others still answer", async () => {
    const own = await createTeam();
    await lookup(own, { name: "Broken", url_template: "https://crm.test/broken/{contact.id}" });
    await lookup(own, { name: "Slow", url_template: "https://crm.test/slow/{contact.id}", timeout_ms: 100 });
    await lookup(own, { name: "Needs email", url_template: "https://crm.test/x?e={contact.email}" });
    await lookup(own, { name: "Fine", url_template: "https://crm.test/fine/{contact.id}" });
    crm.handler = async (req) => {
      const path = new URL(req.url).pathname;
      if (path.startsWith("/broken")) return new Response("boom", { status: 500 });
      if (path.startsWith("/slow")) await new Promise((r) => setTimeout(r, 1000));
      return Response.json({ ok: true });
    };
    const visitor = await newVisitor(own);
    const body = await json(await context(visitor.contact_id, own.agent), 200);
    const byName = Object.fromEntries(body.lookups.map((l: any) => [l.name, l]));
    expect(byName.Broken).toMatchObject({ status: "unavailable", reason: "the system answered HTTP 500" });
    expect(byName.Slow).toMatchObject({ status: "unavailable", reason: "no answer within 100 ms" });
    expect(byName["Needs email"]).toMatchObject({ status: "unavailable", reason: "the contact has no contact.email" });
    expect(byName.Fine).toMatchObject({ status: "ok", data: { ok: true } });
  });

  it("never show the auth header's value again, and are configured by admins only", async () => {
    const own = await createTeam();
    await lookup(own, { auth_header: { name: "X-Api-Key", value: "very-secret" } });
    const listed = await json(await call("/api/context-lookups", { token: own.admin }), 200);
    expect(listed.items[0].auth_header_name).toBe("X-Api-Key");
    expect(JSON.stringify(listed)).not.toContain("very-secret");
    const res = await post("/api/context-lookups", own.supervisor, { name: "x", url_template: "https://crm.test/" });
    expect((await json(res, 403)).error.code).toBe("forbidden");
  });

  it("refuse a template with an unknown placeholder", async () => {
    const res = await post("/api/context-lookups", team.admin, { name: "x", url_template: "https://crm.test/{contact.phone}" });
    expect((await json(res, 400)).error.code).toBe("invalid_request");
  });

  it("keep another workspace out of the contact's context and the lookups", async () => {
    const created = await lookup(team, {});
    const visitor = await newVisitor(team);
    expect((await json(await context(visitor.contact_id, other.agent), 404)).error.code).toBe("not_found");
    expect((await json(await call(`/api/context-lookups/${created.id}`, { method: "PATCH", token: other.admin, json: { name: "mine" } }), 404)).error.code).toBe("not_found");
    expect((await json(await call(`/api/context-lookups/${created.id}`, { method: "DELETE", token: other.admin }), 404)).error.code).toBe("not_found");
  });
});
