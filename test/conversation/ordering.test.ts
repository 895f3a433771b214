import { beforeAll, describe, expect, it } from "vitest";
import { allEvents, getEvents, range } from "../support/api.ts";
import { createTeam, newVisitor, type Team, userId } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect, type TestSocket } from "../support/socket.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

const N = 40;

/** Every fifth message of an agent is an internal note; the first one is public, so each agent joins with it. */
function isNote(i: number): boolean {
  return i % 5 === 4;
}

function fire(socket: TestSocket, who: string, notes: boolean): string[] {
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const id = `${who}-${i}`;
    ids.push(id);
    socket.sendText(id, `${who} says ${i}`, notes && isNote(i) ? { visibility: "internal" } : {});
  }
  return ids;
}

/** Waits until the socket has learned of `count` seqs (events and acks of its own messages). */
function waitForSeen(socket: TestSocket, count: number, from: number, who: string) {
  return socket.waitForCount(`seq (event or ack) on the ${who} socket`, (f) => f.type === "event" || (f.type === "ack" && !f.duplicate), count, from);
}

describe("a visitor and two agents sending at once", () => {
  it("gives every receiver gap-free increasing seqs, keeps each sender's order, and keeps internal notes from the visitor", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a1 = await connect(conv, team.agent);
    const a2 = await connect(conv, team.agent2);
    const sup = await connect(conv, team.supervisor);
    const start = { v: v.frames.length, a1: a1.frames.length, a2: a2.frames.length, sup: sup.frames.length };

    const sent = { v: fire(v, "v", false), a1: fire(a1, "a1", true), a2: fire(a2, "a2", true) };
    for (const [socket, who] of [
      [v, "v"],
      [a1, "a1"],
      [a2, "a2"],
    ] as const) {
      await socket.waitForCount(`ack on the ${who} socket`, (f) => f.type === "ack", N, start[who]);
    }

    const log = await allEvents(conv, team.agent);
    const head = log[log.length - 1].seq;
    // conversation_started, 3N messages and the two agents' participant_joined events.
    expect(log.map((e) => e.seq)).toEqual(range(1, 1 + 3 * N + 2));
    expect(log.filter((e) => e.type === "message")).toHaveLength(3 * N);
    expect(log.filter((e) => e.type === "participant_joined").map((e) => e.participant.id).sort()).toEqual(
      [userId(team, "agent", 0), userId(team, "agent", 1)].sort(),
    );
    const publicSeqs = log.filter((e) => e.seq > 1 && e.visibility === "public").map((e) => e.seq);
    expect(publicSeqs).toHaveLength(head - 1 - 2 * (N / 5));

    // Staff see every seq once, in order; the visitor sees exactly the public ones, in order.
    await waitForSeen(sup, head - 1, start.sup, "supervisor");
    await waitForSeen(a1, head - 1, start.a1, "agent 1");
    await waitForSeen(a2, head - 1, start.a2, "agent 2");
    await waitForSeen(v, publicSeqs.length, start.v, "visitor");
    await Promise.all([v.barrier(), a1.barrier(), a2.barrier(), sup.barrier()]);
    expect(sup.seenSeqs(start.sup)).toEqual(range(2, head));
    expect(a1.seenSeqs(start.a1)).toEqual(range(2, head));
    expect(a2.seenSeqs(start.a2)).toEqual(range(2, head));
    expect(v.seenSeqs(start.v)).toEqual(publicSeqs);
    expect(v.frames.filter((f) => f.type === "event" && f.event.visibility === "internal")).toEqual([]);

    // Each sender's acks come back in the order it sent, with increasing seqs, and the log agrees.
    for (const [socket, who] of [
      [v, "v"],
      [a1, "a1"],
      [a2, "a2"],
    ] as const) {
      const acks = socket.ofType("ack");
      expect(acks.map((a) => a.client_msg_id)).toEqual(sent[who]);
      expect(acks.every((a) => a.duplicate === false)).toBe(true);
      const seqs = acks.map((a) => a.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      const logged = log.filter((e) => e.type === "message" && e.client_msg_id.startsWith(`${who}-`));
      expect(logged.map((e) => e.client_msg_id)).toEqual(sent[who]);
      expect(logged.map((e) => e.seq)).toEqual(seqs);
    }

    // Internal notes never reach the visitor: not live, not in a replay, not over HTTP.
    const replay = await connect(conv, visitor.token, 0);
    expect(replay.eventSeqs()).toEqual([1, ...publicSeqs]);
    const visitorLog = await allEvents(conv, visitor.token);
    expect(visitorLog.map((e) => e.seq)).toEqual([1, ...publicSeqs]);
    expect(visitorLog.some((e) => e.visibility === "internal")).toBe(false);
  });

  it("shows internal notes to staff in the log and to no visitor page, however the visitor pages", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const a = await connect(conv, team.agent);
    a.sendText("p1", "public reply");
    a.sendText("n1", "note one", { visibility: "internal" });
    a.sendText("n2", "note two", { visibility: "internal" });
    a.sendText("p2", "second public reply");
    await a.waitForAck("p2");

    const staff = await getEvents(conv, team.agent, { after: 0 });
    expect(staff.events.map((e: any) => `${e.seq}:${e.type}:${e.visibility}`)).toEqual([
      "1:conversation_started:public",
      "2:participant_joined:public",
      "3:message:public",
      "4:message:internal",
      "5:message:internal",
      "6:message:public",
    ]);
    const page1 = await getEvents(conv, visitor.token, { after: 0, limit: 3 });
    expect(page1.events.map((e: any) => e.seq)).toEqual([1, 2, 3]);
    expect(page1.complete).toBe(false);
    const page2 = await getEvents(conv, visitor.token, { after: page1.next_after, limit: 3 });
    expect(page2.events.map((e: any) => e.seq)).toEqual([6]);
    expect(page2.complete).toBe(true);
    const fromNote = await getEvents(conv, visitor.token, { after: 4 });
    expect(fromNote.events.map((e: any) => e.seq)).toEqual([6]);
  });
});
