import { beforeAll, describe, expect, it } from "vitest";
import { call, json, messageLog, post } from "../support/api.ts";
import { createApiKey, v1 } from "../support/api-keys.ts";
import { runCronAt } from "../support/cron.ts";
import { createTeam, newVisitor, userId, type Team } from "../support/fixture.ts";
import { openWorkstation } from "../support/routing.ts";
import { closeSocketsAfterEach } from "../support/socket.ts";

closeSocketsAfterEach();

const MINUTE = 60_000;
let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

async function createTicket(body: Record<string, unknown>, token = team.agent) {
  return json(await post("/api/tickets", token, body), 201);
}

function patch(id: string, body: unknown, token = team.agent) {
  return call(`/api/tickets/${id}`, { method: "PATCH", token, json: body });
}

describe("creating tickets", () => {
  it("from a conversation links the conversation and its contact, both ways", async () => {
    const visitor = await newVisitor(team);
    const ticket = await createTicket({ summary: "Refund for order 1001", problem_type: "refund", priority: "high", conversation_id: visitor.conversation_id, owner_id: userId(team, "agent") });
    expect(ticket).toMatchObject({ status: "open", conversation_id: visitor.conversation_id, contact_id: visitor.contact_id, priority: "high", problem_type: "refund" });
    const byConversation = await json(await call(`/api/tickets?conversation_id=${visitor.conversation_id}`, { token: team.agent }), 200);
    expect(byConversation.items.map((t: any) => t.id)).toEqual([ticket.id]);
    const byContact = await json(await call(`/api/tickets?contact_id=${visitor.contact_id}`, { token: team.agent }), 200);
    expect(byContact.items.map((t: any) => t.id)).toEqual([ticket.id]);
  });

  it("directly, with deadlines from the priority's SLA policy", async () => {
    const before = Date.now();
    const ticket = await createTicket({ summary: "Invoice address wrong", priority: "urgent" });
    expect(ticket.contact_id).toBeNull();
    expect(ticket.first_reply_due_at - ticket.created_at).toBe(30 * MINUTE);
    expect(ticket.resolution_due_at - ticket.created_at).toBe(240 * MINUTE);
    expect(ticket.due_at).toBe(ticket.first_reply_due_at);
    expect(ticket.created_at).toBeGreaterThanOrEqual(before);
    expect(ticket.breached).toBe(false);
  });

  it("takes a promised reply time as the first-reply deadline", async () => {
    const promised = Date.now() + 10 * MINUTE;
    const ticket = await createTicket({ summary: "Call back", expected_reply_at: promised });
    expect(ticket.first_reply_due_at).toBe(promised);
  });

  it("refuses a conversation, contact or owner of another workspace", async () => {
    const foreign = await newVisitor(other);
    for (const body of [
      { summary: "x", conversation_id: foreign.conversation_id },
      { summary: "x", contact_id: foreign.contact_id },
      { summary: "x", owner_id: userId(other, "agent") },
    ]) {
      expect((await json(await post("/api/tickets", team.agent, body), 400)).error.code).toBe("invalid_request");
    }
  });
});

