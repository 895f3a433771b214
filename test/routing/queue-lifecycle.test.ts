import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { allEvents, waitUntil } from "../support/api.ts";
import { createTeam, newVisitor, type Team, userId } from "../support/fixture.ts";
import {
  assignmentsSoFar,
  createGroup,
  drained,
  groupObject,
  openWorkstation,
  publishRules,
  setCapacity,
  setState,
  snapshotOf,
  waitAssignments,
  waitQueued,
  waitServedBy,
} from "../support/routing.ts";
import { closeSocketsAfterEach, connect, type TestSocket } from "../support/socket.ts";

closeSocketsAfterEach();

/** A visitor on a socket whose first message starts routing; resolves once they hear their queue place. */
async function queuedVisitor(team: Team, tag: string): Promise<{ id: string; token: string; socket: TestSocket }> {
  const session = await newVisitor(team);
  const socket = await connect(session.conversation_id, session.token);
  socket.sendText(`${tag}-1`, `Hello from ${tag}`);
  await socket.waitForAck(`${tag}-1`);
  await socket.waitForType("queue");
  return { id: session.conversation_id, token: session.token, socket };
}

/** The positions a socket was told, with repeats of the same position collapsed. */
function positionsSeen(socket: TestSocket): number[] {
  const out: number[] = [];
  for (const f of socket.ofType("queue")) if (out[out.length - 1] !== f.position) out.push(f.position);
  return out;
}

describe("overflow", () => {
  it("moves a conversation that waited too long into the overflow group, where it is served", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const sales = await createGroup(team.admin, "Sales", [userId(team, "agent", 1)]);
    const support = await createGroup(team.admin, "Support", [agentId]);
    await publishRules(team.admin, {
      rules: [],
      fallback: [{ type: "enqueue", group: sales, priority: 50 }, { type: "overflow", after_seconds: 5, group: support }],
    });
    const workstation = await openWorkstation(team.agent);
    const v = await queuedVisitor(team, "v");
    expect(v.socket.ofType("queue")[0]).toMatchObject({ group_id: sales, position: 1, waiting: 1 });

    // Not before it is due.
    const salesObject = groupObject(team.workspaceId, sales);
    await runDurableObjectAlarm(salesObject);
    expect(await salesObject.stats()).toMatchObject({ waiting: 1, overflowed: 0 });

    const served = await waitUntil(
      "the overflow to Support and an assignment there",
      async () => {
        await runDurableObjectAlarm(salesObject);
        const s = await snapshotOf(v.id, team.admin);
        return s.state === "serving" ? s : undefined;
      },
      { timeoutMs: 9000, intervalMs: 250 },
    );
    expect(served.routing).toMatchObject({ status: "assigned", group_id: support, owner: { id: agentId } });
    expect(await assignmentsSoFar(workstation)).toEqual([v.id]);
    expect(await salesObject.stats()).toMatchObject({ waiting: 0, overflowed: 1, assigned: 0 });
    expect(await drained(team, support)).toMatchObject({ waiting: 0, assigned: 1 });

    const events = await allEvents(v.id, team.admin);
    expect(events.filter((e) => e.type === "rerouted")).toEqual([
      expect.objectContaining({ visibility: "internal", reason: "overflow", from_group: sales, to_group: support }),
    ]);
    // The wait is measured from the first enqueue, across the overflow.
    const assigned = events.find((e) => e.type === "assigned");
    expect(assigned).toMatchObject({ group_id: support, agent: { id: agentId } });
    expect(assigned.queue_wait_ms).toBeGreaterThanOrEqual(5000);
  });

  it("turns a conversation that waited too long into leave-a-message when the overflow names no group", async () => {
    const team = await createTeam();
    const sales = await createGroup(team.admin, "Sales", [userId(team, "agent")]);
    await publishRules(team.admin, { rules: [], fallback: [{ type: "enqueue", group: sales }, { type: "overflow", after_seconds: 5 }] });
    const v = await queuedVisitor(team, "v");
    const salesObject = groupObject(team.workspaceId, sales);
    // Make the entry due now instead of in 5 s, then run the group's alarm as the runtime would.
    await runInDurableObject(salesObject, (_instance, state) => {
      state.storage.sql.exec("UPDATE queue SET overflow_at = ? WHERE conversation_id = ?", Date.now() - 1, v.id);
    });
    await runDurableObjectAlarm(salesObject);
    const offline = await v.socket.waitFor("the conversation going offline", (f) => f.type === "event" && f.event.type === "state_changed" && f.event.to === "offline");
    expect(offline.event).toMatchObject({ from: "queued", to: "offline", by: { role: "system" }, reason: "nobody could serve in time" });
    expect(await salesObject.stats()).toMatchObject({ waiting: 0, overflowed: 1 });
    expect((await snapshotOf(v.id, team.admin)).routing).toMatchObject({ status: "offline", group_id: null, owner: null });

    // An agent who comes online later is not given it.
    const workstation = await openWorkstation(team.agent);
    expect(await drained(team, sales)).toMatchObject({ waiting: 0, assigned: 0 });
    expect(await assignmentsSoFar(workstation)).toEqual([]);
  });
});

