import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, json, post, postMessage, waitUntil } from "../support/api.ts";
import { createApiKey, v1 } from "../support/api-keys.ts";
import { runCronAt } from "../support/cron.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { TestReceiver, verifySignature } from "../support/receiver.ts";
import webhooksDoc from "../../docs/webhooks.md?raw";

const receiver = new TestReceiver().install();
afterAll(() => receiver.uninstall());

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

/** A subscription of a fresh workspace (so only its own events reach it) pointing at the test receiver. */
async function subscribe(owner: Team, eventTypes: string[], mode: "ok" | "flaky" | "down" = "ok") {
  const url = receiver.endpoint(mode);
  const hook = await json(await post("/api/webhooks", owner.admin, { url, event_types: eventTypes }), 201);
  receiver.configure(url, { secret: hook.secret });
  return { ...hook, url };
}

function deliveries(owner: Team, webhookId: string, query = "") {
  return call(`/api/webhooks/${webhookId}/deliveries?limit=100${query}`, { token: owner.admin }).then((r) => json(r, 200));
}

describe("webhook deliveries", () => {
  it("carry conversation and message events, signed as the docs say, retried after a 500, each event accepted once", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["conversation.created", "message.created"], "flaky");
    const visitor = await newVisitor(own);
    for (const i of [1, 2, 3, 4]) await json(await postMessage(visitor.conversation_id, visitor.token, `m-${i}`, `hello ${i}`), 201);
    await waitUntil("five events accepted", async () => receiver.accepted(hook.url).length >= 5 || undefined, { timeoutMs: 15_000 });

    const all = receiver.at(hook.url);
    expect(all.every((r) => r.signatureValid)).toBe(true);
    const accepted = receiver.accepted(hook.url);
    expect(new Set(accepted.map((r) => r.eventId)).size).toBe(accepted.length);
    expect(accepted.map((r) => r.type).sort()).toEqual(["conversation.created", "message.created", "message.created", "message.created", "message.created"]);
    const texts = accepted.filter((r) => r.type === "message.created").map((r) => r.body.data.content.text).sort();
    expect(texts).toEqual(["hello 1", "hello 2", "hello 3", "hello 4"]);
    for (const r of accepted) expect(r.body.id).toBe(r.eventId);

    const failed = all.filter((r) => r.status === 500);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(accepted.map((r) => r.eventId)).toContain(f.eventId);
    const log = await deliveries(own, hook.id);
    const retried = log.items.find((d: any) => d.event_id === failed[0]!.eventId);
    expect(retried).toMatchObject({ status: "delivered", attempts: 2 });
    expect(retried.log.map((a: any) => a.status_code)).toEqual([500, 200]);
  });

  it("reach only subscriptions for that event type", async () => {
    const own = await createTeam();
    const tickets = await subscribe(own, ["ticket.created"]);
    const messages = await subscribe(own, ["message.created"]);
    const visitor = await newVisitor(own);
    await json(await postMessage(visitor.conversation_id, visitor.token, "only-1", "only messages"), 201);
    await waitUntil("the message event", async () => receiver.accepted(messages.url).length >= 1 || undefined);
    await json(await post("/api/tickets", own.agent, { summary: "one ticket" }), 201);
    await waitUntil("the ticket event", async () => receiver.accepted(tickets.url).length >= 1 || undefined);
    expect(receiver.at(tickets.url).map((r) => r.type)).toEqual(["ticket.created"]);
    expect(receiver.at(messages.url).map((r) => r.type)).toEqual(["message.created"]);
  });

  it("report conversation.ended when the visitor ends the conversation", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["conversation.ended"]);
    const visitor = await newVisitor(own);
    await json(await post(`/api/conversations/${visitor.conversation_id}/state`, visitor.token, { to: "ended", reason: "done" }), 200);
    const [ended] = await waitUntil("the ended event", async () => (receiver.accepted(hook.url).length ? receiver.accepted(hook.url) : undefined));
    expect(ended!.body).toMatchObject({ type: "conversation.ended", workspace_id: own.workspaceId, data: { conversation_id: visitor.conversation_id, reason: "done" } });
  });

  it("go dead after 8 failed attempts, and a replay sends the same event again", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["ticket.created"], "down");
    const ticket = await json(await post("/api/tickets", own.agent, { summary: "never arrives" }), 201);
    const dead = await waitUntil("a dead delivery", async () => (await deliveries(own, hook.id, "&status=dead")).items[0], { timeoutMs: 15_000 });
    expect(dead.attempts).toBe(8);
    expect(dead.log.map((a: any) => a.status_code)).toEqual(Array(8).fill(500));
    expect(receiver.at(hook.url)).toHaveLength(8);

    receiver.configure(hook.url, { mode: "ok" });
    await json(await call(`/api/webhooks/deliveries/${dead.id}/replay`, { method: "POST", token: own.admin }), 202);
    const [accepted] = await waitUntil("the replayed event", async () => (receiver.accepted(hook.url).length ? receiver.accepted(hook.url) : undefined));
    expect(accepted!.eventId).toBe(dead.event_id);
    expect(accepted!.body.data.ticket.id).toBe(ticket.id);
    const after = (await deliveries(own, hook.id)).items[0];
    expect(after).toMatchObject({ status: "delivered", attempts: 1, last_status_code: 200 });
  });

  it("stop when the subscription is deactivated", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["ticket.created"]);
    await json(await call(`/api/webhooks/${hook.id}`, { method: "PATCH", token: own.admin, json: { active: false } }), 200);
    await json(await post("/api/tickets", own.agent, { summary: "quiet" }), 201);
    expect((await deliveries(own, hook.id)).items).toEqual([]);
  });
});

