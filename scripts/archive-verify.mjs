// `npm run archive:verify`: re-reads every conversation's archive from R2 through a running
// instance's admin API and reports any gap, duplicate or altered event. Exit code 1 if any.
//   npm run archive:verify -- [--url http://127.0.0.1:8787] [--workspace demo] [--email …] [--password …] [--token …]
import { adminClient, adminOptions } from "./admin-client.mjs";

const opts = adminOptions({
  page: { type: "string", default: "20" },
});

try {
  const api = await adminClient(opts);
  let cursor = null;
  let conversations = 0;
  let events = 0;
  let broken = 0;
  do {
    const query = new URLSearchParams({ limit: opts.page, ...(cursor ? { cursor } : {}) });
    const page = await api(`/api/archive/verify?${query}`);
    for (const report of page.reports) {
      conversations++;
      events += report.events;
      if (report.ok) continue;
      broken++;
      console.log(`✗ ${report.conversation_id} (archived to seq ${report.archived_seq})`);
      for (const p of report.problems) console.log(`    ${p.kind.padEnd(9)} ${p.message}`);
    }
    cursor = page.next_cursor;
  } while (cursor);
  console.log(`${conversations} conversations, ${events} archived events checked: ${broken === 0 ? "all intact" : `${broken} with problems`}`);
  // The workspace's ticket history is one more chain (docs/archive.md, *Ticket archive*).
  const tickets = await api("/api/archive/tickets/verify");
  if (!tickets.ok) {
    broken++;
    console.log(`✗ ticket archive (archived to position ${tickets.archived_seq})`);
    for (const p of tickets.problems) console.log(`    ${p.kind.padEnd(9)} ${p.message}`);
  }
  console.log(`${tickets.events} archived ticket events checked: ${tickets.ok ? "intact" : "with problems"}`);
  process.exitCode = broken === 0 ? 0 : 1;
} catch (err) {
  console.error(`archive:verify failed: ${err.message}`);
  process.exitCode = 2;
}
