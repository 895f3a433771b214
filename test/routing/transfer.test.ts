import { describe, expect, it } from "vitest";
import { allEvents, call, getEvents, json } from "../support/api.ts";
import { createTeam, newVisitor, type Team, userId } from "../support/fixture.ts";
import {
  agentObject,
  assignmentsSoFar,
  createGroup,
  groupObject,
  openWorkstation,
  publishRules,
  routedVisitor,
  setCapacity,
  snapshotOf,
  waitAssignments,
  waitQueued,
  waitServedBy,
} from "../support/routing.ts";
import { closeSocketsAfterEach, connect, type TestSocket } from "../support/socket.ts";

closeSocketsAfterEach();

const NOTE = "Wants a refund on order 42 - be gentle, they are upset";

interface Served {
  team: Team;
  groupId: string;
  agentA: string;
  agentB: string;
  conversationId: string;
  visitor: TestSocket;
  visitorToken: string;
  /** Agent A's socket on the conversation. */
  a: TestSocket;
  workstationA: TestSocket;
}

/** Agent A (alone online in the group) serves a visitor who is connected; agent B is a member too. */
async function servedByA(): Promise<Served> {
  const team = await createTeam();
  const agentA = userId(team, "agent", 0);
  const agentB = userId(team, "agent", 1);
  const groupId = await createGroup(team.admin, "Support", [agentA, agentB]);
  const workstationA = await openWorkstation(team.agent);
  const session = await newVisitor(team);
  const visitor = await connect(session.conversation_id, session.token);
  visitor.sendText("v-1", "My order arrived broken");
  await waitAssignments(workstationA, 1);
  await waitServedBy(session.conversation_id, team.agent, agentA);
  const a = await connect(session.conversation_id, team.agent);
  return { team, groupId, agentA, agentB, conversationId: session.conversation_id, visitor, visitorToken: session.token, a, workstationA };
}

/** Everything a socket received, as text: nothing in it may mention `text`. */
function received(socket: TestSocket): string {
  return JSON.stringify(socket.frames);
}

