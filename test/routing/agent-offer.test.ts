import { describe, expect, it } from "vitest";
import { createTeam, newVisitor, userId } from "../support/fixture.ts";
import { agentObject, assignedTo, openWorkstation, setState, waitServedBy } from "../support/routing.ts";
import { closeSocketsAfterEach } from "../support/socket.ts";

closeSocketsAfterEach();

describe("an agent's object offered a group's round", () => {
  it("assigns what it takes, and gives back the slot of a conversation that ended while it waited", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const workstation = await openWorkstation(team.agent);
    await workstation.waitFor("the workstation's status", (f) => f.type === ("status" as never));
    const [waiting, left] = await Promise.all([newVisitor(team), newVisitor(team)]);
    await setState(left.conversation_id, left.token, "ended");
    const agent = agentObject(team.workspaceId, agentId);

    const result = await agent.offer(
      [waiting, left].map((v) => ({ conversation_id: v.conversation_id, waiting_since: Date.now() - 1000 })),
      "sg_offered",
    );

    expect(result).toMatchObject({ assigned: [waiting.conversation_id], gone: [left.conversation_id], failed: [] });
    expect(result.slot?.load).toBe(1);
    expect((await agent.status()).load).toBe(1);
    await waitServedBy(waiting.conversation_id, team.agent, agentId);
    await workstation.waitFor("the ended conversation's release", (f) => f.type === ("released" as never) && (f as any).conversation_id === left.conversation_id);
    expect(assignedTo(workstation)).toEqual([waiting.conversation_id, left.conversation_id]);
  });
});
