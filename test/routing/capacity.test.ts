import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SkillGroupDO } from "../../workers/skill-group/skill-group-do.ts";
import { range, waitUntil } from "../support/api.ts";
import { createTeam, type Team, userId } from "../support/fixture.ts";
import {
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
  waitAssignments,
} from "../support/routing.ts";
import { closeSocketsAfterEach, type TestSocket } from "../support/socket.ts";

closeSocketsAfterEach();

const MAX = 3;
const PER_GROUP = 10;

interface TwoGroups {
  team: Team;
  agentId: string;
  g1: string;
  g2: string;
  workstation: TestSocket;
}

/** One agent (maximum 3) in two groups; visitors tagged `g1` go to the first, the rest to the second. */
async function agentInTwoGroups(): Promise<TwoGroups> {
  const team = await createTeam();
  const agentId = userId(team, "agent");
  const g1 = await createGroup(team.admin, "Sales", [agentId]);
  const g2 = await createGroup(team.admin, "Support", [agentId]);
  await publishRules(team.admin, {
    rules: [{ id: "sales", name: "tagged g1", when: [{ type: "contact_tag", any_of: ["g1"] }], then: [{ type: "enqueue", group: g1 }] }],
    fallback: [{ type: "enqueue", group: g2 }],
  });
  await setCapacity(team.admin, agentId, MAX);
  const workstation = await openWorkstation(team.agent);
  for (const g of [g1, g2]) {
    await waitUntil(`the agent online in ${g}`, async () => (await groupObject(team.workspaceId, g).stats()).available_agents === 1);
  }
  return { team, agentId, g1, g2, workstation };
}

/** The workstation's running load, frame by frame: +1 per assigned, −1 per released. */
function loadsSeen(workstation: TestSocket): number[] {
  let load = 0;
  const out: number[] = [];
  for (const f of workstation.frames as any[]) {
    if (f.type === "assigned") out.push(++load);
    if (f.type === "released") out.push(--load);
  }
  return out;
}

describe("an agent's maximum across skill groups", () => {
  it("is never exceeded when two groups assign to the same agent at once, and the rest stay queued", async () => {
    const { team, agentId, g1, g2, workstation } = await agentInTwoGroups();
    const agent = agentObject(team.workspaceId, agentId);

    // Watch the agent's authoritative load the whole time the burst is being assigned.
    const observed: number[] = [];
    let burstDone = false;
    const watcher = (async () => {
      while (!burstDone) {
        observed.push((await agent.status()).load);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all([
      ...range(1, PER_GROUP).map(() => routedVisitor(team, { tags: ["g1"] })),
      ...range(1, PER_GROUP).map(() => routedVisitor(team)),
    ]);
    const [s1, s2] = await waitUntil("both groups to have queued everything and settled", async () => {
      const s = await Promise.all([drained(team, g1), drained(team, g2)]);
      return s[0].waiting + s[0].assigned === PER_GROUP && s[1].waiting + s[1].assigned === PER_GROUP ? s : undefined;
    });
    burstDone = true;
    await watcher;

    expect(observed.length).toBeGreaterThan(0);
    expect(Math.max(...observed)).toBeLessThanOrEqual(MAX);
    expect(s1.assigned + s2.assigned).toBe(MAX);
    expect(s1.waiting + s2.waiting).toBe(2 * PER_GROUP - MAX);
    const status = await agent.status();
    expect(status).toMatchObject({ load: MAX, max_concurrent: MAX, presence: "online" });
    expect(status.conversations).toHaveLength(MAX);
    expect(await assignmentsSoFar(workstation)).toHaveLength(MAX);
    expect(Math.max(...loadsSeen(workstation))).toBeLessThanOrEqual(MAX);
    expect(new Set(await assignmentsSoFar(workstation))).toEqual(new Set(status.conversations.map((c) => c.conversation_id)));
  });

  it("gives exactly one more conversation when one of a full agent's conversations ends", async () => {
    const { team, agentId, g1, g2, workstation } = await agentInTwoGroups();
    await Promise.all([
      ...range(1, 4).map(() => routedVisitor(team, { tags: ["g1"] })),
      ...range(1, 4).map(() => routedVisitor(team)),
    ]);
    const first = await waitAssignments(workstation, MAX);
    await waitUntil("everything else queued", async () => {
      const [a, b] = await Promise.all([drained(team, g1), drained(team, g2)]);
      return a.waiting + b.waiting === 8 - MAX;
    });

    await setState(first[0]!, team.agent, "ended");
    const after = await waitAssignments(workstation, MAX + 1);
    const [a, b] = await Promise.all([drained(team, g1), drained(team, g2)]);
    expect(a.waiting + b.waiting).toBe(8 - MAX - 1);
    expect(a.assigned + b.assigned).toBe(MAX + 1);
    expect(after).toHaveLength(MAX + 1);
    expect((await agentObject(team.workspaceId, agentId).status()).load).toBe(MAX);
    await workstation.barrier();
    expect(Math.max(...loadsSeen(workstation))).toBeLessThanOrEqual(MAX);
  });
});

describe("the group's drain()", () => {
  it("returns only when no assignment is in flight, even when it finds the loop already running", async () => {
    const team = await createTeam();
    const agentId = userId(team, "agent");
    const groupId = await createGroup(team.admin, "Support", [agentId]);
    await setCapacity(team.admin, agentId, 40);
    const workstation = await openWorkstation(team.agent);
    const group = groupObject(team.workspaceId, groupId);
    // Inside the object, right after drain() resolves: how many assignments are still under way?
    const inFlightAfterDrain = () =>
      runInDurableObject(group, async (instance: SkillGroupDO) => {
        await instance.drain();
        return (instance as unknown as { inFlight: Set<string> }).inFlight.size;
      });
    let burstDone = false;
    const seen: number[] = [];
    const watcher = (async () => {
      while (!burstDone) seen.push(await inFlightAfterDrain());
    })();
    await Promise.all(range(1, 30).map(() => routedVisitor(team)));
    await waitAssignments(workstation, 30);
    burstDone = true;
    await watcher;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((n) => n > 0)).toEqual([]);
    expect(await drained(team, groupId)).toMatchObject({ waiting: 0, assigned: 30 });
  });
});
