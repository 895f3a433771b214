// `npm run metrics:rebuild`: recomputes every conversation's metric facts from the R2 archive
// through a running instance's admin API and reports whether the live facts and rollups match.
// With --apply, what differs is replaced by the recomputed figures. Exit code 1 if anything differed
// (and was not repaired).
//   npm run metrics:rebuild -- [--apply] [--url http://127.0.0.1:8787] [--workspace demo] [--email …] [--password …] [--token …]
import { adminClient, adminOptions } from "./admin-client.mjs";

const opts = adminOptions({
  page: { type: "string", default: "50" },
  apply: { type: "boolean", default: false },
});

try {
  const api = await adminClient(opts);
  let cursor = null;
  let checked = 0;
  let conversations = 0;
  let rollups = 0;
  do {
    const body = JSON.stringify({ limit: Number(opts.page), apply: opts.apply, ...(cursor ? { cursor } : {}) });
    const page = await api("/api/metrics/rebuild", { method: "POST", body });
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
