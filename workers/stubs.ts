import type { Env } from "./env.ts";

/**
 * Durable Object names are scoped by workspace: `<workspace_id>/<id>`. An ID from another
 * workspace therefore names a different, empty object, never someone else's.
 */
export function objectName(workspaceId: string, id: string): string {
  return `${workspaceId}/${id}`;
}

export function conversationStub(env: Env, workspaceId: string, conversationId: string) {
  return env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(objectName(workspaceId, conversationId)));
}

export function groupStub(env: Env, workspaceId: string, groupId: string) {
  return env.SKILL_GROUPS.get(env.SKILL_GROUPS.idFromName(objectName(workspaceId, groupId)));
}

export function agentStub(env: Env, workspaceId: string, userId: string) {
  return env.AGENTS.get(env.AGENTS.idFromName(objectName(workspaceId, userId)));
}
