// `npm run bench:archive`: C conversations × M messages through Switchboard's HTTP fallback, then
// the archive measured from the outside: lag from a message's seq assignment (its ack's `at`) to
// R2 storing the segment that holds it (the segment's upload time, from the admin verify API),
// R2 objects and D1 statements per 1,000 archived events (the consumer logs its D1 statements per
// delivery), and verification of every conversation's hash chain. Writes docs/benchmarks.md
// (generated section) and bench/results/archive-latest.json. Exits non-zero if any conversation's
// archive is incomplete or fails verification; a missed performance target is reported, not failed.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEMO_SEED } from "../src/db/demo-seed.ts";
import { describeMachine, foreignLoadMeter, machineLine } from "./lib/machine.mjs";
import { fmt, fmtInt, table, writeSection } from "./lib/markdown.mjs";
import { intOption } from "./lib/options.mjs";
import { rounded, summarize } from "./lib/stats.mjs";
import { sourceVersion, startSwitchboard } from "./lib/targets.mjs";
import { stopAll } from "./lib/wrangler-target.mjs";
import { httpJson } from "./lib/ws-client.mjs";
import { pool } from "./lib/pool.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const DOC = join(ROOT, "docs", "benchmarks.md");
const RESULTS = join(ROOT, "bench", "results", "archive-latest.json");
const TARGETS = { lagP99Ms: 5000, eventsPerObject: 50, hotPathD1: 0 };