describe("ticket and contact events", () => {
  it("announce ticket changes, comments and SLA breaches", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["ticket.created", "ticket.updated", "ticket.breached"]);
    const ticket = await json(await post("/api/tickets", own.agent, { summary: "SLA", priority: "urgent" }), 201);
    await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", token: own.agent, json: { status: "pending" } }), 200);
    await json(await post(`/api/tickets/${ticket.id}/comments`, own.agent, { kind: "internal", body: "looking" }), 201);
    await runCronAt(Date.now() + 31 * 60_000);
    const events = await waitUntil("four ticket events", async () => (receiver.accepted(hook.url).length >= 4 ? receiver.accepted(hook.url) : undefined));
    const byType = (type: string) => events.filter((e) => e.type === type).map((e) => e.body.data);
    expect(byType("ticket.created")[0].ticket.id).toBe(ticket.id);
    expect(byType("ticket.updated").map((d) => d.changes?.status ?? d.comment?.body)).toEqual(expect.arrayContaining([["open", "pending"], "looking"]));
    expect(byType("ticket.breached")[0]).toMatchObject({ breach: "first_reply", due_at: ticket.first_reply_due_at });
  });

  it("are delivered once when the outbox is drained again after a crash before its delete", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["ticket.created"]);
    await json(await post("/api/tickets", own.agent, { summary: "exactly once" }), 201);
    const [first] = await waitUntil("the ticket event", async () => (receiver.accepted(hook.url).length ? receiver.accepted(hook.url) : undefined));
    // What a drain that died after recording the deliveries but before deleting its rows leaves behind.
    const delivery = (await env.DB.prepare("SELECT payload, created_at FROM webhook_deliveries WHERE webhook_id = ?").bind(hook.id).first<{ payload: string; created_at: number }>())!;
    await env.DB.prepare("INSERT INTO webhook_outbox (workspace_id, event_id, event, created_at) VALUES (?, ?, ?, ?)")
      .bind(own.workspaceId, first!.eventId, delivery.payload, delivery.created_at)
      .run();
    await runCronAt(Date.now());
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_outbox WHERE workspace_id = ?").bind(own.workspaceId).first<{ n: number }>())!.n).toBe(0);
    const log = await deliveries(own, hook.id);
    expect(log.items.map((d: any) => d.event_id)).toEqual([first!.eventId]);
    expect(receiver.at(hook.url).map((r) => r.eventId)).toEqual([first!.eventId]);
  });

  it("left in the outbox by a request that stopped after storing its change are published by the cron", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["ticket.updated"]);
    const ticket = await json(await post("/api/tickets", own.agent, { summary: "interrupted" }), 201);
    const event = { id: "evt_left_in_outbox", type: "ticket.updated", workspace_id: own.workspaceId, created_at: Date.now(), data: { ticket, changes: { status: ["open", "pending"] } } };
    await env.DB.prepare("INSERT INTO webhook_outbox (workspace_id, event_id, event, created_at) VALUES (?, ?, ?, ?)")
      .bind(own.workspaceId, event.id, JSON.stringify(event), event.created_at)
      .run();
    await runCronAt(Date.now());
    const [accepted] = await waitUntil("the event from the outbox", async () => (receiver.accepted(hook.url).length ? receiver.accepted(hook.url) : undefined));
    expect(accepted!.eventId).toBe("evt_left_in_outbox");
    expect(accepted!.body).toEqual(event);
  });

  it("announce a contact changed through the open API", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["contact.updated"]);
    const visitor = await newVisitor(own);
    const key = await createApiKey(own, ["contacts:write"]);
    await json(await v1(`/contacts/${visitor.contact_id}`, key.secret, { method: "PATCH", json: { email: "li@example.com" } }), 200);
    const [event] = await waitUntil("the contact event", async () => (receiver.accepted(hook.url).length ? receiver.accepted(hook.url) : undefined));
    expect(event!.body.data.contact).toMatchObject({ id: visitor.contact_id, email: "li@example.com" });
  });
});

