import { describe, expect, it } from "vitest";
import { call, json } from "../support/api.ts";
import { createTeam, newVisitor, userId } from "../support/fixture.ts";
import { createGroup, openWorkstation } from "../support/routing.ts";
import { closeSocketsAfterEach, connect } from "../support/socket.ts";
import { waitUntil } from "../support/api.ts";

closeSocketsAfterEach();

describe("routing a conversation to an agent", () => {
  it("queues the visitor's conversation and assigns it to the online agent of the group", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent", 0);
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    const workstation = await openWorkstation(team.agent);
    const visitor = await newVisitor(team);
    const v = await connect(visitor.conversation_id, visitor.token);
    v.sendText("hello-1", "Hi, I need help with my order");
    await v.waitForAck("hello-1");
    const assigned = await workstation.waitFor("an assignment", (f) => f.type === ("assigned" as never));
    expect(assigned).toMatchObject({ conversation_id: visitor.conversation_id, group_id: groupId });
    const joined = await v.waitFor("the agent joining", (f) => f.type === "event" && f.event.type === "participant_joined");
    expect(joined.event.participant.id).toBe(agentId);
    const snapshot = await waitUntil("the conversation to be served", async () => {
      const s = await json<any>(await call(`/api/conversations/${visitor.conversation_id}`, { token: team.agent }), 200);
      return s.state === "serving" ? s : undefined;
    });
    expect(snapshot.routing).toMatchObject({ status: "assigned", group_id: groupId, owner: { id: agentId } });
  });
});