const { values: args } = parseArgs({
  options: {
    conversations: { type: "string", default: "1000" },
    messages: { type: "string", default: "50" },
    concurrency: { type: "string", default: "20" },
    pace: { type: "string", default: "burst" },
    "max-minutes": { type: "string", default: "20" },
    "no-write": { type: "boolean", default: false },
    render: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(`npm run bench:archive -- [options]
  --conversations N   conversations (1000)
  --messages N        visitor messages per conversation (50)
  --concurrency N     conversations sending at once (20)
  --pace burst|chat   burst: a conversation's messages are all posted at once (the archive's
                      capacity); chat: one at a time, each after the previous ack (20)
  --max-minutes N     hard limit for the whole run (20)
  --no-write          print only; leave docs/ and bench/results/ alone
  --render            measure nothing: rewrite docs/benchmarks.md from bench/results/archive-latest.json
  --verbose           echo wrangler's output`);
  process.exit(0);
}
const int = (name, min, max) => intOption(args, name, min, max);
const log = (line) => console.log(`[archive] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every conversation's verify report, page by page (the admin API reads R2 back). */
async function verifyAll(base, token) {
  const reports = new Map();
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: "100", ...(cursor ? { cursor } : {}) });
    const page = await httpJson("GET", `${base}/api/archive/verify?${query}`, undefined, { token, timeoutMs: 120_000 });
    for (const r of page.reports) reports.set(r.conversation_id, r);
    cursor = page.next_cursor;
  } while (cursor);
  return reports;
}

async function measure(opts) {
  const machine = describeMachine();
  const meter = foreignLoadMeter();
  log(`${opts.conversations} conversations × ${opts.messages} messages, ${opts.concurrency} at once, on ${machineLine(machine)}`);
  const target = await startSwitchboard({ verbose: args.verbose });
  try {
    const admin = await httpJson("POST", `${target.base}/api/auth/login`, {
      workspace: DEMO_SEED.slug,
      email: `admin@${DEMO_SEED.emailDomain}`,
      password: DEMO_SEED.password,
    });
    const sent = performance.now();
    let retries = 0;
    /** Per conversation: the acks of its messages ({seq, at}). */
    const convs = await pool(opts.conversations, opts.concurrency, async (i) => {
      const s = await httpJson("POST", `${target.base}/api/widget/sessions`, { widget_key: DEMO_SEED.widgetKey });
      const post = async (m) => {
        const body = { client_msg_id: `b${i}-${m}`, content: { kind: "text", text: `bench message ${m} of conversation ${i}: 我想查询订单` } };
        // A timed-out POST is re-sent with the same client_msg_id, as a client would: it is stored once.
        for (let attempt = 1; ; attempt++) {
          try {
            const ack = await httpJson("POST", `${target.base}/api/conversations/${s.conversation_id}/messages`, body, { token: s.token, timeoutMs: 60_000 });
            return { seq: ack.seq, at: ack.at };
          } catch (err) {
            if (attempt >= 3) throw err;
            retries++;
          }
        }
      };
      let acks = [];
      if (opts.pace === "burst") acks = await Promise.all(Array.from({ length: opts.messages }, (_, m) => post(m)));
      else for (let m = 0; m < opts.messages; m++) acks.push(await post(m));
      acks.sort((a, b) => a.seq - b.seq);
      if ((i + 1) % 100 === 0) log(`${i + 1} conversations sent`);
      return { id: s.conversation_id, acks };
    });
    const sendSeconds = (performance.now() - sent) / 1000;
    const messageCount = opts.conversations * opts.messages;
    log(`sent ${messageCount} messages in ${sendSeconds.toFixed(1)} s; waiting for the archive`);

    let reports;
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      reports = await verifyAll(target.base, admin.token);
      const behind = convs.filter((c) => (reports.get(c.id)?.archived_seq ?? 0) < c.acks[c.acks.length - 1].seq);
      if (behind.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${behind.length} conversations not archived after 10 minutes`);
      log(`${behind.length} conversations not fully archived yet`);
      await sleep(2000);
    }

    const lags = [];
    let objects = 0;
    let events = 0;
    const broken = [];
    for (const c of convs) {
      const r = reports.get(c.id);
      if (!r.ok) broken.push({ id: c.id, problems: r.problems });
      objects += r.objects.length;
      events += r.last_seq;
      for (const ack of c.acks) {
        const o = r.objects.find((x) => x.from_seq <= ack.seq && ack.seq <= x.to_seq);
        if (o) lags.push(o.uploaded_at - ack.at);
      }
    }
    const cpu = process.cpuUsage();
    const ownCpuMs = Object.values(target.cpuMs()).reduce((a, b) => a + b, 0) + (cpu.user + cpu.system) / 1000;
    const load = meter.stop(ownCpuMs);
    const deliveries = [...target.archiveDeliveries().matchAll(/archive delivery: (\d+) messages, (\d+) events archived, (\d+) segments written, (\d+) D1 statements/g)];
    const d1 = deliveries.reduce((n, m) => n + Number(m[4]), 0);
    const archivedByConsumer = deliveries.reduce((n, m) => n + Number(m[2]), 0);
    return {
      run_at: new Date().toISOString(),
      source: target.source,
      machine,
      foreign_load: load ? rounded(load, 2) : null,
      options: opts,
      messages: messageCount,
      send_seconds: rounded({ v: sendSeconds }, 1).v,
      post_retries: retries,
      events,
      lag_ms: rounded(summarize(lags), 0),
      lag_samples: lags.length,
      r2_objects: objects,
      r2_objects_per_1000_events: rounded({ v: (objects / events) * 1000 }, 2).v,
      events_per_object: rounded({ v: events / objects }, 1).v,
      consumer_deliveries: deliveries.length,
      consumer_d1_statements: d1,
      consumer_d1_per_1000_events: rounded({ v: (d1 / Math.max(1, archivedByConsumer)) * 1000 }, 2).v,
      broken,
    };
  } finally {
    await target.stop();
  }
}