describe("webhook administration", () => {
  it("is for admins only, and shows the secret once", async () => {
    for (const token of [team.agent, team.supervisor]) {
      expect((await json(await post("/api/webhooks", token, { url: "https://receiver.test/x", event_types: ["ticket.created"] }), 403)).error.code).toBe("forbidden");
    }
    const hook = await subscribe(team, ["ticket.created"]);
    const listed = await json(await call("/api/webhooks", { token: team.admin }), 200);
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
  });

  it("refuses a URL that is not http(s) and an unknown event type", async () => {
    expect((await json(await post("/api/webhooks", team.admin, { url: "ftp://x.test/", event_types: ["ticket.created"] }), 400)).error.code).toBe("invalid_request");
    expect((await json(await post("/api/webhooks", team.admin, { url: "https://x.test/", event_types: ["everything"] }), 400)).error.code).toBe("invalid_request");
  });

  it("keeps another workspace out of subscriptions, logs and replays", async () => {
    const hook = await subscribe(team, ["ticket.created"]);
    await json(await post("/api/tickets", team.agent, { summary: "mine" }), 201);
    const delivery = await waitUntil("a delivery", async () => (await deliveries(team, hook.id)).items[0]);
    expect((await json(await call(`/api/webhooks/${hook.id}`, { token: other.admin }), 404)).error.code).toBe("not_found");
    expect((await json(await call(`/api/webhooks/${hook.id}/deliveries`, { token: other.admin }), 404)).error.code).toBe("not_found");
    expect((await json(await call(`/api/webhooks/deliveries/${delivery.id}/replay`, { method: "POST", token: other.admin }), 404)).error.code).toBe("not_found");
    expect((await json(await call(`/api/webhooks/${hook.id}`, { method: "DELETE", token: other.admin }), 404)).error.code).toBe("not_found");
  });
});

/** The subscription's row as D1 holds it. */
async function storedSecret(webhookId: string): Promise<string> {
  return (await env.DB.prepare("SELECT secret FROM webhooks WHERE id = ?").bind(webhookId).first<{ secret: string }>())!.secret;
}

describe("webhook secrets", () => {
  it("are stored sealed, never as the secret itself", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["ticket.created"]);
    const stored = await storedSecret(hook.id);
    expect(hook.secret).toMatch(/^whsec_/);
    expect(stored).toMatch(/^sb1\./);
    expect(stored).not.toContain(hook.secret.slice(6));
    await json(await post("/api/tickets", own.agent, { summary: "signed" }), 201);
    const [accepted] = await waitUntil("the ticket event", async () => (receiver.accepted(hook.url).length ? receiver.accepted(hook.url) : undefined));
    expect(accepted!.signatureValid).toBe(true);
  });

  it("rotate to a new secret shown once, which signs every later delivery instead of the old one", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["ticket.created"]);
    const rotated = await json(await post(`/api/webhooks/${hook.id}/secret`, own.admin, {}), 200);
    expect(rotated).toMatchObject({ id: hook.id, url: hook.url });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(hook.secret);
    expect(JSON.stringify(await json(await call(`/api/webhooks/${hook.id}`, { token: own.admin }), 200))).not.toContain(rotated.secret);
    await json(await post("/api/tickets", own.agent, { summary: "with the old secret" }), 201);
    await waitUntil("a refused attempt signed with the new secret", async () => receiver.at(hook.url).length >= 1 || undefined);
    expect(receiver.at(hook.url)[0]!.signatureValid).toBe(false);
    receiver.configure(hook.url, { secret: rotated.secret });
    await waitUntil("the retry, accepted under the new secret", async () => receiver.accepted(hook.url).length >= 1 || undefined, { timeoutMs: 15_000 });
  });

  it("stored before sealing existed are sealed by the cron and still sign", async () => {
    const own = await createTeam();
    const hook = await subscribe(own, ["ticket.created"]);
    const legacy = "whsec_stored-as-is-before-sealing";
    await env.DB.prepare("UPDATE webhooks SET secret = ? WHERE id = ?").bind(legacy, hook.id).run();
    receiver.configure(hook.url, { secret: legacy });
    await runCronAt(Date.now());
    expect(await storedSecret(hook.id)).toMatch(/^sb1\./);
    await json(await post("/api/tickets", own.agent, { summary: "after sealing" }), 201);
    const [accepted] = await waitUntil("the ticket event", async () => (receiver.accepted(hook.url).length ? receiver.accepted(hook.url) : undefined));
    expect(accepted!.signatureValid).toBe(true);
  });
});

