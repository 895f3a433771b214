import { beforeAll, describe, expect, it } from "vitest";
import { call, json, post } from "../support/api.ts";
import { createApiKey, v1 } from "../support/api-keys.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

describe("API keys", () => {
  it("shows the secret once, at creation, and never in the list", async () => {
    const key = await createApiKey(team, ["conversations:read"]);
    expect(key.secret).toMatch(/^sbk_/);
    const list = await json(await call("/api/api-keys", { token: team.admin }), 200);
    const row = list.items.find((k: any) => k.id === key.id);
    expect(row).toMatchObject({ id: key.id, scopes: ["conversations:read"], revoked_at: null });
    expect(JSON.stringify(list)).not.toContain(key.secret);
    expect(key.secret.startsWith(row.prefix)).toBe(true);
  });

  it("lets only admins create keys", async () => {
    for (const token of [team.agent, team.supervisor]) {
      const res = await post("/api/api-keys", token, { name: "x", scopes: ["conversations:read"] });
      expect((await json(res, 403)).error.code).toBe("forbidden");
    }
  });

  it("refuses an unknown scope with the list of valid ones", async () => {
    const res = await post("/api/api-keys", team.admin, { name: "x", scopes: ["everything"] });
    expect((await json(res, 400)).error.code).toBe("invalid_request");
  });

  it("authenticates open-API calls and records when the key was last used", async () => {
    const key = await createApiKey(team, ["conversations:read"]);
    await json(await v1("/conversations", key.secret), 200);
    const list = await json(await call("/api/api-keys", { token: team.admin }), 200);
    expect(list.items.find((k: any) => k.id === key.id).last_used_at).toBeGreaterThan(0);
  });

  it("answers 403 for a route outside the key's scopes", async () => {
    const key = await createApiKey(team, ["conversations:read"]);
    const res = await v1("/contacts", key.secret);
    const body = await json(res, 403);
    expect(body.error).toMatchObject({ code: "forbidden" });
    expect(body.error.message).toContain("contacts:read");
  });

  it("stops working the moment it is revoked", async () => {
    const key = await createApiKey(team, ["conversations:read"]);
    await json(await v1("/conversations", key.secret), 200);
    await json(await call(`/api/api-keys/${key.id}`, { method: "DELETE", token: team.admin }), 200);
    expect((await json(await v1("/conversations", key.secret), 401)).error.code).toBe("unauthorized");
  });

  it("answers 401 without a key, and does not accept a staff session as one", async () => {
    expect((await json(await call("/v1/conversations"), 401)).error.code).toBe("unauthorized");
    expect((await json(await call("/v1/conversations", { token: team.admin }), 401)).error.code).toBe("unauthorized");
  });

  it("cannot be revoked by another workspace's admin", async () => {
    const key = await createApiKey(team, ["conversations:read"]);
    await json(await call(`/api/api-keys/${key.id}`, { method: "DELETE", token: other.admin }), 404);
    await json(await v1("/conversations", key.secret), 200);
  });
});

describe("an API key's workspace", () => {
  it("bounds every resource: another workspace's conversation, events and contact are not found", async () => {
    const visitor = await newVisitor(team);
    const foreign = await createApiKey(other);
    for (const path of [
      `/conversations/${visitor.conversation_id}`,
      `/conversations/${visitor.conversation_id}/events`,
      `/contacts/${visitor.contact_id}`,
    ]) {
      expect((await json(await v1(path, foreign.secret), 404)).error.code, path).toBe("not_found");
    }
    const send = await v1(`/conversations/${visitor.conversation_id}/messages`, foreign.secret, {
      method: "POST",
      json: { client_msg_id: "x-1", content: { kind: "text", text: "hi" }, as: { role: "bot", name: "Intruder" } },
    });
    expect(send.status).toBe(404);
    const lists = [
      await json(await v1("/conversations?limit=100", foreign.secret), 200),
      await json(await v1("/contacts?limit=100", foreign.secret), 200),
    ];
    for (const list of lists) for (const item of list.items) expect(item.workspace_id).toBe(other.workspaceId);
  });

  it("cannot send as a user of another workspace", async () => {
    const visitor = await newVisitor(team);
    const key = await createApiKey(team);
    const outsider = other.seed.users.find((u) => u.role === "agent")!.id;
    const res = await v1(`/conversations/${visitor.conversation_id}/messages`, key.secret, {
      method: "POST",
      json: { client_msg_id: "x-2", content: { kind: "text", text: "hi" }, as: { role: "agent", user_id: outsider } },
    });
    expect((await json(res, 400)).error.code).toBe("invalid_request");
  });
});