describe("abandonment", () => {
  it("takes a conversation the visitor ends while waiting out of the queue, counts it, and never assigns it", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    const gone = await queuedVisitor(team, "gone");
    const stays = await queuedVisitor(team, "stays");
    expect((await groupObject(team.workspaceId, groupId).position(stays.id))?.position).toBe(2);

    gone.socket.send({ type: "state", to: "ended" });
    await gone.socket.waitFor("the end", (f) => f.type === "event" && f.event.type === "state_changed" && f.event.to === "ended");
    const stats = await waitUntil("the abandonment to be counted", async () => {
      const s = await groupObject(team.workspaceId, groupId).stats();
      return s.abandoned === 1 ? s : undefined;
    });
    expect(stats).toMatchObject({ waiting: 1, abandoned: 1, assigned: 0 });
    expect(await groupObject(team.workspaceId, groupId).position(gone.id)).toBeNull();
    expect((await groupObject(team.workspaceId, groupId).position(stays.id))?.position).toBe(1);

    const workstation = await openWorkstation(team.agent);
    expect(await waitAssignments(workstation, 1)).toEqual([stays.id]);
    expect(await drained(team, groupId)).toMatchObject({ waiting: 0, assigned: 1, abandoned: 1 });
    expect(await assignmentsSoFar(workstation)).toEqual([stays.id]);
    expect((await snapshotOf(gone.id, team.admin))).toMatchObject({ state: "ended", routing: { owner: null } });
  });
});

describe("queue position", () => {
  it("tells each waiting visitor their place, which only goes down as the queue moves, with an estimate once there is history", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    await setCapacity(team.admin, agentId, 1);
    const visitors: Array<{ id: string; socket: TestSocket }> = [];
    for (const tag of ["v1", "v2", "v3", "v4"]) visitors.push(await queuedVisitor(team, tag));
    const last = visitors[3]!.socket;
    expect(last.ofType("queue")[0]).toEqual({ type: "queue", group_id: groupId, position: 4, waiting: 4, estimated_wait_seconds: null });

    const workstation = await openWorkstation(team.agent);
    for (let served = 1; served <= 3; served++) {
      await waitAssignments(workstation, served);
      await last.waitFor(`position ${4 - served}`, (f) => f.type === "queue" && f.position === 4 - served);
      await setState(visitors[served - 1]!.id, team.agent, "ended");
    }
    await waitAssignments(workstation, 4);
    await waitServedBy(visitors[3]!.id, team.agent, agentId);

    expect(await assignmentsSoFar(workstation)).toEqual(visitors.map((v) => v.id));
    expect(visitors.map((v) => positionsSeen(v.socket))).toEqual([[1], [2, 1], [3, 2, 1], [4, 3, 2, 1]]);
    const frames = last.ofType("queue");
    expect(frames.every((f) => f.group_id === groupId)).toBe(true);
    // Each frame's queue length matches the place: everyone ahead is still waiting or being served.
    expect(frames.map((f) => [f.position, f.waiting])).toEqual(frames.map((f) => [f.position, f.position]));
    const byPosition = new Map(frames.map((f) => [f.position, f.estimated_wait_seconds]));
    expect(byPosition.get(4)).toBeNull();
    // After two assignments the group knows its pace and estimates the wait.
    expect(byPosition.get(2)).toBeGreaterThanOrEqual(1);
    expect(byPosition.get(1)).toBeGreaterThanOrEqual(1);
  });

  it("tells a waiting visitor who reconnects where they stand", async () => {
    const team = await createTeam();
    const groupId = await createGroup(team.admin, "Support", [userId(team, "agent")]);
    await queuedVisitor(team, "first");
    const second = await queuedVisitor(team, "second");
    await second.socket.closeAndWait();
    const again = await connect(second.id, second.token);
    // Sent right after the replay's synced frame.
    await again.waitForType("queue");
    await again.barrier();
    expect(again.ofType("queue")).toEqual([{ type: "queue", group_id: groupId, position: 2, waiting: 2, estimated_wait_seconds: null }]);
    await waitQueued(team, groupId, second.id);
  });
});
