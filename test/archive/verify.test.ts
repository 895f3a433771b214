import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { chainHash, segmentKey, conversationPrefix } from "../../src/archive/index.ts";
import { call, json, postMessage, range } from "../support/api.ts";
import { archivedObjects, deliver, syntheticConversation, waitForArchive } from "../support/archive.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";

let team: Team;
let other: Team;
beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
});

/** A conversation archived as three segments: seq 1–3, 4–6 and 7–9. */
async function archivedInThree() {
  const c = await syntheticConversation(team.workspaceId, 8);
  await deliver([c.batch(1, 3)]);
  await deliver([c.batch(4, 6)]);
  await deliver([c.batch(7, 9)]);
  const objects = await archivedObjects(team.workspaceId, c.conversationId, c.createdAt);
  expect(objects.map((o) => o.key.slice(-19))).toEqual(["000000000001.ndjson", "000000000004.ndjson", "000000000007.ndjson"]);
  return { ...c, objects };
}

async function verify(conversationId: string, token = team.admin) {
  return json(await call(`/api/archive/conversations/${conversationId}/verify`, { token }), 200);
}

/** Rewrites a stored segment, as someone with bucket access could. */
async function overwrite(key: string, edit: (lines: any[]) => Promise<any[]> | any[]) {
  const text = await (await env.ARCHIVE.get(key))!.text();
  const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
  const edited = await edit(lines);
  await env.ARCHIVE.put(key, edited.map((l) => `${JSON.stringify(l)}\n`).join(""));
}

describe("archive verification", () => {
  it("finds nothing wrong with a conversation's archive as the pipeline wrote it", async () => {
    const visitor = await newVisitor(team);
    for (const i of range(1, 3)) await json(await postMessage(visitor.conversation_id, visitor.token, `v${i}`, `question ${i}`), 201);
    const status = await waitForArchive(team.workspaceId, visitor.conversation_id);
    const report = await verify(visitor.conversation_id);
    expect(report).toMatchObject({ ok: true, problems: [], archived_seq: status.head_seq, last_seq: status.head_seq });
    expect(report.objects[0]).toMatchObject({ from_seq: 1, size: expect.any(Number), uploaded_at: expect.any(Number) });
    expect(report.objects.at(-1).to_seq).toBe(status.head_seq);
  });

  it("names the seq and object of an event whose text was altered", async () => {
    const c = await archivedInThree();
    const key = c.objects[1]!.key;
    await overwrite(key, (lines) => lines.map((l) => (l.seq === 5 ? { ...l, event: { ...l.event, content: { kind: "text", text: "I never said that" } } } : l)));
    const report = await verify(c.conversationId);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ kind: "altered", seq: 5, key, message: `seq 5 in ${key} does not match its hash: the event was altered` }]);
  });

  it("detects an altered event even when its hash was recomputed to match", async () => {
    const c = await archivedInThree();
    const key = c.objects[1]!.key;
    await overwrite(key, async (lines) =>
      Promise.all(
        lines.map(async (l) => {
          if (l.seq !== 5) return l;
          const event = { ...l.event, content: { kind: "text", text: "forged" } };
          return { ...l, event, hash: await chainHash(l.prev_hash, event) };
        }),
      ),
    );
    const report = await verify(c.conversationId);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "altered", seq: 6, key })]);
  });

  it("reports a deleted segment as the exact seqs missing", async () => {
    const c = await archivedInThree();
    await env.ARCHIVE.delete(c.objects[1]!.key);
    const report = await verify(c.conversationId);
    expect(report.problems).toEqual([{ kind: "gap", from_seq: 4, to_seq: 6, message: "seq 4–6 missing from the archive" }]);
  });

  it("reports a deleted last segment as missing against what the index recorded as archived", async () => {
    const c = await archivedInThree();
    await env.ARCHIVE.delete(c.objects[2]!.key);
    const report = await verify(c.conversationId);
    expect(report).toMatchObject({ archived_seq: 9, problems: [{ kind: "gap", from_seq: 7, to_seq: 9 }] });
  });

  it("reports every event that is archived twice, with both objects", async () => {
    const c = await archivedInThree();
    const copyKey = segmentKey(conversationPrefix(team.workspaceId, c.conversationId, c.createdAt), 5);
    const copy = c.objects[1]!.lines.filter((l) => l.seq >= 5);
    await env.ARCHIVE.put(copyKey, copy.map((l) => `${JSON.stringify(l)}\n`).join(""));
    const report = await verify(c.conversationId);
    expect(report.problems).toEqual([
      { kind: "duplicate", seq: 5, keys: [c.objects[1]!.key, copyKey], message: `seq 5 is archived 2 times (${c.objects[1]!.key}, ${copyKey})` },
      { kind: "duplicate", seq: 6, keys: [c.objects[1]!.key, copyKey], message: `seq 6 is archived 2 times (${c.objects[1]!.key}, ${copyKey})` },
    ]);
  });

  it("verifies the workspace page by page, reporting each conversation", async () => {
    const c = await archivedInThree();
    await env.ARCHIVE.delete(c.objects[0]!.key);
    const reports: any[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res: any = await json(await call(`/api/archive/verify?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: team.admin }), 200);
      reports.push(...res.reports);
      cursor = res.next_cursor;
      if (!cursor) break;
    }
    expect(reports.find((r) => r.conversation_id === c.conversationId)).toMatchObject({ ok: false, problems: [{ kind: "gap", from_seq: 1, to_seq: 3 }] });
    expect(new Set(reports.map((r) => r.conversation_id)).size).toBe(reports.length);
  });

  it("is only for admins, and only for their own workspace's conversations", async () => {
    const c = await archivedInThree();
    for (const token of [team.agent, team.supervisor]) {
      expect((await call(`/api/archive/conversations/${c.conversationId}/verify`, { token })).status).toBe(403);
      expect((await call(`/api/archive/verify`, { token })).status).toBe(403);
    }
    expect((await call(`/api/archive/conversations/${c.conversationId}/verify`, { token: other.admin })).status).toBe(404);
    const page = await json(await call(`/api/archive/verify?limit=100`, { token: other.admin }), 200);
    expect(page.reports.map((r: any) => r.conversation_id)).not.toContain(c.conversationId);
  });
});
