import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { ticketPrefix, type SegmentLine } from "../../src/archive/index.ts";
import { saveTicketArchiveTip, ticketArchiveTip, writeTicketSegment } from "../../workers/archive/tickets.ts";
import { database, schema } from "../../workers/db.ts";
import { allEvents, call, conversationObject, json, post } from "../support/api.ts";
import { createApiKey, v1 } from "../support/api-keys.ts";
import { waitForArchive } from "../support/archive.ts";
import { runCronAt } from "../support/cron.ts";
import { createTeam, newVisitor, userId, type Team } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect } from "../support/socket.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

async function createTicket(body: Record<string, unknown>, token = team.agent) {
  return json(await post("/api/tickets", token, body), 201);
}

/** Every object under a workspace's ticket prefix, in key order, with its lines parsed. */
async function ticketSegments(workspaceId: string) {
  const listed = await env.ARCHIVE.list({ prefix: ticketPrefix(workspaceId), include: ["customMetadata"] });
  return Promise.all(
    listed.objects.map(async (o) => {
      const text = await (await env.ARCHIVE.get(o.key))!.text();
      return { key: o.key, meta: o.customMetadata ?? {}, lines: text.trimEnd().split("\n").map((l) => JSON.parse(l) as SegmentLine) };
    }),
  );
}

describe("a ticket created from a conversation", () => {
  it("appears in the conversation's log as ticket_linked for staff, live on their socket", async () => {
    const visitor = await newVisitor(team);
    const staff = await connect(visitor.conversation_id, team.agent);
    const ticket = await createTicket({ summary: "Refund for order 1001", priority: "high", conversation_id: visitor.conversation_id });
    const frame = await staff.waitFor("the ticket_linked event", (f) => f.type === "event" && f.event.type === "ticket_linked");
    expect(frame.event).toMatchObject({ ticket_id: ticket.id, summary: "Refund for order 1001", priority: "high", visibility: "internal", by: { id: userId(team, "agent"), role: "agent" } });
    const linked = (await allEvents(visitor.conversation_id, team.agent)).filter((e) => e.type === "ticket_linked");
    expect(linked).toEqual([frame.event]);
  });

  it("is never shown to the visitor, over HTTP or on the socket", async () => {
    const visitor = await newVisitor(team);
    const socket = await connect(visitor.conversation_id, visitor.token);
    await createTicket({ summary: "Parcel lost", conversation_id: visitor.conversation_id });
    socket.sendText("after-link", "still there?");
    await socket.waitForAck("after-link");
    await socket.barrier();
    expect(socket.frames.filter((f) => f.type === "event").map((f) => f.event.type)).not.toContain("ticket_linked");
    expect((await allEvents(visitor.conversation_id, visitor.token)).map((e) => e.type)).not.toContain("ticket_linked");
    expect((await allEvents(visitor.conversation_id, team.agent)).map((e) => e.type)).toContain("ticket_linked");
  });

  it("reaches the conversation's archive transcript in R2 with its place in the chain", async () => {
    const visitor = await newVisitor(team);
    const ticket = await createTicket({ summary: "Invoice", priority: "urgent", conversation_id: visitor.conversation_id });
    await waitForArchive(team.workspaceId, visitor.conversation_id);
    const transcript = await json(await call(`/api/archive/conversations/${visitor.conversation_id}?raw=true`, { token: team.admin }), 200);
    expect(transcript.events.filter((e: any) => e.type === "ticket_linked")).toMatchObject([{ ticket_id: ticket.id, summary: "Invoice", priority: "urgent" }]);
    const report = await json(await call(`/api/archive/conversations/${visitor.conversation_id}/verify`, { token: team.admin }), 200);
    expect(report).toMatchObject({ ok: true, problems: [] });
  });

  it("is masked in a supervisor's transcript like every free text", async () => {
    const visitor = await newVisitor(team);
    await createTicket({ summary: "Call back on 13800138000", conversation_id: visitor.conversation_id });
    await waitForArchive(team.workspaceId, visitor.conversation_id);
    const transcript = await json(await call(`/api/archive/conversations/${visitor.conversation_id}`, { token: team.supervisor }), 200);
    expect(transcript.events.filter((e: any) => e.type === "ticket_linked").map((e: any) => e.summary)).toEqual(["Call back on 138****8000"]);
  });

  it("links once when an integration retries the create with the same Idempotency-Key", async () => {
    const visitor = await newVisitor(team);
    const { secret } = await createApiKey(team);
    const body = { summary: "Retried create", conversation_id: visitor.conversation_id };
    const first = await json(await v1("/tickets", secret, { method: "POST", json: body, idempotencyKey: "create-1" }), 201);
    const again = await v1("/tickets", secret, { method: "POST", json: body, idempotencyKey: "create-1" });
    expect((await json(again, 201)).id).toBe(first.id);
    const linked = (await allEvents(visitor.conversation_id, team.agent)).filter((e) => e.type === "ticket_linked");
    expect(linked.map((e) => e.ticket_id)).toEqual([first.id]);
  });

  it("links once when the link itself is delivered twice", async () => {
    const visitor = await newVisitor(team);
    const ticket = await createTicket({ summary: "Delivered twice", conversation_id: visitor.conversation_id });
    const stub = conversationObject(team.workspaceId, visitor.conversation_id);
    const again = await stub.linkTicket({ workspace_id: team.workspaceId, actor: { role: "agent", id: userId(team, "agent") } }, { ticket_id: ticket.id, summary: "Delivered twice", priority: "normal" });
    expect(again).toMatchObject({ ok: true, value: { linked: false } });
    const linked = (await allEvents(visitor.conversation_id, team.agent)).filter((e) => e.type === "ticket_linked");
    expect(linked).toHaveLength(1);
    expect(again.ok && again.value.seq).toBe(linked[0].seq);
  });
});

