import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { type ConversationEvent, newId } from "../../src/model/index.ts";
import { database, schema } from "../../workers/db.ts";
import { call, json } from "./api.ts";
import { handOver } from "./archive.ts";

export const S = 1000;
export const MIN = 60 * S;

/**
 * A conversation that exists only in the archive pipeline, with the events a test scripts as
 * (offset from `t0`, event) pairs: its index row, its hash chain, and the queue body the object
 * would hand over for any seq range.
 */
export async function scriptedConversation(workspaceId: string, t0: number, steps: Array<[number, Record<string, unknown>]>) {
  const conversationId = newId("conversation");
  const contactId = newId("contact");
  const db = database(env.DB);
  await db.batch([
    db.insert(schema.contacts).values({ id: contactId, workspaceId, createdAt: t0, updatedAt: t0 }),
    db.insert(schema.conversations).values({ id: conversationId, workspaceId, contactId, channel: "web", state: "queued", lastSeq: 1, createdAt: t0, updatedAt: t0 }),
  ]);
  const visitor = { role: "visitor" as const, id: contactId };
  let n = 0;
  const events = [
    { type: "conversation_started", at: t0, visibility: "public", workspace_id: workspaceId, conversation_id: conversationId, contact: visitor, context: { channel: "web" } },
    ...steps.map(([offset, e]) => {
      const event: Record<string, unknown> = { visibility: "public", ...e, at: t0 + offset };
      // Visitor messages are scripted with sender "visitor": give them this conversation's contact.
      if (event.type === "message" && event.sender === "visitor") Object.assign(event, { sender: visitor });
      if (event.type === "message") Object.assign(event, { server_msg_id: newId("message"), client_msg_id: `c${++n}` });
      if (event.by === "visitor") Object.assign(event, { by: visitor });
      return event;
    }),
  ].map((e, i) => ({ ...e, seq: i + 1 }) as ConversationEvent);
  const { batch } = await handOver(workspaceId, conversationId, t0, events);
  return { conversationId, events, batch };
}

export const text = (sender: unknown, body: string, visibility = "public") => ({ type: "message", visibility, sender, content: { kind: "text", text: body } });

/** An agent's assignment as routing writes it: joined, assigned, serving. */
export const assignment = (agent: { role: "agent"; id: string }, group: string, queueWaitMs: number) => [
  { type: "participant_joined", participant: agent },
  { type: "assigned", visibility: "internal", agent, group_id: group, queue_wait_ms: queueWaitMs },
  { type: "state_changed", from: "queued", to: "serving", by: { role: "system", id: "system" } },
];

export const routedTo = (group: string) => ({
  type: "routed",
  visibility: "internal",
  version: 1,
  decided_by: "r",
  target: { kind: "group", group, priority: 50 },
  intent: "none",
});

export const atOffset = (offset: number, events: Array<Record<string, unknown>>): Array<[number, Record<string, unknown>]> => events.map((e) => [offset, e]);

export async function setTimezone(workspaceId: string, timezone: string) {
  await database(env.DB).update(schema.workspaces).set({ timezone }).where(eq(schema.workspaces.id, workspaceId));
}

/** GET /api/metrics with these query parameters, as this user. */
export async function metrics(token: string, query: Record<string, string>, status = 200) {
  return json(await call(`/api/metrics?${new URLSearchParams(query)}`, { token }), status);
}

/** Every rollup row of a workspace, in key order: what "the live figures" are. */
export async function rollupRows(workspaceId: string) {
  const rows = await env.DB.prepare("SELECT * FROM metric_rollups WHERE workspace_id = ? ORDER BY day, hour, channel, group_id, agent_id").bind(workspaceId).all();
  return rows.results;
}

/** Runs the rebuild over every page, as the npm script does. */
export async function rebuildAll(adminToken: string, apply = false) {
  const pages = [];
  let cursor: string | undefined;
  do {
    const page = await json(await call("/api/metrics/rebuild", { method: "POST", token: adminToken, json: { limit: 2, apply, ...(cursor ? { cursor } : {}) } }), 200);
    pages.push(page);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return {
    checked: pages.reduce((n, p) => n + p.checked, 0),
    conversations: pages.flatMap((p) => p.conversations),
    rollups: pages.flatMap((p) => p.rollups),
  };
}
