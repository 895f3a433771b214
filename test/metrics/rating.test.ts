import { beforeAll, describe, expect, it } from "vitest";
import { allEvents, call, json, postMessage } from "../support/api.ts";
import { waitForArchive } from "../support/archive.ts";
import { createTeam, newVisitor, type Team } from "../support/fixture.ts";
import { metrics } from "../support/metrics.ts";
import { setState } from "../support/routing.ts";

let team: Team;
beforeAll(async () => {
  team = await createTeam();
});

const rate = (conversationId: string, token: string | undefined, body: unknown) =>
  call(`/api/conversations/${conversationId}/rating`, { method: "POST", ...(token ? { token } : {}), json: body });

async function endedConversation(t = team) {
  const visitor = await newVisitor(t);
  await json(await postMessage(visitor.conversation_id, visitor.token, "v1", "hello"), 201);
  await setState(visitor.conversation_id, t.agent, "serving");
  await json(await postMessage(visitor.conversation_id, t.agent, "a1", "hi, how can I help?"), 201);
  await setState(visitor.conversation_id, t.agent, "ended");
  return visitor;
}

describe("the visitor's satisfaction rating", () => {
  it("records a rating after the end as a rated event in the conversation", async () => {
    const visitor = await endedConversation();
    const ack = await json(await rate(visitor.conversation_id, visitor.token, { score: 2, comment: "slow" }), 201);
    const events = await allEvents(visitor.conversation_id, team.admin);
    expect(events.at(-1)).toMatchObject({ type: "rated", seq: ack.seq, score: 2, comment: "slow", by: { role: "visitor" } });
  });

  it("counts the rating in the metrics once the archive has it", async () => {
    const own = await createTeam();
    const visitor = await endedConversation(own);
    await json(await rate(visitor.conversation_id, visitor.token, { score: 4 }), 201);
    await waitForArchive(own.workspaceId, visitor.conversation_id);
    const range = { from: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), to: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) };
    const report = await metrics(own.admin, range);
    expect(report.totals).toMatchObject({ rated: 1, rating_sum: 4, avg_rating: 4 });
  });

  it("refuses a second rating with already_rated", async () => {
    const visitor = await endedConversation();
    await json(await rate(visitor.conversation_id, visitor.token, { score: 5 }), 201);
    expect((await json(await rate(visitor.conversation_id, visitor.token, { score: 1 }), 409)).error.code).toBe("already_rated");
  });

  it("refuses a rating before the end with conversation_open", async () => {
    const visitor = await newVisitor(team);
    expect((await json(await rate(visitor.conversation_id, visitor.token, { score: 5 }), 409)).error.code).toBe("conversation_open");
  });

  it("lets only the visitor rate", async () => {
    const visitor = await endedConversation();
    expect((await json(await rate(visitor.conversation_id, team.agent, { score: 5 }), 403)).error.code).toBe("forbidden");
    const stranger = await newVisitor(team);
    expect((await json(await rate(visitor.conversation_id, stranger.token, { score: 5 }), 403)).error.code).toBe("forbidden");
  });

  it("rejects a score outside 1 to 5 with invalid_request", async () => {
    const visitor = await endedConversation();
    expect((await json(await rate(visitor.conversation_id, visitor.token, { score: 6 }), 400)).error.code).toBe("invalid_request");
    expect((await json(await rate(visitor.conversation_id, visitor.token, { score: 3.5 }), 400)).error.code).toBe("invalid_request");
  });
});
