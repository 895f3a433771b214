import { hashPassword } from "../auth/index.ts";
import type { UserRole } from "../model/index.ts";
import { newId } from "../model/index.ts";

export interface SeedUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  password: string;
  passwordHash: string;
}

export interface SeedWorkspace {
  workspace: { id: string; slug: string; name: string; widgetKey: string; timezone: string; createdAt: number };
  users: SeedUser[];
}

export interface SeedOptions {
  slug: string;
  name: string;
  widgetKey: string;
  /** Fixed IDs keep `npm start` idempotent; tests pass none and get fresh ones. */
  id?: string;
  password: string;
  emailDomain: string;
}

const PEOPLE: Array<{ local: string; name: string; role: UserRole }> = [
  { local: "admin", name: "Ada Admin", role: "admin" },
  { local: "agent1", name: "Alex Agent", role: "agent" },
  { local: "agent2", name: "Bo Agent", role: "agent" },
  { local: "supervisor", name: "Sam Supervisor", role: "supervisor" },
];

/** A workspace with an admin, two agents and a supervisor: the demo seed and every test's fixture. */
export async function buildWorkspaceSeed(options: SeedOptions, now = Date.now()): Promise<SeedWorkspace> {
  const workspaceId = options.id ?? newId("workspace", now);
  const users: SeedUser[] = [];
  for (const person of PEOPLE) {
    users.push({
      id: options.id ? `us_${options.id.slice(3)}${person.local}` : newId("user", now),
      email: `${person.local}@${options.emailDomain}`,
      name: person.name,
      role: person.role,
      password: options.password,
      passwordHash: await hashPassword(options.password),
    });
  }
  return {
    workspace: { id: workspaceId, slug: options.slug, name: options.name, widgetKey: options.widgetKey, timezone: "UTC", createdAt: now },
    users,
  };
}

export const DEMO_SEED: SeedOptions = {
  id: "ws_demo000000000000",
  slug: "demo",
  name: "Demo Company",
  widgetKey: "wk_demo_public_key",
  password: "switchboard-demo",
  emailDomain: "demo.switchboard.test",
};