describe("the ticket lifecycle", () => {
  it("goes open → pending → solved → closed and records each step in order", async () => {
    const ticket = await createTicket({ summary: "Lifecycle" });
    for (const status of ["pending", "solved", "closed"]) expect((await json(await patch(ticket.id, { status }), 200)).status).toBe(status);
    const events = await json(await call(`/api/tickets/${ticket.id}/events`, { token: team.agent }), 200);
    expect(events.items.map((e: any) => [e.type, e.data.to ?? null])).toEqual([
      ["created", null],
      ["status_changed", "pending"],
      ["status_changed", "solved"],
      ["status_changed", "closed"],
    ]);
    const closed = await json(await call(`/api/tickets/${ticket.id}`, { token: team.agent }), 200);
    expect(closed.due_at).toBeNull();
    expect(closed.closed_at).toBeGreaterThan(0);
  });

  it("refuses a transition the state machine does not allow, with 409", async () => {
    const ticket = await createTicket({ summary: "Skip" });
    const res = await patch(ticket.id, { status: "closed" });
    expect((await json(res, 409)).error.code).toBe("invalid_transition");
  });

  it("reopens a solved ticket", async () => {
    const ticket = await createTicket({ summary: "Reopen" });
    await json(await patch(ticket.id, { status: "solved" }), 200);
    expect(await json(await patch(ticket.id, { status: "open" }), 200)).toMatchObject({ status: "open", solved_at: null });
  });

  it("recomputes deadlines when the priority changes", async () => {
    const ticket = await createTicket({ summary: "Escalate", priority: "low" });
    const raised = await json(await patch(ticket.id, { priority: "urgent" }), 200);
    expect(raised.first_reply_due_at - raised.created_at).toBe(30 * MINUTE);
  });

  it("filters lists by status and priority", async () => {
    const own = await createTeam();
    const a = await createTicket({ summary: "A", priority: "high" }, own.agent);
    const b = await createTicket({ summary: "B" }, own.agent);
    await json(await patch(b.id, { status: "pending" }, own.agent), 200);
    const pending = await json(await call("/api/tickets?status=pending", { token: own.agent }), 200);
    expect(pending.items.map((t: any) => t.id)).toEqual([b.id]);
    const high = await json(await call("/api/tickets?priority=high", { token: own.agent }), 200);
    expect(high.items.map((t: any) => t.id)).toEqual([a.id]);
  });
});

describe("comments", () => {
  it("posts a public reply into the linked conversation as the agent, and counts it as the first reply", async () => {
    const visitor = await newVisitor(team);
    const ticket = await createTicket({ summary: "Where is my parcel", conversation_id: visitor.conversation_id });
    const comment = await json(await post(`/api/tickets/${ticket.id}/comments`, team.agent, { kind: "public", body: "It ships tomorrow." }), 201);
    expect(comment.conversation_seq).toBeGreaterThan(0);
    const log = await messageLog(visitor.conversation_id, visitor.token);
    expect(log.map((m) => [m.sender.id, m.content.text, m.seq])).toEqual([[userId(team, "agent"), "It ships tomorrow.", comment.conversation_seq]]);
    const after = await json(await call(`/api/tickets/${ticket.id}`, { token: team.agent }), 200);
    expect(after.first_replied_at).toBe(comment.created_at);
    expect(after.due_at).toBe(after.resolution_due_at);
    expect(after.comments.map((c: any) => c.id)).toEqual([comment.id]);
  });

  it("keeps an internal note out of the conversation", async () => {
    const visitor = await newVisitor(team);
    const ticket = await createTicket({ summary: "Note", conversation_id: visitor.conversation_id });
    const note = await json(await post(`/api/tickets/${ticket.id}/comments`, team.agent, { kind: "internal", body: "customer is a VIP" }), 201);
    expect(note.conversation_seq).toBeNull();
    expect(await messageLog(visitor.conversation_id, visitor.token)).toEqual([]);
    const after = await json(await call(`/api/tickets/${ticket.id}`, { token: team.agent }), 200);
    expect(after.first_replied_at).toBeNull();
  });
});

