import { env } from "cloudflare:workers";
import { buildWorkspaceSeed, type SeedWorkspace } from "../../src/db/demo-seed.ts";
import { database, schema } from "../../workers/db.ts";

export const TEST_PASSWORD = "correct horse battery staple";

/** A fresh workspace (admin, two agents, a supervisor) with names no other test uses. */
export async function createWorkspace(): Promise<SeedWorkspace> {
  const tag = crypto.randomUUID().slice(0, 8);
  const seed = await buildWorkspaceSeed({
    slug: `t-${tag}`,
    name: `Test ${tag}`,
    widgetKey: `wk_test_${tag}`,
    password: TEST_PASSWORD,
    emailDomain: `${tag}.test`,
  });
  const db = database(env.DB);
  await db.batch([
    db.insert(schema.workspaces).values(seed.workspace),
    db.insert(schema.users).values(
      seed.users.map((u) => ({
        id: u.id,
        workspaceId: seed.workspace.id,
        email: u.email,
        name: u.name,
        role: u.role,
        passwordHash: u.passwordHash,
        createdAt: seed.workspace.createdAt,
      })),
    ),
  ]);
  return seed;
}

export function userOf(seed: SeedWorkspace, role: "admin" | "agent" | "supervisor", index = 0) {
  const user = seed.users.filter((u) => u.role === role)[index];
  if (!user) throw new Error(`the test workspace has no ${role} #${index}`);
  return user;
}