describe("the ticket archive", () => {
  let archive: Team;
  let ticketIds: string[];
  beforeAll(async () => {
    archive = await createTeam();
    const a = await createTicket({ summary: "First" }, archive.agent);
    const b = await createTicket({ summary: "Second", priority: "low" }, archive.agent);
    await call(`/api/tickets/${a.id}`, { method: "PATCH", token: archive.agent, json: { status: "pending" } });
    await post(`/api/tickets/${b.id}/comments`, archive.agent, { kind: "internal", body: "checking" });
    ticketIds = [a.id, b.id];
    await runCronAt(Date.now());
  });

  it("holds every ticket event in id order after the cron ran, chained from the genesis hash", async () => {
    const segments = await ticketSegments(archive.workspaceId);
    const lines = segments.flatMap((s) => s.lines);
    const history = await Promise.all(ticketIds.map(async (id) => json(await call(`/api/tickets/${id}/events`, { token: archive.admin }), 200)));
    const ids = history.flatMap((h: any) => (Array.isArray(h) ? h : h.items)).map((e: any) => e.id).sort((x: number, y: number) => x - y);
    expect(lines.map((l) => (l.event as any).id)).toEqual(ids);
    expect(lines.map((l) => l.seq)).toEqual(ids.map((_, i) => i + 1));
    expect(lines.map((l) => (l.event as any).type)).toEqual(["created", "created", "status_changed", "commented"]);
    expect(segments[0]!.key).toBe(`${archive.workspaceId}/tickets/000000000001.ndjson`);
    const report = await json(await call("/api/archive/tickets/verify", { token: archive.admin }), 200);
    expect(report).toMatchObject({ ok: true, archived_seq: 4, events: 4, problems: [] });
  });

  it("writes nothing new when the cron runs again without new ticket events", async () => {
    const before = await ticketSegments(archive.workspaceId);
    await runCronAt(Date.now());
    expect(await ticketSegments(archive.workspaceId)).toEqual(before);
  });

  it("continues the chain in a new segment for later events", async () => {
    await call(`/api/tickets/${ticketIds[0]}`, { method: "PATCH", token: archive.agent, json: { status: "solved" } });
    await runCronAt(Date.now());
    const segments = await ticketSegments(archive.workspaceId);
    expect(segments.map((s) => s.key.slice(-19))).toEqual(["000000000001.ndjson", "000000000005.ndjson"]);
    expect(segments[1]!.lines[0]!.prev_hash).toBe(segments[0]!.lines.at(-1)!.hash);
    const report = await json(await call("/api/archive/tickets/verify", { token: archive.admin }), 200);
    expect(report).toMatchObject({ ok: true, archived_seq: 5 });
  });

  it("leaves exactly one copy when a run crashed after the R2 write, before its watermark", async () => {
    const team2 = await createTeam();
    await createTicket({ summary: "Crash test" }, team2.agent);
    const db = database(env.DB);
    const start = await ticketArchiveTip(db, team2.workspaceId);
    const crashed = await writeTicketSegment(db, env.ARCHIVE, team2.workspaceId, start);
    expect(crashed).toMatchObject({ written: true });
    // The watermark was never saved: the next run starts from the same tip.
    expect(await ticketArchiveTip(db, team2.workspaceId)).toEqual(start);
    await createTicket({ summary: "Meanwhile" }, team2.agent);
    await runCronAt(Date.now());
    const segments = await ticketSegments(team2.workspaceId);
    expect(segments.flatMap((s) => s.lines.map((l) => l.seq))).toEqual([1, 2]);
    expect(segments.flatMap((s) => s.lines.map((l) => (l.event as any).data.summary))).toEqual(["Crash test", "Meanwhile"]);
    expect(await json(await call("/api/archive/tickets/verify", { token: team2.admin }), 200)).toMatchObject({ ok: true, archived_seq: 2 });
    // Saving an older tip afterwards (a slow concurrent run) does not move the watermark back.
    await saveTicketArchiveTip(db, team2.workspaceId, crashed!.tip, Date.now());
    expect((await ticketArchiveTip(db, team2.workspaceId)).seq).toBe(2);
  });

  it("makes the conversation link a create could not make, when it archives the ticket's creation", async () => {
    const team4 = await createTeam();
    const visitor = await newVisitor(team4);
    const ticket = await createTicket({ summary: "Link lost" }, team4.agent);
    // What a create whose conversation was unreachable leaves: the ticket and its created event, no link.
    const [created] = await database(env.DB).select().from(schema.ticketEvents).where(eq(schema.ticketEvents.ticketId, ticket.id));
    await database(env.DB).update(schema.ticketEvents).set({ data: { ...(created!.data as object), conversation_id: visitor.conversation_id } }).where(eq(schema.ticketEvents.id, created!.id));
    expect((await allEvents(visitor.conversation_id, team4.agent)).map((e) => e.type)).not.toContain("ticket_linked");
    await runCronAt(Date.now());
    const linked = (await allEvents(visitor.conversation_id, team4.agent)).filter((e) => e.type === "ticket_linked");
    expect(linked).toMatchObject([{ ticket_id: ticket.id, summary: "Link lost", by: { id: userId(team4, "agent") } }]);
  });

  it("verify reports an altered ticket segment", async () => {
    const team3 = await createTeam();
    await createTicket({ summary: "Honest" }, team3.agent);
    await createTicket({ summary: "Second" }, team3.agent);
    await runCronAt(Date.now());
    const [segment] = await ticketSegments(team3.workspaceId);
    const object = (await env.ARCHIVE.get(segment!.key))!;
    const tampered = (await object.text()).replace("Honest", "Forged");
    await env.ARCHIVE.put(segment!.key, tampered, { customMetadata: object.customMetadata! });
    const report = await json(await call("/api/archive/tickets/verify", { token: team3.admin }), 200);
    expect(report.ok).toBe(false);
    expect(report.problems).toMatchObject([{ kind: "altered", seq: 1 }]);
  });

  it("verify is for admins only", async () => {
    expect((await call("/api/archive/tickets/verify", { token: team.agent })).status).toBe(403);
  });
});
