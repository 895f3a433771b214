// Applies D1 migrations to the local database and seeds the demo workspace (idempotent).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWorkspaceSeed, DEMO_SEED } from "../src/db/demo-seed.ts";
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
  const file = join(mkdtempSync(join(tmpdir(), "switchboard-seed-")), "seed.sql");
  writeFileSync(file, statements.join("\n"));
  wrangler(["d1", "execute", "DB", "--local", ...persist, "--file", file]);
  return seed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seed = await migrateAndSeed();
  console.log(`Seeded workspace "${seed.workspace.slug}" with ${seed.users.length} users.`);
}
