import { beforeAll, describe, expect, it } from "vitest";
import { TURNSTILE_PASS } from "../fakes/outbound.ts";
import { call, json, messageLog, postMessage, waitUntil } from "../support/api.ts";
import { createInbox } from "../support/email.ts";
import { createTeam, type Team, userId } from "../support/fixture.ts";
import { createGroup, publishRules } from "../support/routing.ts";

let team: Team;

beforeAll(async () => {
  team = await createTeam();
});

function formUrl(t: Team = team): string {
  return `/api/channels/forms/${t.seed.workspace.widgetKey}`;
}

function address(): string {
  return `form.${crypto.randomUUID().slice(0, 8)}@customer.test`;
}

async function contactOf(email: string, t: Team = team) {
  const res = await call(`/api/contacts?kind=email&value=${encodeURIComponent(email)}`, { token: t.agent });
  return res.status === 200 ? res.json<any>() : null;
}

describe("leave-a-message forms", () => {
  it("turns a JSON submission into an offline conversation holding the message", async () => {
    const email = address();
    const res = await call(formUrl(), { method: "POST", json: { name: "Wang Fang", email, subject: "Bulk order", message: "Can you quote 500 units?", page: "https://shop.test/contact" } });
    expect(await json(res, 201)).toEqual({ status: "received" });
    const contact = await contactOf(email);
    expect(contact.name).toBe("Wang Fang");
    expect(contact.conversations[0].channel).toBe("form");
    const snapshot = await json(await call(`/api/conversations/${contact.conversations[0].id}`, { token: team.agent }), 200);
    expect(snapshot).toMatchObject({ state: "offline", context: { channel: "form", entry_page: "https://shop.test/contact" } });
    const [message] = await messageLog(contact.conversations[0].id, team.agent);
    expect(message.content.text).toBe("Bulk order\n\nCan you quote 500 units?");
  });

  it("accepts an HTML form post and redirects to the thank-you page", async () => {
    const email = address();
    const body = new URLSearchParams({ email, message: "Call me back", phone: "", website: "", _redirect: "https://shop.test/thanks" });
    const res = await call(formUrl(), { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" }, redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://shop.test/thanks");
    expect((await contactOf(email)).conversations).toHaveLength(1);
  });

  it("drops a submission whose honeypot is filled, answering as if it were accepted", async () => {
    const email = address();
    const res = await call(formUrl(), { method: "POST", json: { email, message: "cheap pills", website: "http://spam.test" } });
    expect(await json(res, 201)).toEqual({ status: "received" });
    expect(await contactOf(email)).toBeNull();
  });

  it("makes a double submission one conversation", async () => {
    const email = address();
    const form = { email, message: "Sent twice by a double click" };
    await json(await call(formUrl(), { method: "POST", json: form }), 201);
    await json(await call(formUrl(), { method: "POST", json: form }), 201);
    const contact = await contactOf(email);
    expect(contact.conversations).toHaveLength(1);
    expect(await messageLog(contact.conversations[0].id, team.agent)).toHaveLength(1);
  });

  it("refuses a submission without any way to answer", async () => {
    const res = await call(formUrl(), { method: "POST", json: { message: "anonymous" } });
    expect((await json(res, 400)).error.details).toBeDefined();
  });

  it("answers 404 for an unknown form address", async () => {
    const res = await call("/api/channels/forms/wk_nope_000000", { method: "POST", json: { email: address(), message: "x" } });
    expect(res.status).toBe(404);
  });
});

describe("Turnstile on forms", () => {
  let guarded: Team;

  beforeAll(async () => {
    guarded = await createTeam();
    await json(await call("/api/admin/channels/forms", { method: "PUT", token: guarded.admin, json: { turnstile_secret: "0x4AAAAAAAtest-secret" } }), 200);
  });

  it("says Turnstile is on, and never shows the secret key", async () => {
    const res = await call("/api/admin/channels/forms", { token: guarded.admin });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toEqual({ turnstile: true });
    expect(text).not.toContain("0x4AAAAAAAtest-secret");
  });

  it("says Turnstile is off once the key is removed", async () => {
    const team = await createTeam();
    await json(await call("/api/admin/channels/forms", { method: "PUT", token: team.admin, json: { turnstile_secret: "0x4AAAAAAAtest-secret" } }), 200);
    await json(await call("/api/admin/channels/forms", { method: "PUT", token: team.admin, json: { turnstile_secret: null } }), 200);
    expect(await json(await call("/api/admin/channels/forms", { token: team.admin }), 200)).toEqual({ turnstile: false });
  });

  it("accepts a submission whose Turnstile token verifies", async () => {
    const email = address();
    await json(await call(formUrl(guarded), { method: "POST", json: { email, message: "human here", "cf-turnstile-response": TURNSTILE_PASS } }), 201);
    expect(await contactOf(email, guarded)).not.toBeNull();
  });

  it("refuses a submission whose Turnstile token fails, and one without a token", async () => {
    const email = address();
    const bad = await call(formUrl(guarded), { method: "POST", json: { email, message: "bot", "cf-turnstile-response": "forged" } });
    expect((await json(bad, 403)).error.message).toMatch(/Turnstile did not accept/);
    const missing = await call(formUrl(guarded), { method: "POST", json: { email, message: "bot" } });
    expect((await json(missing, 403)).error.message).toMatch(/needs a Turnstile token/);
    expect(await contactOf(email, guarded)).toBeNull();
  });
});

describe("answering a form", () => {
  it("sends the agent's reply by email when the workspace has a support inbox", async () => {
    const shop = await createTeam();
    await createInbox(shop.admin);
    const email = address();
    await json(await call(formUrl(shop), { method: "POST", json: { email, subject: "Opening hours", message: "Open on Sunday?" } }), 201);
    const conversationId = (await contactOf(email, shop)).conversations[0].id;
    await json(await postMessage(conversationId, shop.agent, "r1", "Yes, 10 to 4."), 201);
    const status = await waitUntil("the emailed reply", async () => {
      const s = await json(await call(`/api/conversations/${conversationId}/channel`, { token: shop.agent }), 200);
      return s.deliveries[0]?.status === "sent" && s;
    });
    expect(status.channel).toBe("email");
  });
});

describe("routing a form", () => {
  it("lets the rules choose the form's skill group while it stays offline", async () => {
    const shop = await createTeam();
    const sales = await createGroup(shop.admin, "Sales", [userId(shop, "agent")]);
    const support = await createGroup(shop.admin, "Support", [userId(shop, "agent", 1)]);
    await publishRules(shop.admin, {
      rules: [{ id: "forms", name: "Forms to Sales", when: [{ type: "channel", in: ["form"] }], then: [{ type: "enqueue", group: sales, priority: 40 }] }],
      fallback: [{ type: "enqueue", group: support, priority: 50 }],
    });
    const email = address();
    await json(await call(formUrl(shop), { method: "POST", json: { email, message: "Quote for 20 seats?" } }), 201);
    const conversationId = (await contactOf(email, shop)).conversations[0].id;
    const snapshot = await json(await call(`/api/conversations/${conversationId}`, { token: shop.supervisor }), 200);
    expect(snapshot.state).toBe("offline");
    expect(snapshot.routing).toMatchObject({ status: "offline", group_id: sales, priority: 40 });
    const events = await json(await call(`/api/conversations/${conversationId}/events`, { token: shop.supervisor }), 200);
    expect(events.events.find((e: any) => e.type === "routed")).toMatchObject({ decided_by: "forms" });
  });
});