describe("transfer", () => {
  it("hands a served conversation to another agent with a note: B is assigned, A leaves, the chain records the link", async () => {
    const s = await servedByA();
    const workstationB = await openWorkstation(s.team.agent2);
    const beforeA = s.workstationA.frames.length;
    s.a.send({ type: "transfer", to: { kind: "agent", agent_id: s.agentB }, note: NOTE });

    expect(await waitAssignments(workstationB, 1)).toEqual([s.conversationId]);
    await s.workstationA.waitFor("A's release", (f) => f.type === ("released" as never) && (f as any).conversation_id === s.conversationId, beforeA);
    const snap = await waitServedBy(s.conversationId, s.team.agent, s.agentB);
    expect(snap.routing.transfers).toEqual([
      {
        at: expect.any(Number),
        by: expect.objectContaining({ role: "agent", id: s.agentA }),
        from_agent: expect.objectContaining({ id: s.agentA }),
        from_group: s.groupId,
        to: { kind: "agent", agent_id: s.agentB },
        note: NOTE,
      },
    ]);
    const participants = new Map(snap.participants.map((p: any) => [p.id, p]));
    expect(participants.get(s.agentA)).toHaveProperty("left_at");
    expect(participants.get(s.agentB)).not.toHaveProperty("left_at");
    expect((await agentObject(s.team.workspaceId, s.agentA).status()).load).toBe(0);
    expect((await agentObject(s.team.workspaceId, s.agentB).status()).load).toBe(1);

    const events = await allEvents(s.conversationId, s.team.agent2);
    const tail = events.slice(events.findIndex((e) => e.type === "transferred"));
    expect(tail.map((e) => [e.type, e.visibility])).toEqual([
      ["transferred", "internal"],
      ["participant_left", "public"],
      ["state_changed", "public"],
      ["participant_joined", "public"],
      ["assigned", "internal"],
      ["state_changed", "public"],
    ]);
    expect(tail[0]).toMatchObject({ note: NOTE, from_group: s.groupId, to: { kind: "agent", agent_id: s.agentB } });
    expect(tail[1].participant.id).toBe(s.agentA);
    expect(tail.filter((e) => e.type === "state_changed").map((e) => [e.from, e.to])).toEqual([
      ["serving", "transferring"],
      ["transferring", "serving"],
    ]);
    expect(tail[3].participant.id).toBe(s.agentB);
  });

  it("keeps every hand-over in the chain, in order: A to B, then B to another group", async () => {
    const s = await servedByA();
    const billing = await createGroup(s.team.admin, "Billing", []);
    const workstationB = await openWorkstation(s.team.agent2);
    s.a.send({ type: "transfer", to: { kind: "agent", agent_id: s.agentB }, note: "first hop" });
    await waitServedBy(s.conversationId, s.team.agent2, s.agentB);
    const b = await connect(s.conversationId, s.team.agent2);
    const beforeB = workstationB.frames.length;
    b.send({ type: "transfer", to: { kind: "group", group_id: billing }, note: "second hop" });
    await workstationB.waitFor("B's release", (f) => f.type === ("released" as never), beforeB);
    await waitQueued(s.team, billing, s.conversationId);

    const snap = await snapshotOf(s.conversationId, s.team.admin);
    expect(snap.routing.transfers.map((l: any) => [l.by.id, l.from_agent?.id, l.from_group, l.to, l.note])).toEqual([
      [s.agentA, s.agentA, s.groupId, { kind: "agent", agent_id: s.agentB }, "first hop"],
      [s.agentB, s.agentB, s.groupId, { kind: "group", group_id: billing }, "second hop"],
    ]);
    expect(snap.routing.transfers[0].at).toBeLessThanOrEqual(snap.routing.transfers[1].at);
    const links = (await allEvents(s.conversationId, s.team.admin)).filter((e) => e.type === "transferred");
    expect(links.map((e) => e.note)).toEqual(["first hop", "second hop"]);
    expect(snap.participants.filter((p: any) => p.role === "agent" && p.left_at === undefined)).toEqual([]);
  });

  it("never shows the transfer note to the visitor, live, in events or in the snapshot over HTTP", async () => {
    const s = await servedByA();
    await openWorkstation(s.team.agent2);
    s.a.send({ type: "transfer", to: { kind: "agent", agent_id: s.agentB }, note: NOTE });
    await s.visitor.waitFor("the new agent joining", (f) => f.type === "event" && f.event.type === "participant_joined" && f.event.participant.id === s.agentB);
    await s.visitor.barrier();
    expect(received(s.visitor)).not.toContain("refund on order 42");
    expect(JSON.stringify(await allEvents(s.conversationId, s.visitorToken))).not.toContain("refund on order 42");
    const visitorView = await snapshotOf(s.conversationId, s.visitorToken);
    expect(JSON.stringify(visitorView)).not.toContain("refund on order 42");
    expect(visitorView.routing.transfers).toEqual([]);
    // Staff see it on the internal transferred event.
    expect(JSON.stringify(await allEvents(s.conversationId, s.team.agent))).toContain("refund on order 42");
  });

  it("moves a conversation transferred to a group into that group's queue, ahead of those already waiting", async () => {
    const s = await servedByA();
    const billing = await createGroup(s.team.admin, "Billing", [userId(s.team, "supervisor")]);
    // Someone is already waiting in Billing (its only member is not online).
    await publishRules(s.team.admin, {
      rules: [{ id: "billing", name: "billing", when: [{ type: "contact_tag", any_of: ["billing"] }], then: [{ type: "enqueue", group: billing }] }],
      fallback: [{ type: "enqueue", group: s.groupId }],
    });
    const waiting = await routedVisitor(s.team, { tags: ["billing"] });
    await waitQueued(s.team, billing, waiting.conversation_id);

    const beforeA = s.workstationA.frames.length;
    s.a.send({ type: "transfer", to: { kind: "group", group_id: billing }, note: "billing question" });
    await s.workstationA.waitFor("A's release", (f) => f.type === ("released" as never), beforeA);
    const status = await waitQueued(s.team, billing, s.conversationId);
    expect(status).toMatchObject({ group_id: billing, position: 1, waiting: 2 });
    expect((await groupObject(s.team.workspaceId, billing).position(waiting.conversation_id))?.position).toBe(2);
    const snap = await snapshotOf(s.conversationId, s.team.agent);
    expect(snap).toMatchObject({ state: "transferring", routing: { status: "queued", group_id: billing, owner: null } });
    expect(snap.routing.transfers).toEqual([expect.objectContaining({ from_agent: expect.objectContaining({ id: s.agentA }), from_group: s.groupId, to: { kind: "group", group_id: billing } })]);
    expect((await agentObject(s.team.workspaceId, s.agentA).status()).load).toBe(0);
    await s.visitor.waitFor("the visitor's queue place in Billing", (f) => f.type === "queue" && f.group_id === billing && f.position === 1);

    // Billing's member comes online with room for one: the transferred conversation goes first.
    const supervisorId = userId(s.team, "supervisor");
    await setCapacity(s.team.admin, supervisorId, 1);
    const desk = await openWorkstation(s.team.supervisor);
    expect(await waitAssignments(desk, 1)).toEqual([s.conversationId]);
    const served = await waitServedBy(s.conversationId, s.team.supervisor, supervisorId);
    expect(served.routing).toMatchObject({ status: "assigned", group_id: billing });
    expect((await groupObject(s.team.workspaceId, billing).position(waiting.conversation_id))?.position).toBe(1);
  });

  it("refuses a transfer to an agent who is offline with agent_unavailable and changes nothing", async () => {
    const s = await servedByA();
    const before = await snapshotOf(s.conversationId, s.team.agent);
    const from = s.a.frames.length;
    s.a.send({ type: "transfer", to: { kind: "agent", agent_id: s.agentB }, note: NOTE });
    const err = await s.a.waitForError("agent_unavailable", from);
    expect(err.message).toContain("offline");
    await s.a.barrier();
    expect(s.a.frames.slice(from).filter((f) => f.type === "event")).toEqual([]);
    expect(await snapshotOf(s.conversationId, s.team.agent)).toEqual(before);
    expect(before).toMatchObject({ state: "serving", routing: { owner: { id: s.agentA }, transfers: [] } });
    expect((await agentObject(s.team.workspaceId, s.agentA).status()).load).toBe(1);
    expect((await agentObject(s.team.workspaceId, s.agentB).status()).load).toBe(0);
  });

  it("refuses a transfer to an agent who is full with agent_unavailable and changes nothing", async () => {
    const s = await servedByA();
    await setCapacity(s.team.admin, s.agentB, 1);
    const workstationB = await openWorkstation(s.team.agent2);
    const other = await routedVisitor(s.team);
    // A is busy with the first conversation (maximum 5, but least-loaded prefers B): B takes this one and is full.
    await waitServedBy(other.conversation_id, s.team.agent2, s.agentB);
    expect(await assignmentsSoFar(workstationB)).toEqual([other.conversation_id]);

    const before = await snapshotOf(s.conversationId, s.team.agent);
    const res = await call(`/api/conversations/${s.conversationId}/transfer`, {
      method: "POST",
      token: s.team.agent,
      json: { to: { kind: "agent", agent_id: s.agentB }, note: NOTE },
    });
    const body = await json(res, 409);
    expect(body.error.code).toBe("agent_unavailable");
    expect(body.error.message).toContain("full");
    const from = s.a.frames.length;
    s.a.send({ type: "transfer", to: { kind: "agent", agent_id: s.agentB } });
    await s.a.waitForError("agent_unavailable", from);
    expect(await snapshotOf(s.conversationId, s.team.agent)).toEqual(before);
    expect((await agentObject(s.team.workspaceId, s.agentB).status()).load).toBe(1);
    expect(await assignmentsSoFar(workstationB)).toEqual([other.conversation_id]);
  });

  it("refuses a transfer to a skill group that does not exist and changes nothing", async () => {
    const s = await servedByA();
    const other = await createTeam();
    const foreignGroup = await createGroup(other.admin, "Elsewhere", []);
    const before = await snapshotOf(s.conversationId, s.team.agent);
    for (const groupId of ["sg_nope", foreignGroup]) {
      const from = s.a.frames.length;
      s.a.send({ type: "transfer", to: { kind: "group", group_id: groupId }, note: NOTE });
      const err = await s.a.waitFor("a refusal", (f) => f.type === "error", from);
      expect(err.code).toBe("invalid_request");
      await s.a.barrier();
      expect(s.a.frames.slice(from).filter((f) => f.type === "event")).toEqual([]);
      expect(await snapshotOf(s.conversationId, s.team.agent)).toEqual(before);
    }
    expect((await agentObject(s.team.workspaceId, s.agentA).status()).load).toBe(1);
    expect(await groupObject(s.team.workspaceId, foreignGroup).position(s.conversationId)).toBeNull();
  });

  it("forbids a visitor to transfer their own conversation, by frame or over HTTP", async () => {
    const s = await servedByA();
    await openWorkstation(s.team.agent2);
    const before = await snapshotOf(s.conversationId, s.team.agent);
    const from = s.visitor.frames.length;
    s.visitor.send({ type: "transfer", to: { kind: "agent", agent_id: s.agentB } });
    expect((await s.visitor.waitForError("forbidden", from)).message).toContain("only agents and supervisors");
    const res = await call(`/api/conversations/${s.conversationId}/transfer`, {
      method: "POST",
      token: s.visitorToken,
      json: { to: { kind: "group", group_id: s.groupId } },
    });
    expect((await json(res, 403)).error.code).toBe("forbidden");
    expect(await snapshotOf(s.conversationId, s.team.agent)).toEqual(before);
    expect((await agentObject(s.team.workspaceId, s.agentB).status()).load).toBe(0);
  });
});

