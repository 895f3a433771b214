import type { SeedWorkspace } from "../../src/db/demo-seed.ts";
import { login, startVisitor, type VisitorSession } from "./api.ts";
import { createWorkspace } from "./workspace.ts";

/** A fresh workspace with signed-in staff: created once per test file, shared by its tests. */
export interface Team {
  seed: SeedWorkspace;
  workspaceId: string;
  agent: string;
  agent2: string;
  supervisor: string;
  admin: string;
}

export async function createTeam(): Promise<Team> {
  const seed = await createWorkspace();
  const [agent, agent2, supervisor, admin] = await Promise.all([
    login(seed, "agent", 0),
    login(seed, "agent", 1),
    login(seed, "supervisor"),
    login(seed, "admin"),
  ]);
  return { seed, workspaceId: seed.workspace.id, agent, agent2, supervisor, admin };
}

/** A new visitor with a new conversation of its own (seq 1 is conversation_started). */
export function newVisitor(team: Team): Promise<VisitorSession> {
  return startVisitor(team.seed);
}

/** Users' ids, for checking `sender` and `participant` fields. */
export function userId(team: Team, role: "agent" | "supervisor" | "admin", index = 0): string {
  return team.seed.users.filter((u) => u.role === role)[index]!.id;
}
