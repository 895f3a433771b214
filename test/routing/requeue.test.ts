import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { allEvents } from "../support/api.ts";
import { createTeam, newVisitor, type Team, userId } from "../support/fixture.ts";
import {
  agentObject,
  assignmentsSoFar,
  createGroup,
  drained,
  groupObject,
  openWorkstation,
  routedVisitor,
  runOfflineGrace,
  setCapacity,
  snapshotOf,
  waitAssignments,
  waitQueued,
  waitServedBy,
} from "../support/routing.ts";
import { closeSocketsAfterEach, connect, type TestSocket } from "../support/socket.ts";

closeSocketsAfterEach();

interface Busy {
  team: Team;
  groupId: string;
  agentA: string;
  agentB: string;
  workstationA: TestSocket;
  /** The two conversations A serves; the first has its visitor connected. */
  served: [string, string];
  visitor: TestSocket;
  /** A third conversation, waiting because A is full and B is not online. */
  waiting: string;
}

/** Agent A (maximum 2) serves two conversations; a third waits; agent B is a member but not online yet. */
async function agentAFull(requeue: "front" | "back"): Promise<Busy> {
  const team = await createTeam();
  const agentA = userId(team, "agent", 0);
  const agentB = userId(team, "agent", 1);
  const groupId = await createGroup(team.admin, "Support", [agentA, agentB], { requeue });
  await setCapacity(team.admin, agentA, 2);
  await setCapacity(team.admin, agentB, 2);
  const workstationA = await openWorkstation(team.agent);
  const session = await newVisitor(team);
  const visitor = await connect(session.conversation_id, session.token);
  visitor.sendText("v-1", "Hello");
  const second = await routedVisitor(team);
  await waitAssignments(workstationA, 2);
  await waitServedBy(session.conversation_id, team.agent, agentA);
  await waitServedBy(second.conversation_id, team.agent, agentA);
  const third = await routedVisitor(team);
  await waitQueued(team, groupId, third.conversation_id);
  return { team, groupId, agentA, agentB, workstationA, served: [session.conversation_id, second.conversation_id], visitor, waiting: third.conversation_id };
}

describe("an agent who disconnects", () => {
  it("has their conversations requeued at the front after the grace period and assigned to another online agent", async () => {
    const b = await agentAFull("front");
    await b.workstationA.closeAndWait();
    // Within the grace period nothing moves.
    expect((await snapshotOf(b.served[0], b.team.admin)).routing.owner.id).toBe(b.agentA);
    await runOfflineGrace(b.team.workspaceId, b.agentA);

    const group = groupObject(b.team.workspaceId, b.groupId);
    const positions = await Promise.all([...b.served, b.waiting].map(async (id) => (await waitQueued(b.team, b.groupId, id)).position));
    expect(new Set(positions.slice(0, 2))).toEqual(new Set([1, 2]));
    expect(positions[2]).toBe(3);
    expect(await agentObject(b.team.workspaceId, b.agentA).status()).toMatchObject({ presence: "offline", load: 0, conversations: [] });
    for (const id of b.served) {
      expect(await snapshotOf(id, b.team.admin)).toMatchObject({ state: "queued", routing: { status: "queued", group_id: b.groupId, owner: null } });
    }

    // The visitor saw A leave and the conversation go back to the queue.
    const left = await b.visitor.waitFor("A leaving", (f) => f.type === "event" && f.event.type === "participant_left");
    expect(left.event.participant.id).toBe(b.agentA);
    const queued = await b.visitor.waitFor("the state back to queued", (f) => f.type === "event" && f.event.type === "state_changed" && f.event.to === "queued");
    expect(queued.event).toMatchObject({ from: "serving", to: "queued", by: { role: "system" } });
    const rerouted = (await allEvents(b.served[0], b.team.admin)).filter((e) => e.type === "rerouted");
    expect(rerouted).toEqual([expect.objectContaining({ visibility: "internal", reason: "agent_offline", from_group: b.groupId, to_group: b.groupId })]);

    // B comes online with room for two: the requeued conversations, not the one that was waiting.
    const workstationB = await openWorkstation(b.team.agent2);
    expect(new Set(await waitAssignments(workstationB, 2))).toEqual(new Set(b.served));
    for (const id of b.served) await waitServedBy(id, b.team.agent2, b.agentB);
    expect(await drained(b.team, b.groupId)).toMatchObject({ waiting: 1 });
    expect((await group.position(b.waiting))?.position).toBe(1);
    expect(await assignmentsSoFar(workstationB)).toHaveLength(2);
  });

  it("puts them behind those already waiting when the group requeues at the back", async () => {
    const b = await agentAFull("back");
    await b.workstationA.closeAndWait();
    await runOfflineGrace(b.team.workspaceId, b.agentA);
    const positions = await Promise.all([b.waiting, ...b.served].map(async (id) => (await waitQueued(b.team, b.groupId, id)).position));
    expect(positions[0]).toBe(1);
    expect(new Set(positions.slice(1))).toEqual(new Set([2, 3]));
  });

  it("keeps their conversations when the workstation reconnects within the grace period", async () => {
    const b = await agentAFull("front");
    await b.workstationA.closeAndWait();
    const again = await openWorkstation(b.team.agent);
    expect(again.frames[0]).toMatchObject({ type: "status", presence: "online", load: 2 });
    // The alarm that would have taken A offline finds a socket open.
    await runDurableObjectAlarm(agentObject(b.team.workspaceId, b.agentA));
    expect(await agentObject(b.team.workspaceId, b.agentA).status()).toMatchObject({ presence: "online", load: 2 });
    for (const id of b.served) expect((await snapshotOf(id, b.team.admin)).routing.owner.id).toBe(b.agentA);
    expect(await drained(b.team, b.groupId)).toMatchObject({ waiting: 1 });
  });
});
