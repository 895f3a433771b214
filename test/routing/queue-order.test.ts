import { describe, expect, it } from "vitest";
import { range, waitUntil } from "../support/api.ts";
import { createTeam, type Team, userId } from "../support/fixture.ts";
import {
  addStaff,
  agentObject,
  assignmentsSoFar,
  createGroup,
  drained,
  groupObject,
  openWorkstation,
  publishRules,
  routedVisitor,
  setCapacity,
  setState,
  snapshotOf,
  waitAssignments,
  waitQueued,
  waitServedBy,
} from "../support/routing.ts";
import { closeSocketsAfterEach, type TestSocket } from "../support/socket.ts";

closeSocketsAfterEach();

/** Rules that read a priority off a contact tag `p<N>`; untagged visitors get 20. */
function priorityRules(groupId: string) {
  return {
    rules: [90, 60].map((p) => ({
      id: `p${p}`,
      name: `tagged p${p}`,
      when: [{ type: "contact_tag", any_of: [`p${p}`] }],
      then: [{ type: "enqueue", group: groupId, priority: p }],
    })),
    fallback: [{ type: "enqueue", group: groupId, priority: 20 }],
  };
}

/** Queues visitors one after another (each waits in the queue before the next arrives). */
async function queueInOrder(team: Team, groupId: string, tags: Array<string | null>): Promise<string[]> {
  const ids: string[] = [];
  for (const tag of tags) {
    const v = await routedVisitor(team, tag ? { tags: [tag] } : {});
    await waitQueued(team, groupId, v.conversation_id);
    ids.push(v.conversation_id);
  }
  return ids;
}

/**
 * With capacity 1, the agent's assignments come one at a time: each is ended by the agent to let
 * the next one in. Returns the conversations in the order they were assigned.
 */
async function serveOneByOne(workstation: TestSocket, token: string, n: number): Promise<string[]> {
  for (let i = 1; i <= n; i++) {
    const order = await waitAssignments(workstation, i);
    if (i < n) await setState(order[i - 1]!, token, "ended");
  }
  return assignmentsSoFar(workstation);
}

describe("queue order", () => {
  it("serves higher priorities first, whatever the arrival order", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    await publishRules(team.admin, priorityRules(groupId));
    await setCapacity(team.admin, agentId, 1);
    const [low1, high1, mid1, high2, low2] = await queueInOrder(team, groupId, [null, "p90", "p60", "p90", null]);
    const group = groupObject(team.workspaceId, groupId);
    const positions = await Promise.all([high1, high2, mid1, low1, low2].map(async (id) => (await group.position(id!))!.position));
    expect(positions).toEqual([1, 2, 3, 4, 5]);

    const workstation = await openWorkstation(team.agent);
    expect(await serveOneByOne(workstation, team.agent, 5)).toEqual([high1, high2, mid1, low1, low2]);
  });

  it("serves conversations of the same priority in arrival order", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    await setCapacity(team.admin, agentId, 1);
    const arrived = await queueInOrder(team, groupId, [null, null, null, null, null]);
    const workstation = await openWorkstation(team.agent);
    expect(await serveOneByOne(workstation, team.agent, 5)).toEqual(arrived);
    expect((await drained(team, groupId)).waiting).toBe(0);
  });
});

describe("assignment rounds", () => {
  it("gives an agent who comes online the first arrivals up to their maximum in one go and keeps the rest queued in order", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    await setCapacity(team.admin, agentId, 3);
    const arrived = await queueInOrder(team, groupId, [null, null, null, null, null, null]);
    const workstation = await openWorkstation(team.agent);
    expect(new Set(await waitAssignments(workstation, 3))).toEqual(new Set(arrived.slice(0, 3)));
    const stats = await drained(team, groupId);
    expect(stats).toMatchObject({ waiting: 3, assigned: 3 });
    const group = groupObject(team.workspaceId, groupId);
    const positions = await Promise.all(arrived.slice(3).map(async (id) => (await group.position(id))?.position));
    expect(positions).toEqual([1, 2, 3]);
    expect(await assignmentsSoFar(workstation)).toHaveLength(3);
  });
});

