import { describe, expect, it } from "vitest";
import { createTeam, userId } from "../support/fixture.ts";
import { addStaff, agentObject, assignedTo, createGroup, openWorkstation, publishRules, routedVisitor, setState, waitQueued, waitServedBy } from "../support/routing.ts";
import { closeSocketsAfterEach } from "../support/socket.ts";

closeSocketsAfterEach();

/** Two conversations waiting in a group whose only member is offline, and two more agents at their workstations. */
async function waitingWithAgentsOnline() {
  const team = await createTeam();
  const groupId = await createGroup(team.admin, "Offers", [userId(team, "agent")]);
  await publishRules(team.admin, { rules: [], fallback: [{ type: "enqueue", group: groupId }] });
  const [first, second] = await Promise.all([routedVisitor(team), routedVisitor(team)]);
  await Promise.all([waitQueued(team, groupId, first!.conversation_id), waitQueued(team, groupId, second!.conversation_id)]);
  const agents = await addStaff(team, 2);
  const workstations = await Promise.all(agents.map((a) => openWorkstation(a.token)));
  await Promise.all(workstations.map((w) => w.waitFor("the workstation's status", (f) => f.type === ("status" as never))));
  return { team, groupId, first: first!, second: second!, agents, workstations };
}

const offered = (conversationIds: string[]) => conversationIds.map((id) => ({ conversation_id: id, waiting_since: Date.now() - 1000 }));

describe("an agent's object offered a group's round", () => {
  it("assigns what it takes, and gives back the slot of a conversation that ended while it waited", async () => {
    const { team, groupId, first, second, agents, workstations } = await waitingWithAgentsOnline();
    await setState(second.conversation_id, second.token, "ended");
    const agent = agentObject(team.workspaceId, agents[0]!.id);

    const result = await agent.offer(offered([first.conversation_id, second.conversation_id]), groupId);

    expect(result).toMatchObject({ assigned: [first.conversation_id], gone: [second.conversation_id], failed: [] });
    expect((await agent.status()).load).toBe(1);
    await waitServedBy(first.conversation_id, team.admin, agents[0]!.id);
    await workstations[0]!.waitFor("the ended conversation's release", (f) => f.type === ("released" as never) && (f as any).conversation_id === second.conversation_id);
    expect(assignedTo(workstations[0]!)).toEqual([first.conversation_id, second.conversation_id]);
  });

  it("never gives a second agent a conversation another agent already has (a round repeated after a lost answer)", async () => {
    const { team, groupId, first, agents } = await waitingWithAgentsOnline();
    const [a, b] = agents.map((s) => agentObject(team.workspaceId, s.id));
    expect((await a!.offer(offered([first.conversation_id]), groupId)).assigned).toEqual([first.conversation_id]);

    const again = await b!.offer(offered([first.conversation_id]), groupId);

    expect(again).toMatchObject({ assigned: [], gone: [first.conversation_id], failed: [] });
    expect([(await a!.status()).load, (await b!.status()).load]).toEqual([1, 0]);
    await waitServedBy(first.conversation_id, team.admin, agents[0]!.id);
  });
});
