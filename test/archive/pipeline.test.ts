import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { allEvents, call, conversationObject, json, postMessage, range, waitUntil } from "../support/api.ts";
import { archivedObjects, deliver, indexRow, seqsOf, syntheticConversation, waitForArchive } from "../support/archive.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { ARCHIVE_LISTENERS } from "../../workers/archive/consumer.ts";
import { ARCHIVE_BACKSTOP_MS, flushOutbox } from "../../workers/conversation/archive-outbox.ts";
import type { ConversationDO } from "../../workers/conversation/conversation-do.ts";

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

const listeners = [...ARCHIVE_LISTENERS];
afterEach(() => {
  ARCHIVE_LISTENERS.splice(0, ARCHIVE_LISTENERS.length, ...listeners);
});

describe("the archive pipeline", () => {
  it("writes every event of a conversation to R2 once, as it was stored, and confirms the object's watermark", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    for (const i of range(1, 5)) await json(await postMessage(conv, visitor.token, `m${i}`, `hello ${i}`), 201);
    const status = await waitForArchive(team.workspaceId, conv);
    const row = await indexRow(conv);
    const objects = await archivedObjects(team.workspaceId, conv, row!.createdAt);
    expect(seqsOf(objects)).toEqual(range(1, status.head_seq));
    expect(objects.flatMap((o) => o.lines.map((l) => l.event))).toEqual(await allEvents(conv, team.admin));
    expect(row).toMatchObject({ archivedSeq: status.head_seq, archiveHeadHash: objects.at(-1)!.lines.at(-1)!.hash });
  });

  it("archives a conversation's opening together with the visitor's first lines written a moment later, as one segment", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    // Longer than the quiet period a chatting conversation's hand-over waits for.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await Promise.all(range(1, 5).map(async (i) => json(await postMessage(conv, visitor.token, `o${i}`, `first lines ${i}`), 201)));
    const status = await waitForArchive(team.workspaceId, conv);
    const objects = await archivedObjects(team.workspaceId, conv, (await indexRow(conv))!.createdAt);
    expect(objects.map((o) => [o.meta.from_seq, o.meta.to_seq])).toEqual([["1", String(status.head_seq)]]);
  });

  it("archives what an object accepted just before it was evicted, through its alarm, once", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    await waitForArchive(team.workspaceId, conv);
    const stub = conversationObject(team.workspaceId, conv);
    // Evicted before its in-memory hand-over timer runs: only the durable alarm is left to do it.
    await runInDurableObject(stub, async (instance: ConversationDO) => {
      const ack = await instance.postMessage(
        { workspace_id: team.workspaceId, actor: { role: "visitor", id: visitor.contact_id } },
        { client_msg_id: "before-eviction", visibility: "public", content: { kind: "text", text: "just in time" } },
      );
      if (!ack.ok) throw new Error(JSON.stringify(ack));
      // An eviction takes the instance's timers with it; stop this one so the test does not depend on how.
      const self = instance as any;
      clearTimeout(self.archiveTimer.timer);
      self.archiveTimer = null;
    });
    await evictDurableObject(stub);
    const status = await waitUntil(
      "the backstop alarm to archive the message",
      async () => {
        const s = await stub.archiveStatus();
        return s && s.confirmed_seq === s.head_seq ? s : undefined;
      },
      { timeoutMs: ARCHIVE_BACKSTOP_MS + 10_000 },
    );
    const row = await indexRow(conv);
    expect(seqsOf(await archivedObjects(team.workspaceId, conv, row!.createdAt))).toEqual(range(1, status.head_seq));
    expect(row).toMatchObject({ archivedSeq: status.head_seq, lastMessagePreview: "just in time" });
  }, ARCHIVE_BACKSTOP_MS + 20_000);

  it("keeps a confirmed watermark through an eviction that follows the confirmation", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    await json(await postMessage(conv, visitor.token, "last-word", "goodbye"), 201);
    const confirmed = await waitForArchive(team.workspaceId, conv);
    const stub = conversationObject(team.workspaceId, conv);
    await evictDurableObject(stub);
    expect(await stub.archiveStatus()).toEqual(confirmed);
  });

  it("names each segment by its first seq under workspace, start date and conversation, with its range in the metadata", async () => {
    const c = await syntheticConversation(team.workspaceId, 4);
    expect(await deliver([c.batch(1, 5)])).toEqual({ acked: 1, retried: 0 });
    const [object] = await archivedObjects(team.workspaceId, c.conversationId, c.createdAt);
    const day = new Date(c.createdAt).toISOString().slice(0, 10);
    expect(object!.key).toBe(`${team.workspaceId}/${day}/${c.conversationId}/000000000001.ndjson`);
    expect(object!.meta).toEqual({ from_seq: "1", to_seq: "5", last_hash: c.hashes[4] });
  });

  it("changes nothing when a batch is delivered again, alone or together with itself", async () => {
    const c = await syntheticConversation(team.workspaceId, 6);
    await deliver([c.batch(1, 4)]);
    const before = await archivedObjects(team.workspaceId, c.conversationId, c.createdAt);
    expect(await deliver([c.batch(1, 4)])).toEqual({ acked: 1, retried: 0 });
    expect(await deliver([c.batch(1, 4), c.batch(1, 4)])).toEqual({ acked: 2, retried: 0 });
    expect(await archivedObjects(team.workspaceId, c.conversationId, c.createdAt)).toEqual(before);
  });

  it("writes only the new part of a re-send that overlaps what is archived, whatever its boundaries", async () => {
    const c = await syntheticConversation(team.workspaceId, 9);
    await deliver([c.batch(1, 3), c.batch(4, 6)]);
    // A re-send after a rewind: one batch from an earlier boundary, past the archive's end.
    expect(await deliver([c.batch(2, 8)])).toEqual({ acked: 1, retried: 0 });
    expect(await deliver([c.batch(4, 10), c.batch(5, 7)])).toEqual({ acked: 2, retried: 0 });
    const objects = await archivedObjects(team.workspaceId, c.conversationId, c.createdAt);
    expect(seqsOf(objects)).toEqual(range(1, 10));
    expect(objects.map((o) => [o.meta.from_seq, o.meta.to_seq])).toEqual([["1", "6"], ["7", "8"], ["9", "10"]]);
    expect(await indexRow(c.conversationId)).toMatchObject({ archivedSeq: 10, archiveHeadHash: c.hashes[9] });
  });

  it("leaves one copy of each event when two consumers write overlapping batches at the same time", async () => {
    const c = await syntheticConversation(team.workspaceId, 11);
    await Promise.all([deliver([c.batch(1, 8)]), deliver([c.batch(1, 12)]), deliver([c.batch(1, 5)])]);
    await deliver([c.batch(1, 12)], 2);
    expect(seqsOf(await archivedObjects(team.workspaceId, c.conversationId, c.createdAt))).toEqual(range(1, 12));
  });

  it("holds back a batch that arrives before the one it follows, then archives both once", async () => {
    const c = await syntheticConversation(team.workspaceId, 5);
    expect(await deliver([c.batch(4, 6)])).toEqual({ acked: 0, retried: 1 });
    expect(await archivedObjects(team.workspaceId, c.conversationId, c.createdAt)).toEqual([]);
    expect(await deliver([c.batch(1, 3)])).toEqual({ acked: 1, retried: 0 });
    expect(await deliver([c.batch(4, 6)], 2)).toEqual({ acked: 1, retried: 0 });
    expect(seqsOf(await archivedObjects(team.workspaceId, c.conversationId, c.createdAt))).toEqual(range(1, 6));
  });

  it("retries a batch whose listener failed after R2 was written: the listener gets the events again, R2 no second copy", async () => {
    const c = await syntheticConversation(team.workspaceId, 4);
    const seen: number[][] = [];
    let failing = true;
    ARCHIVE_LISTENERS.push(async (archived) => {
      seen.push(archived.filter((a) => a.batch.conversation_id === c.conversationId).flatMap((a) => a.batch.events.map((e) => e.seq)));
      if (failing) throw new Error("the webhook endpoint is down");
    });
    expect(await deliver([c.batch(1, 5)])).toEqual({ acked: 0, retried: 1 });
    expect(seqsOf(await archivedObjects(team.workspaceId, c.conversationId, c.createdAt))).toEqual(range(1, 5));
    expect(await indexRow(c.conversationId)).toMatchObject({ archivedSeq: 0 });

    failing = false;
    expect(await deliver([c.batch(1, 5)], 2)).toEqual({ acked: 1, retried: 0 });
    expect(seen).toEqual([range(1, 5), range(1, 5)]);
    expect(seqsOf(await archivedObjects(team.workspaceId, c.conversationId, c.createdAt))).toEqual(range(1, 5));
    expect(await indexRow(c.conversationId)).toMatchObject({ archivedSeq: 5, lastMessagePreview: "message 5" });
  });

  it("re-sends a hand-over the queue lost once it stays unconfirmed, and archives it once", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    await waitForArchive(team.workspaceId, conv);
    const stub = conversationObject(team.workspaceId, conv);
    // Store a message and hand it over to a queue that drops it, before the object's own alarm can.
    const head = await runInDurableObject(stub, async (instance: ConversationDO) => {
      const self = instance as any;
      const ack = await instance.postMessage(
        { workspace_id: team.workspaceId, actor: { role: "visitor", id: visitor.contact_id } },
        { client_msg_id: "lost", visibility: "public", content: { kind: "text", text: "into the void" } },
      );
      if (!ack.ok) throw new Error(JSON.stringify(ack));
      await flushOutbox(self.store, async () => {}, Date.now);
      return self.store.headSeq() as number;
    });
    const dropped = await stub.archiveStatus();
    expect(dropped).toMatchObject({ head_seq: head, handed_seq: head });
    expect(dropped!.confirmed_seq).toBeLessThan(head);

    // Past the confirmation timeout, the watermark path sends it again through the real queue, and says so for an alert.
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await runInDurableObject(stub, async (instance: ConversationDO) => {
        await flushOutbox((instance as any).store, async (batch) => {
          await env.EVENTS.send(batch);
        }, () => Date.now() + 121_000);
      });
      expect(errors.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringContaining(`archive unconfirmed: ${conv} handed seq ${head}`));
    } finally {
      errors.mockRestore();
    }
    await waitForArchive(team.workspaceId, conv);
    const row = await indexRow(conv);
    expect(seqsOf(await archivedObjects(team.workspaceId, conv, row!.createdAt))).toEqual(range(1, head));
  });
});

