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
 * closed, their conversations go back to the queue, and every conversation socket they have —
 * served, monitored or only viewed — is closed. The agent's object knows those conversations
 * (`recordStaffSocket` tells it of each one as it opens; bounded by `WATCHED_LIMIT`).
 */
export async function deactivateUser(
  env: Env,
  workspaceId: string,
  userId: string,
  now = Date.now(),
): Promise<{ closed_conversations: number; closed_sockets: number }> {
  const db = database(env.DB);
  const u = schema.users;
  const updated = await db.update(u).set({ active: false }).where(and(eq(u.workspaceId, workspaceId), eq(u.id, userId))).returning({ id: u.id });
  if (updated.length === 0) throw new SwitchboardError("not_found", "no such user");
  await revokeUserSessions(db, userId, now);
  // Capacity 0 from now on: routing assigns them nothing new, whatever happens to their sockets.
  await syncAgents(env, db, workspaceId, [userId]);
  const { served, watched } = await agentStub(env, workspaceId, userId).disconnect(REASON);
  const closed = await Promise.all(
    [...new Set([...served, ...watched])].map(async (id) => {
      try {
        return await conversationStub(env, workspaceId, id).disconnectActor(userId, REASON);
      } catch (err) {
        console.error(`closing ${userId}'s sockets on ${id} failed`, err);
        return 0;
      }
    }),
  );
  return { closed_conversations: served.length, closed_sockets: closed.reduce((a, b) => a + b, 0) };
}

/** Undoes `deactivateUser`: the account can sign in and open sockets again. */
export async function reactivateUser(env: Env, workspaceId: string, userId: string): Promise<void> {
  const db = database(env.DB);
  const u = schema.users;
  const updated = await db.update(u).set({ active: true }).where(and(eq(u.workspaceId, workspaceId), eq(u.id, userId))).returning({ id: u.id });
  if (updated.length === 0) throw new SwitchboardError("not_found", "no such user");
  await agentStub(env, workspaceId, userId).reactivate();
  await syncAgents(env, db, workspaceId, [userId]);
}

/**
 * The gateway accepted a staff socket on a conversation: tell the user's object, so deactivation
 * finds it. Called after the conversation accepted the socket, so whichever of this and
 * `deactivateUser` reaches the agent's object second closes it: deactivation through the record,
 * or this through the answer that the user is already deactivated.
 */
export async function recordStaffSocket(env: Env, workspaceId: string, userId: string, conversationId: string): Promise<void> {
  if (await agentStub(env, workspaceId, userId).watch(conversationId)) return;
  await conversationStub(env, workspaceId, conversationId).disconnectActor(userId, REASON);
}
