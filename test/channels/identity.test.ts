import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { call, json, postMessage, startVisitor } from "../support/api.ts";
import { createTeam, type Team } from "../support/fixture.ts";

let team: Team;
let secret: string;

/** What the customer's own server computes for a signed-in user (docs/channels.md). */
function hashFor(userId: string, key = secret): string {
  return createHmac("sha256", key).update(userId).digest("hex");
}

function session(body: Record<string, unknown>) {
  return call("/api/widget/sessions", { method: "POST", json: { widget_key: team.seed.workspace.widgetKey, context: { channel: "web" }, ...body } });
}

beforeAll(async () => {
  team = await createTeam();
  const created = await json<{ secret: string }>(await call("/api/admin/channels/secrets/identity", { method: "POST", token: team.admin }), 201);
  secret = created.secret;
});

describe("identity verification", () => {
  it("recognises a signed-in user on a second device as the same contact", async () => {
    const first = await json(await session({ user_id: "cust-42", user_hash: hashFor("cust-42") }), 201);
    const second = await json(await session({ user_id: "cust-42", user_hash: hashFor("cust-42") }));
    expect(second.visitor_id).not.toBe(first.visitor_id);
    expect(second.contact_id).toBe(first.contact_id);
    expect(second.conversation_id).toBe(first.conversation_id);
  });

  it("refuses a user_hash made without the workspace secret", async () => {
    const victim = await json(await session({ user_id: "cust-victim", user_hash: hashFor("cust-victim") }), 201);
    const forged = await session({ user_id: "cust-victim", user_hash: hashFor("cust-victim", "a-guessed-secret") });
    expect(forged.status).toBe(401);
    expect((await json(forged)).error.code).toBe("signature_invalid");
    const reused = await session({ user_id: "cust-victim", user_hash: hashFor("cust-someone-else") });
    expect((await json(reused, 401)).error.code).toBe("signature_invalid");
    expect(victim.contact_id).toMatch(/^ct_/);
  });

  it("refuses a user_id without its user_hash", async () => {
    const res = await session({ user_id: "cust-7" });
    expect((await json(res, 400)).error.message).toMatch(/user_id and user_hash go together/);
  });

  it("refuses identity verification in a workspace that has no identity secret", async () => {
    const other = await createTeam();
    const res = await call("/api/widget/sessions", {
      method: "POST",
      json: { widget_key: other.seed.workspace.widgetKey, user_id: "u1", user_hash: hashFor("u1") },
    });
    expect((await json(res, 403)).error.message).toMatch(/identity verification is not set up/);
  });

  it("shows the identity secret only when it is created, and only to admins", async () => {
    const res = await call("/api/admin/channels/secrets/identity", { method: "POST", token: team.agent });
    expect(res.status).toBe(403);
  });
});

describe("merging contacts", () => {
  it("keeps both contacts' conversations reachable from the merged contact", async () => {
    const a = await startVisitor(team.seed);
    const b = await startVisitor(team.seed);
    await json(await postMessage(a.conversation_id, a.token, "m1", "hello from a"), 201);
    await json(await postMessage(b.conversation_id, b.token, "m1", "hello from b"), 201);

    const merged = await json(
      await call(`/api/contacts/${a.contact_id}/merge`, { method: "POST", token: team.supervisor, json: { from_contact_id: b.contact_id } }),
      200,
    );
    expect(merged.conversations.map((c: any) => c.id).sort()).toEqual([a.conversation_id, b.conversation_id].sort());
    expect(merged.identities.map((i: any) => i.value).sort()).toEqual([a.visitor_id, b.visitor_id].sort());

    const old = await json(await call(`/api/contacts/${b.contact_id}`, { token: team.agent }), 200);
    expect(old.merged_into).toBe(a.contact_id);
    expect(old.conversations).toEqual([]);
  });

  it("finds the merged contact when the merged-away visitor comes back", async () => {
    const a = await startVisitor(team.seed);
    const b = await startVisitor(team.seed);
    await json(await call(`/api/contacts/${a.contact_id}/merge`, { method: "POST", token: team.admin, json: { from_contact_id: b.contact_id } }), 200);
    const back = await startVisitor(team.seed, { visitor_id: b.visitor_id });
    expect(back.contact_id).toBe(a.contact_id);
  });

  it("leaves the merged history readable by staff in full", async () => {
    const a = await startVisitor(team.seed);
    const b = await startVisitor(team.seed);
    await json(await postMessage(b.conversation_id, b.token, "m1", "before the merge"), 201);
    await json(await call(`/api/contacts/${a.contact_id}/merge`, { method: "POST", token: team.admin, json: { from_contact_id: b.contact_id } }), 200);
    const events = await json(await call(`/api/conversations/${b.conversation_id}/events`, { token: team.agent }), 200);
    expect(events.events.some((e: any) => e.type === "message" && e.content.text === "before the merge")).toBe(true);
  });

  it("refuses to merge a contact into itself or across workspaces", async () => {
    const a = await startVisitor(team.seed);
    const self = await call(`/api/contacts/${a.contact_id}/merge`, { method: "POST", token: team.admin, json: { from_contact_id: a.contact_id } });
    expect((await json(self, 400)).error.message).toMatch(/into itself/);
    const other = await createTeam();
    const foreign = await startVisitor(other.seed);
    const res = await call(`/api/contacts/${a.contact_id}/merge`, { method: "POST", token: team.admin, json: { from_contact_id: foreign.contact_id } });
    expect(res.status).toBe(404);
  });

  it("lets only supervisors and admins merge", async () => {
    const a = await startVisitor(team.seed);
    const b = await startVisitor(team.seed);
    const res = await call(`/api/contacts/${a.contact_id}/merge`, { method: "POST", token: team.agent, json: { from_contact_id: b.contact_id } });
    expect(res.status).toBe(403);
  });
});
