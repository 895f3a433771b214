import { beforeAll, describe, expect, it } from "vitest";
import { allEvents, json, post, postMessage, range } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect, openSocket, type TestSocket } from "../support/socket.ts";
import { LIMITS } from "../../src/model/index.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

/** Sends `count` messages without waiting and resolves with the last one's ack. */
async function burst(socket: TestSocket, prefix: string, count: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  for (let i = 0; i < count; i++) socket.sendText(`${prefix}-${i}`, `${prefix} ${i}`, extra(i));
  return socket.waitForAck(`${prefix}-${count - 1}`);
}

/** What each frame is, compactly: `event:7`, `synced:12:true`, `welcome`, … */
function shape(socket: TestSocket, from = 0): string[] {
  return socket.frames.slice(from).map((f) => {
    if (f.type === "event") return `event:${f.event.seq}`;
    if (f.type === "synced") return `synced:${f.head_seq}:${f.complete}`;
    return f.type;
  });
}

describe("resuming after a disconnect", () => {
  it("replays exactly the events missed while away, in order, before the synced frame and then goes live", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    v.sendText("m1", "before the drop");
    await a.waitForMessage("m1");
    const lastSeq = a.eventSeqs().at(-1)!;
    expect(lastSeq).toBe(2);
    await a.closeAndWait();

    v.sendText("m2", "while away 1");
    v.sendText("m3", "while away 2");
    await v.waitForAck("m3");
    await json(await post(`/api/conversations/${conv}/messages`, team.supervisor, { client_msg_id: "note", content: { kind: "text", text: "a note" }, visibility: "internal" }), 201);
    await json(await postMessage(conv, visitor.token, "m4", "while away 3"), 201);

    const back = await openSocket(conv, team.agent, lastSeq);
    await back.waitForSynced(true);
    v.sendText("m5", "live");
    await back.waitForMessage("m5");

    expect(shape(back)).toEqual(["welcome", "event:3", "event:4", "event:5", "event:6", "synced:6:true", "event:7"]);
    expect(back.frames[0]).toMatchObject({ type: "welcome", resume_from: 2, head_seq: 6 });
    expect(back.messageEvents().map((e) => e.client_msg_id)).toEqual(["m2", "m3", "note", "m4", "m5"]);
  });

  it("replays only the public events a visitor missed", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    v.sendText("hi", "hi");
    await v.waitForAck("hi");
    await v.closeAndWait();

    const a = await connect(conv, team.agent);
    a.sendText("r1", "reply");
    a.sendText("n1", "note", { visibility: "internal" });
    a.sendText("r2", "reply two");
    await a.waitForAck("r2");

    const back = await connect(conv, visitor.token, 2);
    a.sendText("n2", "another note", { visibility: "internal" });
    a.sendText("r3", "live reply");
    await back.waitForMessage("r3");

    // 3 participant_joined, 4 r1, 5 n1 (hidden), 6 r2; then live 7 n2 (hidden), 8 r3.
    expect(shape(back)).toEqual(["welcome", "event:3", "event:4", "event:6", "synced:6:true", "event:8"]);
  });

  it("replays nothing for a client that already holds the head and delivers the next event live", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    await json(await postMessage(conv, visitor.token, "m1", "one"), 201);
    const a = await openSocket(conv, team.agent, 2);
    await a.waitForSynced(true);
    await json(await postMessage(conv, visitor.token, "m2", "two"), 201);
    await a.waitForMessage("m2");
    expect(shape(a)).toEqual(["welcome", "synced:2:true", "event:3"]);
  });
});

describe("replay paging", () => {
  it("sends one page, waits for sync, sends the rest, and only then live events, all in seq order", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const writer = await connect(conv, team.agent);
    const count = LIMITS.replayPage + 20;
    const lastAck = await burst(writer, "h", count);
    const head = lastAck.seq;
    expect(head).toBe(1 + 1 + count); // started, the agent's join, the messages

    const p = await openSocket(conv, team.agent2);
    const firstSynced = await p.waitForSynced(false);
    expect(firstSynced.head_seq).toBe(head);
    expect(shape(p)).toEqual(["welcome", ...range(1, LIMITS.replayPage).map((s) => `event:${s}`), `synced:${head}:false`]);

    // A live event while the client pages must wait for its turn in the replay.
    writer.sendText("live-1", "during paging");
    const live1 = await writer.waitForAck("live-1");
    await p.barrier();
    expect(p.eventSeqs().filter((s) => s > LIMITS.replayPage)).toEqual([]);

    const pageFrom = p.frames.length;
    p.send({ type: "sync", after_seq: LIMITS.replayPage });
    await p.waitForSynced(true, pageFrom);
    writer.sendText("live-2", "after paging");
    const live2 = await writer.waitForAck("live-2");
    await p.waitForEvent(live2.seq);

    expect(live1.seq).toBe(head + 1);
    expect(shape(p, pageFrom)).toEqual([...range(LIMITS.replayPage + 1, head + 1).map((s) => `event:${s}`), `synced:${head + 1}:true`, `event:${head + 2}`]);
    expect(p.eventSeqs()).toEqual(range(1, head + 2));
  });

  it("lets a client send while it is still catching up, and replays its own message to it at its seq", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const writer = await connect(conv, team.agent);
    const last = await burst(writer, "h", LIMITS.replayPage + 5);

    const p = await openSocket(conv, team.agent2);
    await p.waitForSynced(false);
    p.sendText("mine", "sent mid-replay");
    const ack = await p.waitForAck("mine");
    const from = p.frames.length;
    p.send({ type: "sync", after_seq: LIMITS.replayPage });
    await p.waitForSynced(true, from);

    // The agent's join (its first public message) comes right before its message.
    expect(ack).toMatchObject({ seq: last.seq + 2, duplicate: false });
    expect(p.eventSeqs()).toEqual(range(1, last.seq + 2));
    expect(p.messageEvents(from).at(-1)).toMatchObject({ seq: ack.seq, client_msg_id: "mine", server_msg_id: ack.server_msg_id });
  });

  it("pages a visitor through public events only, counting a page in events the visitor may see", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const writer = await connect(conv, team.agent);
    await burst(writer, "mix", LIMITS.replayPage + 80, (i) => (i % 10 === 9 ? { visibility: "internal" } : {}));
    const publicSeqs = (await allEvents(conv, team.agent)).filter((e) => e.visibility === "public").map((e) => e.seq);
    expect(publicSeqs.length).toBeGreaterThan(LIMITS.replayPage);

    const v = await openSocket(conv, visitor.token);
    await v.waitForSynced(false);
    const firstPage = v.eventSeqs();
    expect(firstPage).toEqual(publicSeqs.slice(0, LIMITS.replayPage));
    const from = v.frames.length;
    v.send({ type: "sync", after_seq: firstPage.at(-1) });
    await v.waitForSynced(true, from);
    expect(v.eventSeqs()).toEqual(publicSeqs);
  });
});