describe("conversations archived before the hash chain", () => {
  it("archive again from seq 1 with a chain on their next flush", async () => {
    const visitor = await newVisitor(team);
    const conv = visitor.conversation_id;
    await json(await postMessage(conv, visitor.token, "old", "from before the upgrade"), 201);
    const status0 = await waitForArchive(team.workspaceId, conv);
    const row = await indexRow(conv);
    // The state an object from before the chain is in after a deploy: watermarks at its head, no
    // chain, nothing in R2, and a new instance reading that from storage.
    const stub = conversationObject(team.workspaceId, conv);
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec("UPDATE conversation SET archive_handed_seq = ?, archive_confirmed_seq = ?", status0.head_seq, status0.head_seq);
      state.storage.sql.exec("DELETE FROM archive_chain");
    });
    await evictDurableObject(stub);
    for (const o of await archivedObjects(team.workspaceId, conv, row!.createdAt)) await env.ARCHIVE.delete(o.key);
    await env.DB.prepare("UPDATE conversations SET archived_seq = 0, archive_head_hash = NULL WHERE id = ?").bind(conv).run();

    await json(await postMessage(conv, visitor.token, "new", "after the upgrade"), 201);
    const status = await waitForArchive(team.workspaceId, conv);
    expect(seqsOf(await archivedObjects(team.workspaceId, conv, row!.createdAt))).toEqual(range(1, status.head_seq));
    const report = await json(await call(`/api/archive/conversations/${conv}/verify`, { token: team.admin }), 200);
    expect(report).toMatchObject({ ok: true, archived_seq: status.head_seq });
  });
});