describe("fairness", () => {
  it("spreads a burst evenly over least-loaded agents: 20 conversations, 4 agents, exactly 5 each", async () => {
    const team = await createTeam();
    const extra = await addStaff(team, 2);
    const agents = [
      { id: userId(team, "agent", 0), token: team.agent },
      { id: userId(team, "agent", 1), token: team.agent2 },
      ...extra,
    ];
    const groupId = await createGroup(team.admin, "Support", agents.map((a) => a.id));
    await Promise.all(agents.map((a) => setCapacity(team.admin, a.id, 10)));
    const workstations = await Promise.all(agents.map((a) => openWorkstation(a.token)));
    await waitUntil("every agent online in the group", async () => (await groupObject(team.workspaceId, groupId).stats()).available_agents === 4);

    await Promise.all(range(1, 20).map(() => routedVisitor(team)));
    await waitUntil("20 assignments", async () => (await drained(team, groupId)).assigned === 20);
    const loads = await Promise.all(agents.map(async (a) => (await agentObject(team.workspaceId, a.id).status()).load));
    expect(loads).toEqual([5, 5, 5, 5]);
    expect((await Promise.all(workstations.map(assignmentsSoFar))).map((a) => a.length)).toEqual([5, 5, 5, 5]);
  });

  it("gives every agent its turn over 30 consecutive round-robin assignments", async () => {
    const team = await createTeam();
    const extra = await addStaff(team, 1);
    const agents = [{ id: userId(team, "agent", 0), token: team.agent }, { id: userId(team, "agent", 1), token: team.agent2 }, ...extra];
    const groupId = await createGroup(team.admin, "Support", agents.map((a) => a.id), { policy: "round_robin" });
    const workstations = await Promise.all(agents.map((a) => openWorkstation(a.token)));
    await waitUntil("every agent online in the group", async () => (await groupObject(team.workspaceId, groupId).stats()).available_agents === 3);

    const servedBy: string[] = [];
    for (let i = 0; i < 30; i++) {
      const v = await routedVisitor(team);
      const s = await waitUntil(`conversation #${i + 1} to be served`, async () => {
        const snap = await snapshotOf(v.conversation_id, team.admin);
        return snap.state === "serving" ? snap : undefined;
      });
      servedBy.push(s.routing.owner.id);
      // The agent finishes before the next visitor arrives, so everyone is free every time.
      await setState(v.conversation_id, team.admin, "ended");
      await waitUntil("the agent to be free again", async () => (await agentObject(team.workspaceId, s.routing.owner.id).status()).load === 0);
    }
    const byId = [...agents.map((a) => a.id)].sort();
    // Round robin walks the agents in ID order, wrapping around: a fixed cycle.
    const first = byId.indexOf(servedBy[0]!);
    expect(servedBy).toEqual(range(0, 29).map((i) => byId[(first + i) % 3]));
    expect((await Promise.all(workstations.map(assignmentsSoFar))).map((a) => a.length)).toEqual([10, 10, 10]);
  });
});

describe("presence", () => {
  it("stops offering conversations to an agent who is away and resumes when they are back online", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    const workstation = await openWorkstation(team.agent);
    workstation.send({ type: "presence", status: "away" });
    const away = await workstation.waitFor("the away status", (f) => f.type === ("status" as never) && (f as any).presence === "away", 1);
    expect(away).toMatchObject({ presence: "away", load: 0 });

    const v = await routedVisitor(team);
    await waitQueued(team, groupId, v.conversation_id);
    const stats = await drained(team, groupId);
    expect(stats).toMatchObject({ waiting: 1, assigned: 0, available_agents: 0 });
    expect(await assignmentsSoFar(workstation)).toEqual([]);

    const from = workstation.frames.length;
    workstation.send({ type: "presence", status: "online" });
    expect(await waitAssignments(workstation, 1, from)).toEqual([v.conversation_id]);
    await waitServedBy(v.conversation_id, team.agent, agentId);
    expect((await drained(team, groupId)).waiting).toBe(0);
  });
});
