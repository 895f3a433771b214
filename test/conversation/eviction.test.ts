import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, conversationObject, json, messageLog, postMessage, range, waitUntil } from "../support/api.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { closeSocketsAfterEach, connect, openSocket, type TestSocket } from "../support/socket.ts";
import { LIMITS } from "../../src/model/index.ts";

closeSocketsAfterEach();

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

/** Evicts the conversation's object and proves a fresh instance answers afterwards. */
async function evict(conversationId: string, options?: { webSockets: "close" | "hibernate" }): Promise<void> {
  const stub = conversationObject(team.workspaceId, conversationId);
  await runInDurableObject(stub, (instance) => {
    (instance as unknown as { evictionMarker?: boolean }).evictionMarker = true;
  });
  await evictDurableObject(stub, options);
  const survived = await runInDurableObject(stub, (instance) => (instance as unknown as { evictionMarker?: boolean }).evictionMarker === true);
  if (survived) throw new Error("the conversation object was not evicted");
}

function fire(socket: TestSocket, prefix: string, from: number, to: number): void {
  for (let i = from; i < to; i++) socket.sendText(`${prefix}-${i}`, `${prefix} ${i}`);
}

describe("evicting the conversation object", () => {
  it("loses, repeats and skips nothing when it happens in the middle of a stream, and seq continues where it was", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    const aStart = a.frames.length;

    fire(v, "e", 0, 10);
    await evict(conv);
    fire(v, "e", 10, 20);
    await v.waitForCount("ack", (f) => f.type === "ack", 20);
    await a.waitForMessage("e-19");
    await a.barrier();

    const acks = v.ofType("ack");
    expect(acks.map((f) => f.client_msg_id)).toEqual(range(0, 19).map((i) => `e-${i}`));
    expect(acks.map((f) => f.seq)).toEqual(range(2, 21));
    expect(acks.every((f) => !f.duplicate)).toBe(true);
    expect(a.eventSeqs(aStart)).toEqual(range(2, 21));
    const log = await messageLog(conv, team.agent);
    expect(log.map((e) => e.client_msg_id)).toEqual(range(0, 19).map((i) => `e-${i}`));
    expect(log.map((e) => e.seq)).toEqual(range(2, 21));

    const next = await json(await postMessage(conv, visitor.token, "after", "after eviction"), 201);
    expect(next.seq).toBe(22);
  });

  it("still answers a re-send of a client_msg_id accepted before the eviction as a duplicate", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    v.sendText("before", "before eviction");
    const original = await v.waitForAck("before");
    const posted = await json(await postMessage(conv, visitor.token, "posted", "over http"), 201);

    await evict(conv);

    const from = v.frames.length;
    v.sendText("before", "retry over the hibernated socket");
    const dup = await v.waitForAck("before", from);
    const dupHttp = await json(await postMessage(conv, visitor.token, "posted", "retry over http"), 200);
    expect(dup).toMatchObject({ seq: original.seq, server_msg_id: original.server_msg_id, duplicate: true });
    expect(dupHttp).toMatchObject({ seq: posted.seq, server_msg_id: posted.server_msg_id, duplicate: true });
    expect((await messageLog(conv, team.agent)).map((e) => e.client_msg_id)).toEqual(["before", "posted"]);
  });

  it("keeps hibernated sockets working in both directions", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    a.sendText("hello", "hello from the agent");
    await v.waitForMessage("hello");

    await evict(conv);

    // An HTTP message wakes a fresh instance, which must still fan out to both hibernated sockets.
    await json(await postMessage(conv, team.supervisor, "sup", "from a supervisor over http"), 201);
    await v.waitForMessage("sup");
    await a.waitForMessage("sup");
    v.sendText("v1", "visitor after eviction");
    const ack = await v.waitForAck("v1");
    const seen = await a.waitForMessage("v1");
    a.sendText("a1", "agent after eviction");
    await v.waitForMessage("a1");

    expect(ack.seq).toBe(seen.seq);
    expect(v.closed).toBeNull();
    expect(a.closed).toBeNull();
    expect((await messageLog(conv, team.agent)).map((e) => e.client_msg_id)).toEqual(["hello", "sup", "v1", "a1"]);
  });

  it("keeps participants and their delivery watermarks across an eviction", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    a.send({ type: "state", to: "serving" });
    await v.waitForEvent(3);
    v.sendText("m", "hello");
    const ack = await v.waitForAck("m");
    a.send({ type: "receipt", status: "read", up_to_seq: ack.seq });
    await v.waitFor("the read frame", (f) => f.type === "delivery" && f.status === "read");

    await evict(conv);

    const from = v.frames.length;
    v.sendText("m", "hello");
    const dup = await v.waitForAck("m", from);
    const snapshot = await json(await call(`/api/conversations/${conv}`, { token: visitor.token }), 200);
    expect(dup).toMatchObject({ seq: ack.seq, duplicate: true, status: "read" });
    expect(snapshot.participants.map((p: any) => [p.role, p.read_seq])).toEqual([
      ["visitor", 0],
      ["agent", ack.seq],
    ]);
  });

  it("still archives every event when evicted before the outbox flushed", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    fire(v, "a", 0, 5);
    const last = await v.waitForAck("a-4");
    await evict(conv);
    fire(v, "b", 0, 5);
    const after = await v.waitForAck("b-4");

    const stub = conversationObject(team.workspaceId, conv);
    const status = await waitUntil(`the archive of ${conv} to be confirmed up to ${after.seq}`, async () => {
      const s = await stub.archiveStatus();
      return s && s.confirmed_seq === s.head_seq ? s : undefined;
    }, { timeoutMs: 15_000 });
    expect(last.seq).toBe(6);
    expect(status).toEqual({ head_seq: 11, handed_seq: 11, confirmed_seq: 11 });
  });

  it("with sockets closed by the eviction, lets clients reconnect with last_seq and receive the gap", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const v = await connect(conv, visitor.token);
    const a = await connect(conv, team.agent);
    v.sendText("m1", "before");
    const vLast = (await v.waitForAck("m1")).seq;
    await a.waitForMessage("m1");
    const aLast = a.eventSeqs().at(-1)!;

    await evict(conv, { webSockets: "close" });
    await v.waitForClose();
    await a.waitForClose();

    await json(await postMessage(conv, visitor.token, "m2", "while both were away"), 201);
    await json(await postMessage(conv, team.agent, "r1", "agent reply over http"), 201);

    const v2 = await openSocket(conv, visitor.token, vLast);
    const a2 = await openSocket(conv, team.agent, aLast);
    await v2.waitForSynced(true);
    await a2.waitForSynced(true);
    // m2 (3), the agent's join (4) and r1 (5).
    expect(v2.eventSeqs()).toEqual([3, 4, 5]);
    expect(a2.eventSeqs()).toEqual([3, 4, 5]);
    v2.sendText("m3", "live again");
    const ack = await v2.waitForAck("m3");
    expect(ack).toMatchObject({ seq: 6, duplicate: false });
    await a2.waitForEvent(6);
    expect(a2.eventSeqs()).toEqual([3, 4, 5, 6]);
  });

  it("lets a socket that was paging through history when the object was evicted finish its replay and go live", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    const writer = await connect(conv, team.agent);
    fire(writer, "h", 0, LIMITS.replayPage + 10);
    const last = await writer.waitForAck(`h-${LIMITS.replayPage + 9}`);

    const p = await openSocket(conv, team.agent2);
    await p.waitForSynced(false);
    await evict(conv);

    // The fresh instance meets the paging socket in a fan-out before the socket asks for more.
    writer.sendText("live-1", "while the other socket pages");
    await writer.waitForAck("live-1");
    const from = p.frames.length;
    p.send({ type: "sync", after_seq: LIMITS.replayPage });
    await p.waitForSynced(true, from);
    writer.sendText("live-2", "after the replay");
    const live2 = await writer.waitForAck("live-2");
    await p.waitForEvent(live2.seq);

    expect(p.eventSeqs()).toEqual(range(1, last.seq + 2));
  });
});