describe("whisper", () => {
  it("keeps a supervisor's internal note from the visitor: live, on replay and over HTTP", async () => {
    const s = await servedByA();
    const supervisor = await connect(s.conversationId, s.team.supervisor);
    const supervisorId = userId(s.team, "supervisor");
    supervisor.sendText("whisper-1", "Offer the 10% voucher", { visibility: "internal" });
    const ack = await supervisor.waitForAck("whisper-1");
    // The agent receives it live; then the visitor says something, so the visitor's socket is known to be past the whisper.
    const note = await s.a.waitForMessage("whisper-1");
    expect(note).toMatchObject({ visibility: "internal", sender: { id: supervisorId } });
    s.visitor.sendText("v-2", "Are you still there?");
    await s.a.waitForMessage("v-2");
    await s.visitor.barrier();
    expect(received(s.visitor)).not.toContain("voucher");
    expect(s.visitor.frames.some((f) => f.type === "event" && f.event.seq === ack.seq)).toBe(false);
    expect(s.visitor.frames.filter((f) => f.type === "event" && f.event.visibility !== "public")).toEqual([]);

    const replay = await connect(s.conversationId, s.visitorToken, 0);
    await replay.barrier();
    expect(received(replay)).not.toContain("voucher");
    expect(replay.frames.filter((f) => f.type === "event" && f.event.visibility !== "public")).toEqual([]);

    const http = await allEvents(s.conversationId, s.visitorToken);
    expect(http.map((e) => e.seq)).not.toContain(ack.seq);
    expect(http.filter((e) => e.visibility !== "public")).toEqual([]);
    expect((await getEvents(s.conversationId, s.visitorToken, { after: ack.seq - 1 })).events.map((e: any) => e.seq)).not.toContain(ack.seq);
    // Staff read it, and the supervisor did not become a participant by whispering.
    expect((await allEvents(s.conversationId, s.team.agent)).find((e) => e.seq === ack.seq)).toMatchObject({ content: { text: "Offer the 10% voucher" } });
    expect((await snapshotOf(s.conversationId, s.team.agent)).participants.map((p: any) => p.id)).not.toContain(supervisorId);
  });
});