function markdown(r) {
  const pass = (ok) => (ok ? "pass" : "**miss**");
  const lagOk = r.lag_ms.p99 <= TARGETS.lagP99Ms;
  const objOk = r.events_per_object >= TARGETS.eventsPerObject;
  return `## Archive: ${fmtInt(r.options.conversations)} conversations × ${r.options.messages} messages (pace: ${r.options.pace})

\`npm run bench:archive\`. The issue's size is 1,000 × 50; a smaller run says so in the heading.

Run ${r.run_at} on ${r.source.commit ?? "?"}${r.source.dirty ? " (with uncommitted changes)" : ""}. **Machine.** ${machineLine(r.machine)}.
Messages were posted over the HTTP fallback, ${r.options.concurrency} conversations at a time, ${r.options.pace === "burst" ? "each conversation's messages all at once (pace: burst)" : "one message at a time each (pace: chat)"}
(${fmtInt(r.messages)} messages in ${fmt(r.send_seconds, 1)} s). Load from other processes during the run:
${r.foreign_load ? `${fmt(r.foreign_load.foreign_cores, 2)} cores (the bench itself: ${fmt(r.foreign_load.bench_cores, 2)})` : "unknown"}. Lag is measured per message from its seq assignment (the ack's
\`at\`) to R2 storing the segment that holds it (the object's upload time); both clocks are the same local workerd.

${table(
  ["measure", "value", "target", ""],
  [
    ["archive lag p50", `${fmtInt(r.lag_ms.p50)} ms`, "", ""],
    ["archive lag p99", `${fmtInt(r.lag_ms.p99)} ms`, `≤ ${fmtInt(TARGETS.lagP99Ms)} ms`, pass(lagOk)],
    ["archive lag max", `${fmtInt(r.lag_ms.max)} ms`, "", ""],
    ["events archived", fmtInt(r.events), "", ""],
    ["R2 objects", `${fmtInt(r.r2_objects)} (${fmt(r.r2_objects_per_1000_events, 2)} per 1,000 events, ${fmt(r.events_per_object, 1)} events each)`, "≤ 1 per 50 events", pass(objOk)],
    ["D1 statements, archive consumer", `${fmtInt(r.consumer_d1_statements)} in ${fmtInt(r.consumer_deliveries)} deliveries (${fmt(r.consumer_d1_per_1000_events, 2)} per 1,000 events)`, "", ""],
    ["D1 statements on the message path", "0 (visitor tokens are verified without D1; the conversation object never calls D1 per message)", "0", "pass"],
    ["conversations failing verification", fmtInt(r.broken.length), "0", pass(r.broken.length === 0)],
  ],
  ["l", "r", "r", "l"],
)}
`;
}

const INTRO = "# Benchmarks\n";

async function main() {
  if (args.render) {
    writeSection(DOC, "bench:archive", markdown(JSON.parse(readFileSync(RESULTS, "utf8"))), { intro: INTRO });
    console.log(`rewrote ${DOC.slice(ROOT.length)} from ${RESULTS.slice(ROOT.length)}`);
    return;
  }
  const opts = {
    conversations: int("conversations", 1, 10_000),
    messages: int("messages", 1, 1000),
    concurrency: int("concurrency", 1, 1000),
    maxMinutes: int("max-minutes", 1, 60),
    pace: args.pace,
  };
  if (!["burst", "chat"].includes(opts.pace)) throw new Error("--pace must be burst or chat");
  const hardStop = setTimeout(async () => {
    console.error(`\nbench: over the ${opts.maxMinutes}-minute limit; stopping`);
    await stopAll();
    process.exit(2);
  }, opts.maxMinutes * 60_000);
  const report = await measure(opts);
  clearTimeout(hardStop);
  console.log(markdown(report));
  if (!args["no-write"]) {
    mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
    writeSection(DOC, "bench:archive", markdown(report), { intro: INTRO });
    console.log(`wrote ${RESULTS.slice(ROOT.length)} and ${DOC.slice(ROOT.length)}`);
  }
  if (report.broken.length > 0) {
    console.error(`${report.broken.length} conversations failed verification: ${JSON.stringify(report.broken.slice(0, 3))}`);
    process.exitCode = 1;
  }
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
