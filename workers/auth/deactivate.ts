import { and, eq } from "drizzle-orm";
import { SwitchboardError } from "../../src/model/index.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { syncAgents } from "../directory/routing-config.ts";
import { agentStub, conversationStub } from "../stubs.ts";
import { revokeUserSessions } from "./sessions.ts";

const REASON = "account deactivated";

/**
 * Deactivation ends everything the user has open: sessions are revoked, the workstation socket is
 * closed, their conversations go back to the queue, and their sockets on those conversations are
 * closed (found through the agent's active conversations: bounded by their capacity). Sockets on
 * conversations they were only watching stay until they close, but can do nothing a revoked
 * session cannot: every HTTP call and reconnect is refused.
 */
export async function deactivateUser(env: Env, workspaceId: string, userId: string, now = Date.now()): Promise<{ closed_conversations: number }> {
  const db = database(env.DB);
  const u = schema.users;
  const updated = await db.update(u).set({ active: false }).where(and(eq(u.workspaceId, workspaceId), eq(u.id, userId))).returning({ id: u.id });
  if (updated.length === 0) throw new SwitchboardError("not_found", "no such user");
  await revokeUserSessions(db, userId, now);
  // Capacity 0 from now on: routing assigns them nothing new, whatever happens to their sockets.
  await syncAgents(env, db, workspaceId, [userId]);
  const conversations = await agentStub(env, workspaceId, userId).disconnect(REASON);
  await Promise.all(
    conversations.map(async (id) => {
      try {
        await conversationStub(env, workspaceId, id).disconnectActor(userId, REASON);
      } catch (err) {
        console.error(`closing ${userId}'s sockets on ${id} failed`, err);
      }
    }),
  );
  return { closed_conversations: conversations.length };
}