describe("assistance", () => {
  it("brings an agent's request for help to the workstation of the group's supervisor, and only there", async () => {
    const team = await createTeam();
    const agentA = userId(team, "agent", 0);
    const supervisorId = userId(team, "supervisor");
    const groupId = await createGroup(team.admin, "Support", [agentA, userId(team, "agent", 1), supervisorId]);
    // The supervisor watches the group but takes no conversations of their own.
    await setCapacity(team.admin, supervisorId, 0);
    const workstationA = await openWorkstation(team.agent);
    const v = await routedVisitor(team);
    await waitServedBy(v.conversation_id, team.agent, agentA);
    const supervisorDesk = await openWorkstation(team.supervisor);
    const otherAgentDesk = await openWorkstation(team.agent2);

    const a = await connect(v.conversation_id, team.agent);
    a.send({ type: "assist", note: "Customer asks for a refund beyond 30 days" });
    const frame = await supervisorDesk.waitFor("an assistance request", (f) => f.type === ("assist_requested" as never));
    expect(frame).toEqual({
      type: "assist_requested",
      conversation_id: v.conversation_id,
      group_id: groupId,
      by: expect.objectContaining({ role: "agent", id: agentA }),
      note: "Customer asks for a refund beyond 30 days",
      at: expect.any(Number),
    });
    const event = await a.waitFor("the assist_requested event", (f) => f.type === "event" && f.event.type === "assist_requested");
    expect(event.event).toMatchObject({ visibility: "internal", by: { id: agentA }, note: "Customer asks for a refund beyond 30 days" });
    await otherAgentDesk.barrier();
    await workstationA.barrier();
    expect(otherAgentDesk.frames.filter((f) => f.type === ("assist_requested" as never))).toEqual([]);
    expect(workstationA.frames.filter((f) => f.type === ("assist_requested" as never))).toEqual([]);
    expect((await allEvents(v.conversation_id, v.token)).filter((e) => e.type === "assist_requested")).toEqual([]);
    expect((await agentObject(team.workspaceId, supervisorId).status()).load).toBe(0);
  });
});
