import { beforeAll, describe, expect, it } from "vitest";
import { call, json, postMessage } from "../support/api.ts";
import { createApiKey, v1 } from "../support/api-keys.ts";
import { waitForArchive } from "../support/archive.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";

let team: Team;
let other: Team;
let conversationId: string;
let head: number;
let secret: string;

beforeAll(async () => {
  [team, other] = await Promise.all([createTeam(), createTeam()]);
  const visitor = await newVisitor(team);
  conversationId = visitor.conversation_id;
  for (let i = 1; i <= 6; i++) await json(await postMessage(conversationId, visitor.token, `t-${i}`, `message ${i}`), 201);
  await json(await postMessage(conversationId, visitor.token, "t-mail", "write to li.lei@example.com"), 201);
  head = (await waitForArchive(team.workspaceId, conversationId)).head_seq;
  secret = (await createApiKey(team, ["archive:read"], "archive reader")).secret;
});

async function page(query: string, key = secret) {
  return json(await v1(`/conversations/${conversationId}/transcript?${query}`, key), 200);
}

describe("the archived transcript through the open API", () => {
  it("pages through every archived event in seq order, each once, until complete", async () => {
    const seqs: number[] = [];
    let after = 0;
    for (let i = 0; i < 20; i++) {
      const p = await page(`after=${after}&limit=3`);
      expect(p.events.length).toBeLessThanOrEqual(3);
      seqs.push(...p.events.map((e: any) => e.seq));
      after = p.next_after;
      if (p.complete) break;
    }
    expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    const last = await page(`after=${after}`);
    expect(last).toMatchObject({ events: [], next_after: head, complete: true, archived_seq: head });
  });

  it("masks personal data unless raw=true, and records each read in the audit log under the key", async () => {
    const masked = await page("after=0&limit=500");
    const texts = (p: any) => p.events.filter((e: any) => e.type === "message").map((e: any) => e.content.text);
    expect(masked.masked).toBe(true);
    expect(texts(masked)).toContain("write to l***@example.com");
    const raw = await page("after=0&limit=500&raw=true");
    expect(raw.masked).toBe(false);
    expect(texts(raw)).toContain("write to li.lei@example.com");
    const audit = await json(await call("/api/archive/audit-log?limit=200", { token: team.admin }), 200);
    const reads = audit.items.filter((a: any) => a.conversation_id === conversationId);
    expect(reads.map((a: any) => a.raw)).toEqual(expect.arrayContaining([true, false]));
  });

  it("needs the archive:read scope", async () => {
    const without = (await createApiKey(team, ["conversations:read"], "no archive")).secret;
    expect((await json(await v1(`/conversations/${conversationId}/transcript`, without), 403)).error.code).toBe("forbidden");
  });

  it("answers 404 for another workspace's conversation", async () => {
    const foreign = (await createApiKey(other, ["archive:read"], "foreign")).secret;
    expect((await json(await v1(`/conversations/${conversationId}/transcript`, foreign), 404)).error.code).toBe("not_found");
  });

  it("refuses a limit over 500 with the field at fault", async () => {
    const res = await json(await v1(`/conversations/${conversationId}/transcript?limit=501`, secret), 400);
    expect(res.error.details.map((d: any) => d.path)).toContain("limit");
  });
});
