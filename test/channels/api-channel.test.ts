import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { call, json, messageLog } from "../support/api.ts";
import { createTeam, type Team } from "../support/fixture.ts";

let team: Team;
let secret: string;

beforeAll(async () => {
  team = await createTeam();
  secret = (await json<{ secret: string }>(await call("/api/admin/channels/secrets/api", { method: "POST", token: team.admin }), 201)).secret;
});

/** A request signed as docs/api.md describes, computed with node:crypto. */
function send(body: unknown, options: { timestamp?: number; key?: string; signature?: string } = {}) {
  const text = JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = options.signature ?? `sha256=${createHmac("sha256", options.key ?? secret).update(`${timestamp}.${text}`).digest("hex")}`;
  return call(`/api/channels/api/${team.workspaceId}/messages`, {
    method: "POST",
    body: text,
    headers: { "content-type": "application/json", "x-switchboard-timestamp": timestamp, "x-switchboard-signature": signature },
  });
}

function message(key: string, externalId: string, text: string) {
  return { idempotency_key: key, contact: { external_id: externalId, name: "CRM user" }, content: { kind: "text", text } };
}

describe("the API channel", () => {
  it("posts a signed message into the contact's conversation", async () => {
    const res = await json(await send(message("k1", "crm-1", "Ticket from the CRM")), 201);
    expect(res).toMatchObject({ created: true, duplicate: false, seq: 2 });
    const [posted] = await messageLog(res.conversation_id, team.agent);
    expect(posted).toMatchObject({ content: { text: "Ticket from the CRM" }, sender: { role: "visitor", id: res.contact_id } });
  });

  it("treats a retry with the same idempotency key as the same message", async () => {
    const first = await json(await send(message("retry-1", "crm-2", "once")), 201);
    const again = await json(await send(message("retry-1", "crm-2", "once")), 200);
    expect(again).toMatchObject({ duplicate: true, seq: first.seq, server_msg_id: first.server_msg_id });
    expect(await messageLog(first.conversation_id, team.agent)).toHaveLength(1);
  });

  it("keeps one open conversation per contact", async () => {
    const a = await json(await send(message("c1", "crm-3", "one")), 201);
    const b = await json(await send(message("c2", "crm-3", "two")), 201);
    expect(b.conversation_id).toBe(a.conversation_id);
    expect(b.created).toBe(false);
  });

  it("refuses a signature made with another key", async () => {
    const res = await send(message("bad", "crm-4", "x"), { key: "not-the-secret" });
    expect((await json(res, 401)).error.code).toBe("signature_invalid");
  });

  it("refuses a body changed after signing", async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signed = JSON.stringify(message("t1", "crm-5", "original"));
    const signature = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${signed}`).digest("hex")}`;
    const res = await call(`/api/channels/api/${team.workspaceId}/messages`, {
      method: "POST",
      body: JSON.stringify(message("t1", "crm-5", "tampered")),
      headers: { "x-switchboard-timestamp": timestamp, "x-switchboard-signature": signature },
    });
    expect((await json(res, 401)).error.code).toBe("signature_invalid");
  });

  it("refuses a replayed request whose timestamp is stale", async () => {
    const res = await send(message("old", "crm-6", "x"), { timestamp: Math.floor(Date.now() / 1000) - 900 });
    expect((await json(res, 401)).error.code).toBe("timestamp_out_of_window");
  });

  it("refuses a contact without any identity", async () => {
    const res = await send({ idempotency_key: "n1", contact: { name: "nobody" }, content: { kind: "text", text: "x" } });
    expect((await json(res, 400)).error.code).toBe("invalid_request");
  });
});