describe("webhooks through the open API", () => {
  it("subscribe with a webhooks:manage key, and the delivery log shows what was sent", async () => {
    const own = await createTeam();
    const key = await createApiKey(own, ["webhooks:manage"]);
    const url = receiver.endpoint();
    const hook = await json(await v1("/webhooks", key.secret, { method: "POST", json: { url, event_types: ["ticket.created"] } }), 201);
    receiver.configure(url, { secret: hook.secret });
    await json(await post("/api/tickets", own.agent, { summary: "via v1 subscription" }), 201);
    await waitUntil("the ticket event", async () => receiver.accepted(url).length >= 1 || undefined);
    const log = await json(await v1(`/webhooks/${hook.id}/deliveries`, key.secret), 200);
    expect(log.items).toEqual([expect.objectContaining({ event_type: "ticket.created", status: "delivered", last_status_code: 200 })]);
    expect((await json(await v1("/webhooks", (await createApiKey(own, ["tickets:read"])).secret), 403)).error.code).toBe("forbidden");
    const foreign = await createApiKey(other, ["webhooks:manage"]);
    expect((await json(await v1(`/webhooks/${hook.id}/deliveries`, foreign.secret), 404)).error.code).toBe("not_found");
    expect((await json(await v1(`/webhooks/deliveries/${log.items[0].id}/replay`, foreign.secret, { method: "POST" }), 404)).error.code).toBe("not_found");
    expect((await json(await v1("/webhooks", foreign.secret), 200)).items.map((w: any) => w.id)).not.toContain(hook.id);
  });
});

describe("webhook secrets through the open API", () => {
  it("are shown again to a create retried with its Idempotency-Key, and the stored response is sealed", async () => {
    const own = await createTeam();
    const key = await createApiKey(own, ["webhooks:manage"]);
    const body = { url: receiver.endpoint(), event_types: ["ticket.created"] };
    const first = await json(await v1("/webhooks", key.secret, { method: "POST", json: body, idempotencyKey: "create-once" }), 201);
    const again = await v1("/webhooks", key.secret, { method: "POST", json: body, idempotencyKey: "create-once" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await json(again, 201)).secret).toBe(first.secret);
    const stored = (await env.DB.prepare("SELECT body FROM idempotency_keys WHERE api_key_id = ? AND key = ?").bind(key.id, "create-once").first<{ body: string }>())!;
    expect(stored.body).toMatch(/^sb1\./);
    expect(stored.body).not.toContain(first.secret);
  });

  it("rotate with a webhooks:manage key, and the new secret signs the next delivery", async () => {
    const own = await createTeam();
    const key = await createApiKey(own, ["webhooks:manage"]);
    const url = receiver.endpoint();
    const hook = await json(await v1("/webhooks", key.secret, { method: "POST", json: { url, event_types: ["ticket.created"] } }), 201);
    const rotated = await json(await v1(`/webhooks/${hook.id}/secret`, key.secret, { method: "POST" }), 200);
    expect(rotated).toMatchObject({ id: hook.id, url });
    expect(rotated.secret).not.toBe(hook.secret);
    receiver.configure(url, { secret: rotated.secret });
    await json(await post("/api/tickets", own.agent, { summary: "signed with the new secret" }), 201);
    const [accepted] = await waitUntil("the ticket event", async () => (receiver.accepted(url).length ? receiver.accepted(url) : undefined));
    expect(accepted!.signatureValid).toBe(true);
  });
});

describe("the signature documentation", () => {
  it("has a worked example that the receiver's verification accepts", async () => {
    const secret = /Secret `([^`]+)`/.exec(webhooksDoc)![1]!;
    const t = Number(/`t=(\d+)`, body/.exec(webhooksDoc)![1]);
    const body = /body \(exactly these bytes\):\n\n```\n(.+)\n```/.exec(webhooksDoc)![1]!;
    const signature = /the signature is\n`([0-9a-f]{64})`/.exec(webhooksDoc)![1]!;
    expect(await verifySignature(secret, `t=${t},v1=${signature}`, body, t)).toBe(true);
    expect(await verifySignature(secret, `t=${t},v1=${signature}`, body.replace("Hello", "Hellp"), t)).toBe(false);
    expect(await verifySignature(secret, `t=${t},v1=${signature}`, body, t + 301)).toBe(false);
  });
});
