import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { json, postMessage } from "../support/api.ts";
import { waitForArchive } from "../support/archive.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { metrics, rebuildAll, rollupRows } from "../support/metrics.ts";
import { setState } from "../support/routing.ts";

let team: Team;
let conversations: string[];
let today: { from: string; to: string };

/** A real conversation over HTTP: the visitor asks, an agent claims it, answers and ends it. */
async function servedConversation(agentToken: string) {
  const visitor = await newVisitor(team);
  const conv = visitor.conversation_id;
  await json(await postMessage(conv, visitor.token, "v1", "my order is late"), 201);
  await setState(conv, agentToken, "serving");
  await json(await postMessage(conv, agentToken, "a1", "let me check"), 201);
  await setState(conv, agentToken, "ended");
  await waitForArchive(team.workspaceId, conv);
  return conv;
}

beforeAll(async () => {
  team = await createTeam();
  const start = new Date(Date.now() - 3_600_000).toISOString().slice(0, 10);
  conversations = [await servedConversation(team.agent), await servedConversation(team.agent2)];
  const visitor = await newVisitor(team);
  await json(await postMessage(visitor.conversation_id, visitor.token, "v1", "hello?"), 201);
  await setState(visitor.conversation_id, visitor.token, "ended");
  await waitForArchive(team.workspaceId, visitor.conversation_id);
  conversations.push(visitor.conversation_id);
  today = { from: start, to: new Date(Date.now() + 3_600_000).toISOString().slice(0, 10) };
});

describe("the metrics rebuild", () => {
  it("finds the live figures of real conversations equal to those recomputed from the archive", async () => {
    const report = await metrics(team.admin, today);
    expect(report.totals).toMatchObject({ started: 3, assignments: 2, first_responses: 2, ended: 3, resolved: 2, abandoned: 1 });
    expect(await rebuildAll(team.admin)).toEqual({ checked: 3, conversations: [], rollups: [] });
  });

  it("names a conversation whose facts and a rollup that no longer match, and repairs both on apply", async () => {
    const live = await rollupRows(team.workspaceId);
    await env.DB.prepare("DELETE FROM metric_facts WHERE conversation_id = ? AND resolved = 1").bind(conversations[0]).run();
    await env.DB.prepare("UPDATE metric_rollups SET started = started + 7 WHERE workspace_id = ?").bind(team.workspaceId).run();
    const found = await rebuildAll(team.admin);
    expect(found.conversations.map((c: any) => c.conversation_id)).toEqual([conversations[0]]);
    expect(found.rollups.length).toBeGreaterThan(0);
    await rebuildAll(team.admin, true);
    expect(await rebuildAll(team.admin)).toEqual({ checked: 3, conversations: [], rollups: [] });
    expect(await rollupRows(team.workspaceId)).toEqual(live);
  });

  it("recomputes every rollup from the archive alone after the metric tables were emptied", async () => {
    const live = await rollupRows(team.workspaceId);
    expect(live.length).toBeGreaterThan(0);
    for (const table of ["metric_rollups", "metric_facts", "metric_conversations"]) {
      await env.DB.prepare(`DELETE FROM ${table} WHERE workspace_id = ?`).bind(team.workspaceId).run();
    }
    expect((await rebuildAll(team.admin, true)).conversations).toHaveLength(3);
    expect(await rollupRows(team.workspaceId)).toEqual(live);
  });
});