describe("SLA breaches", () => {
  it("are found by the cron, shown in lists and sent to the owner's workstation once", async () => {
    const own = await createTeam();
    const owner = userId(own, "agent");
    const workstation = await openWorkstation(own.agent);
    const ticket = await createTicket({ summary: "Slow one", priority: "urgent", owner_id: owner }, own.agent);
    await runCronAt(Date.now() + 31 * MINUTE);
    const frame = await workstation.waitForType("ticket_breached" as never);
    expect(frame).toMatchObject({ ticket_id: ticket.id, breach: "first_reply", due_at: ticket.first_reply_due_at });
    const listed = await json(await call("/api/tickets?breached=true", { token: own.agent }), 200);
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ id: ticket.id, breached: true, breaches: ["first_reply"], due_at: ticket.first_reply_due_at });
    await runCronAt(Date.now() + 32 * MINUTE);
    const events = await json(await call(`/api/tickets/${ticket.id}/events`, { token: own.agent }), 200);
    expect(events.items.filter((e: any) => e.type === "breached")).toHaveLength(1);
    expect(workstation.ofType("ticket_breached" as never)).toHaveLength(1);
  });

  it("are not raised for a ticket that met its deadlines", async () => {
    const own = await createTeam();
    const ticket = await createTicket({ summary: "Quick one", priority: "urgent" }, own.agent);
    await json(await post(`/api/tickets/${ticket.id}/comments`, own.agent, { kind: "public", body: "On it" }), 201);
    await json(await patch(ticket.id, { status: "solved" }, own.agent), 200);
    await runCronAt(Date.now() + 5 * 60 * MINUTE);
    const listed = await json(await call("/api/tickets?breached=true", { token: own.agent }), 200);
    expect(listed.items).toEqual([]);
  });

  it("follow the workspace's own policies once an admin sets them", async () => {
    const own = await createTeam();
    const policies = [{ priority: "normal", first_reply_minutes: 5, resolution_minutes: 60 }];
    expect((await json(await call("/api/tickets/sla-policies", { method: "PUT", token: own.agent, json: { policies } }), 403)).error.code).toBe("forbidden");
    const set = await json(await call("/api/tickets/sla-policies", { method: "PUT", token: own.admin, json: { policies } }), 200);
    expect(set.items.find((p: any) => p.priority === "normal")).toEqual(policies[0]);
    const ticket = await createTicket({ summary: "Policy" }, own.agent);
    expect(ticket.first_reply_due_at - ticket.created_at).toBe(5 * MINUTE);
  });
});

describe("ticket isolation", () => {
  it("hides one workspace's tickets from another's staff and API keys", async () => {
    const ticket = await createTicket({ summary: "Private" });
    const key = await createApiKey(other);
    expect((await json(await call(`/api/tickets/${ticket.id}`, { token: other.agent }), 404)).error.code).toBe("not_found");
    expect((await json(await patch(ticket.id, { status: "pending" }, other.agent), 404)).error.code).toBe("not_found");
    expect((await json(await post(`/api/tickets/${ticket.id}/comments`, other.agent, { kind: "internal", body: "x" }), 404)).error.code).toBe("not_found");
    expect((await json(await v1(`/tickets/${ticket.id}`, key.secret), 404)).error.code).toBe("not_found");
    const list = await json(await v1("/tickets?limit=100", key.secret), 200);
    expect(list.items.map((t: any) => t.id)).not.toContain(ticket.id);
  });
});

describe("tickets through the open API", () => {
  it("are created idempotently and recorded as made by the key", async () => {
    const key = await createApiKey(team, ["tickets:read", "tickets:write"]);
    const body = { summary: "From the CRM", priority: "high" };
    const first = await json(await v1("/tickets", key.secret, { method: "POST", json: body, idempotencyKey: "crm-1" }), 201);
    const again = await json(await v1("/tickets", key.secret, { method: "POST", json: body, idempotencyKey: "crm-1" }), 201);
    expect(again.id).toBe(first.id);
    expect(first.created_by).toMatchObject({ role: "bot", id: key.id });
    const mine = await json(await v1("/tickets?priority=high&limit=100", key.secret), 200);
    expect(mine.items.filter((t: any) => t.summary === "From the CRM")).toHaveLength(1);
  });

  it("need tickets:write to change anything", async () => {
    const key = await createApiKey(team, ["tickets:read"]);
    expect((await json(await v1("/tickets", key.secret, { method: "POST", json: { summary: "x" } }), 403)).error.code).toBe("forbidden");
  });
});
