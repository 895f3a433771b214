// `npm run metrics:rebuild`: recomputes every conversation's metric facts from the R2 archive
// through a running instance's admin API and reports whether the live facts and rollups match.
// With --apply, what differs is replaced by the recomputed figures. Exit code 1 if anything differed
// (and was not repaired).
//   npm run metrics:rebuild -- [--apply] [--url http://127.0.0.1:8787] [--workspace demo] [--email …] [--password …] [--token …]
import { parseArgs } from "node:util";
import { DEMO_SEED } from "../src/db/demo-seed.ts";

const { values: opts } = parseArgs({
  options: {
    url: { type: "string", default: process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8787" },
    workspace: { type: "string", default: DEMO_SEED.slug },
    email: { type: "string", default: `admin@${DEMO_SEED.emailDomain}` },
    password: { type: "string", default: DEMO_SEED.password },
    token: { type: "string", default: process.env.SWITCHBOARD_TOKEN },
    page: { type: "string", default: "50" },
    apply: { type: "boolean", default: false },
  },
});

async function api(path, init = {}) {
  const res = await fetch(new URL(path, opts.url), init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path} → HTTP ${res.status}: ${body.error?.message ?? JSON.stringify(body)}`);
  return body;
}

async function signIn() {
  if (opts.token) return opts.token;
  const { token } = await api("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ workspace: opts.workspace, email: opts.email, password: opts.password }),
  });
  return token;
}

try {
  const token = await signIn();
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  let cursor = null;
  let checked = 0;
  let conversations = 0;
  let rollups = 0;
  do {
    const body = JSON.stringify({ limit: Number(opts.page), apply: opts.apply, ...(cursor ? { cursor } : {}) });
    const page = await api("/api/metrics/rebuild", { method: "POST", headers, body });
    checked += page.checked;
    for (const c of page.conversations) {
      conversations++;
      console.log(`✗ ${c.conversation_id}: facts differ at ${c.keys.join(", ")}`);
    }
    for (const key of page.rollups) {
      rollups++;
      console.log(`✗ rollup ${key} differs from the sum of its facts`);
    }
    cursor = page.next_cursor;
  } while (cursor);
  const clean = conversations === 0 && rollups === 0;
  const verdict = clean ? "live figures match the archive" : `${conversations} conversations and ${rollups} rollup rows differed${opts.apply ? " (repaired)" : ""}`;
  console.log(`${checked} conversations recomputed from R2: ${verdict}`);
  process.exitCode = clean || opts.apply ? 0 : 1;
} catch (err) {
  console.error(`metrics:rebuild failed: ${err.message}`);
  process.exitCode = 2;
}
