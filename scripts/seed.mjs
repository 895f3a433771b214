// Applies D1 migrations to the local database and seeds the demo workspace (idempotent).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWorkspaceSeed, DEMO_SEED, demoRouting } from "../src/db/demo-seed.ts";
import { wrangler } from "./wrangler-env.mjs";

const quote = (v) => (v === null || v === undefined ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);

export async function migrateAndSeed({ persistTo } = {}) {
  const persist = persistTo ? ["--persist-to", persistTo] : [];
  wrangler(["d1", "migrations", "apply", "DB", "--local", ...persist]);
  const seed = await buildWorkspaceSeed(DEMO_SEED);
  const w = seed.workspace;
  const statements = [
    `INSERT OR IGNORE INTO workspaces (id, slug, name, widget_key, timezone, created_at) VALUES (${[w.id, w.slug, w.name, w.widgetKey, w.timezone, w.createdAt].map(quote).join(", ")});`,
    ...seed.users.map(
      (u) =>
        `INSERT OR IGNORE INTO users (id, workspace_id, email, name, role, password_hash, active, created_at) VALUES (${[u.id, w.id, u.email, u.name, u.role, u.passwordHash, 1, w.createdAt].map(quote).join(", ")});`,
    ),
  ];
  const routing = demoRouting(seed);
  const values = (...v) => v.map(quote).join(", ");
  for (const s of routing.schedules) {
    statements.push(`INSERT OR IGNORE INTO schedules (id, workspace_id, name, body, updated_at) VALUES (${values(s.id, w.id, s.name, JSON.stringify(s.body), w.createdAt)});`);
  }
  for (const g of routing.groups) {
    statements.push(`INSERT OR IGNORE INTO skill_groups (id, workspace_id, name, policy, requeue, created_at, updated_at) VALUES (${values(g.id, w.id, g.name, g.policy, "front", w.createdAt, w.createdAt)});`);
    for (const m of g.members) {
      statements.push(`INSERT OR IGNORE INTO group_members (workspace_id, group_id, user_id, created_at) VALUES (${values(w.id, g.id, m, w.createdAt)});`);
    }
  }
  statements.push(
    `INSERT OR IGNORE INTO rule_set_versions (workspace_id, version, body, note, published_by, published_at) VALUES (${values(w.id, 1, JSON.stringify(routing.ruleSet), "demo rules", seed.users[0].id, w.createdAt)});`,
  );
  const file = join(mkdtempSync(join(tmpdir(), "switchboard-seed-")), "seed.sql");
  writeFileSync(file, statements.join("\n"));
  wrangler(["d1", "execute", "DB", "--local", ...persist, "--file", file]);
  return seed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seed = await migrateAndSeed();
  console.log(`Seeded workspace "${seed.workspace.slug}" with ${seed.users.length} users.`);
}