describe("the dead-letter queue", () => {
  it("parks a batch the queue gave up on, shows it to admins, and replays it into the archive", async () => {
    const c = await syntheticConversation(team.workspaceId, 3);
    await env.EVENTS_DLQ.send(c.batch(1, 4));
    const listed = await waitUntil("the dead letter to be parked", async () => {
      const res = await json(await call("/api/archive/dead-letters", { token: team.admin }), 200);
      return res.items.find((i: any) => i.conversation_id === c.conversationId);
    });
    expect(listed).toMatchObject({ replayable: true, reason: expect.stringContaining("retries exhausted") });

    const replay = await json(await call("/api/archive/dead-letters/replay", { method: "POST", token: team.admin }), 200);
    expect(replay.replayed).toBeGreaterThanOrEqual(1);
    await waitUntil("the replayed batch to be archived", async () => (await indexRow(c.conversationId))?.archivedSeq === 4);
    expect(seqsOf(await archivedObjects(team.workspaceId, c.conversationId, c.createdAt))).toEqual(range(1, 4));
    const after = await json(await call("/api/archive/dead-letters", { token: team.admin }), 200);
    expect(after.items.find((i: any) => i.conversation_id === c.conversationId)).toBeUndefined();
  });

  it("parks a malformed batch as not replayable and keeps it through a replay", async () => {
    await env.EVENTS.send({ kind: "conversation_events", workspace_id: team.workspaceId, conversation_id: "cv_broken000000", events: "nope" } as any);
    const parked = await waitUntil("the malformed batch to be parked", async () => {
      const res = await json(await call("/api/archive/dead-letters", { token: team.admin }), 200);
      return res.items.find((i: any) => i.conversation_id === "cv_broken000000");
    });
    expect(parked).toMatchObject({ replayable: false, reason: "invalid archive batch" });
    await json(await call("/api/archive/dead-letters/replay", { method: "POST", token: team.admin }), 200);
    const after = await json(await call("/api/archive/dead-letters", { token: team.admin }), 200);
    expect(after.items.find((i: any) => i.conversation_id === "cv_broken000000")).toBeDefined();
  });

  it("is only for admins", async () => {
    for (const token of [team.agent, team.supervisor]) {
      expect((await call("/api/archive/dead-letters", { token })).status).toBe(403);
      expect((await call("/api/archive/dead-letters/replay", { method: "POST", token })).status).toBe(403);
    }
  });
});
