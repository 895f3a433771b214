// `npm run bench:conversation`: one conversation's relay performance, Switchboard against the
// ceiling of the same runtime (a storage-less relay Durable Object, bench/ceiling), one target
// after the other on this machine. Writes docs/benchmarks.md (generated section) and
// bench/results/conversation-latest.json. Exits non-zero if any message was lost, duplicated or
// reordered; a missed performance target is reported, not failed.
import { intOption } from "./lib/options.mjs";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConversationLink } from "./lib/conversation-link.mjs";
import { describeMachine, foreignLoadMeter, machineLine, waitForQuiet } from "./lib/machine.mjs";
import { fmt, fmtInt, table, writeSection } from "./lib/markdown.mjs";
import { median, rounded } from "./lib/stats.mjs";
import { openCeilingConversation, openSwitchboardConversation, startCeiling, startSwitchboard } from "./lib/targets.mjs";
import { stopAll } from "./lib/wrangler-target.mjs";
import { fixedRate, pingPong, sleep, throughput } from "./lib/workloads.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const DOC = join(ROOT, "docs", "benchmarks.md");
const RESULTS = join(ROOT, "bench", "results", "conversation-latest.json");

/** The issue's targets for Switchboard relative to the ceiling. */
const TARGETS = { throughputRatioMin: 0.6, p99RatioMax: 2 };

const { values: args } = parseArgs({
  options: {
    warmup: { type: "string", default: "1000" },
    messages: { type: "string", default: "5000" },
    rounds: { type: "string", default: "3" },
    window: { type: "string", default: "64" },
    rate: { type: "string", default: "150" },
    "latency-messages": { type: "string", default: "3000" },
    pingpong: { type: "string", default: "500" },
    only: { type: "string" },
    "max-minutes": { type: "string", default: "10" },
    "no-write": { type: "boolean", default: false },
    render: { type: "boolean", default: false },
    "dev-observability": { type: "boolean", default: false },
    "quiet-wait": { type: "string", default: "10" },
    ref: { type: "string" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(`npm run bench:conversation -- [options]
  --warmup N            warm-up messages per target, not measured (1000)
  --messages N          messages per throughput round (5000)
  --rounds N            throughput rounds; the median is reported (3)
  --window N            unacked messages in flight during throughput (64)
  --rate N              msg/s for the latency phase (150)
  --latency-messages N  messages in the latency phase (3000)
  --pingpong N          serial ping-pong rounds (500)
  --only ceiling|switchboard
  --max-minutes N       hard limit for the whole run (10)
  --no-write            print only; leave docs/ and bench/results/ alone
  --render              measure nothing: rewrite docs/benchmarks.md from bench/results/conversation-latest.json
  --dev-observability   keep wrangler's local trace collector on (off by default: see docs/benchmarks.md)
  --quiet-wait N        before each measured phase, wait up to N s for other processes to go quiet (10; 0: don't)
  --ref REF             measure Switchboard as committed at a git ref (default: the working tree)
  --verbose             echo wrangler's output`);
  process.exit(0);
}
const int = (name, min, max) => intOption(args, name, min, max);
const opts = {
  warmup: int("warmup", 0, 50_000),
  messages: int("messages", 100, 100_000),
  rounds: int("rounds", 1, 10),
  window: int("window", 1, 1024),
  rate: int("rate", 1, 5_000),
  latencyMessages: int("latency-messages", 100, 100_000),
  pingpong: int("pingpong", 0, 10_000),
  maxMinutes: int("max-minutes", 1, 30),
  devObservability: args["dev-observability"],
  quietWait: int("quiet-wait", 0, 120),
  ref: args.ref ?? null,
};
const SETTLE_MS = 1500;
/** A pause between phases; the quiet gate before each measured phase already waits at least 2 s. */
const settle = () => sleep(opts.quietWait > 0 ? 250 : SETTLE_MS);
/** Other processes using this much CPU (in cores) during a phase make its figures suspect. */
const FOREIGN_LOAD_WARN = 0.15;

// The whole run is bounded: past the limit, stop every target and fail.
const hardStop = setTimeout(async () => {
  console.error(`\nbench: over the ${opts.maxMinutes}-minute limit; stopping`);
  await stopAll();
  process.exit(2);
}, opts.maxMinutes * 60_000);

const TARGET_KINDS = {
  ceiling: { title: "Ceiling (raw relay DO, no storage)", start: startCeiling, open: openCeilingConversation },
  switchboard: { title: "Switchboard (ConversationDO)", start: startSwitchboard, open: openSwitchboardConversation },
};

function cpuDelta(before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * Runs one measured phase and adds what it cost: CPU ms per process name of the target (workerd,
 * node for wrangler, esbuild) and of this client, and how busy the rest of the machine was.
 */
/**
 * Between phases nothing is sent, and an idle object hibernates after a few seconds: the ceiling
 * would lose its in-memory seq and Switchboard would pay its wake-up on the next phase's first
 * messages. A typing frame from the visitor every 2 s (relayed without storage by both) keeps
 * them awake while no phase runs.
 */
function keepAwake(link) {
  let paused = false;
  const timer = setInterval(() => {
    if (!paused && link.sockets.visitor.open) link.sockets.visitor.send('{"type":"typing","active":false}');
  }, 2000);
  return {
    pause: () => (paused = true),
    resume: () => (paused = false),
    stop: () => clearInterval(timer),
  };
}

let awake = null;

async function measured(target, fn) {
  const own = () => Object.values(target.cpuMs()).reduce((a, b) => a + b, 0) + process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;
  const gate = opts.quietWait > 0 ? await waitForQuiet(own, { threshold: FOREIGN_LOAD_WARN, maxWaitMs: opts.quietWait * 1000 }) : null;
  if (gate && gate.waited_ms > 0) {
    console.log(`  (waited ${fmt(gate.waited_ms / 1000, 1)} s for other load to settle: ${gate.quiet ? "quiet" : `still ${fmt(gate.foreign_cores)} cores, going ahead`})`);
  }
  const cpuBefore = target.cpuMs();
  const clientBefore = process.cpuUsage();
  const meter = foreignLoadMeter();
  awake?.pause();
  const result = await fn().finally(() => awake?.resume());
  const client = process.cpuUsage(clientBefore);
  const cpu = { ...cpuDelta(cpuBefore, target.cpuMs()), bench_client: (client.user + client.system) / 1000 };
  result.cpu_ms = cpu;
  result.load = meter.stop(Object.values(cpu).reduce((a, b) => a + b, 0));
  result.quiet_gate = gate;
  // Ping-pong: two messages per round trip.
  const n = Math.max(1, result.acked ?? (result.rounds ?? 0) * 2);
  result.workerd_cpu_us_per_message = ((cpu.workerd ?? 0) * 1000) / n;
  return result;
}

const loadNote = (load) => (load && load.foreign_cores >= FOREIGN_LOAD_WARN ? ` [other load ${fmt(load.foreign_cores)} cores]` : "");

async function runTarget(kind, runId) {
  const { title, start, open } = TARGET_KINDS[kind];
  const log = (line) => console.log(`[${kind}] ${line}`);
  log("starting wrangler dev…");
  const target = await start({ verbose: args.verbose, devObservability: args["dev-observability"], ...(kind === "switchboard" ? { ref: opts.ref } : {}) });
  log(`up on ${target.base} in ${(target.startupMs / 1000).toFixed(1)} s`);
  let conversation = null;
  let link = null;
  try {
    conversation = await open(target);
    link = new ConversationLink({ visitor: conversation.visitor, agent: conversation.agent }, { label: kind });
    awake = keepAwake(link);

    const phaseDeadline = (n, perSecondFloor) => 30_000 + Math.ceil((n / perSecondFloor) * 1000);
    if (opts.warmup > 0) {
      const warm = await throughput(link, { runId, phase: "warm", count: opts.warmup, window: opts.window, deadlineMs: phaseDeadline(opts.warmup, 50) });
      log(`warm-up: ${warm.acked}/${opts.warmup} acked at ${fmtInt(warm.acked_per_second)} msg/s`);
      await settle();
    }

    const rounds = [];
    for (let r = 0; r < opts.rounds; r++) {
      const round = await measured(target, () =>
        throughput(link, { runId, phase: `tp${r}`, count: opts.messages, window: opts.window, deadlineMs: phaseDeadline(opts.messages, 50) }),
      );
      rounds.push(round);
      log(
        `throughput round ${r + 1}/${opts.rounds}: ${fmtInt(round.acked_per_second)} acked msg/s, ${fmtInt(round.delivered_per_second)} delivered msg/s, ` +
          `ack p99 ${fmt(round.ack_latency_ms.p99)} ms, workerd ${fmt(round.workerd_cpu_us_per_message, 0)} µs CPU/msg${round.complete ? "" : " (INCOMPLETE)"}${loadNote(round.load)}`,
      );
      await settle();
    }

    const latency = await measured(target, () =>
      fixedRate(link, { runId, count: opts.latencyMessages, rate: opts.rate, deadlineMs: 30_000 + Math.ceil((opts.latencyMessages / opts.rate) * 1000) }),
    );
    const l = latency.latency_ms;
    log(
      `latency @ ${opts.rate} msg/s: visitor→agent p50 ${fmt(l.p50)} p95 ${fmt(l.p95)} p99 ${fmt(l.p99)} max ${fmt(l.max)} ms; ` +
        `ack p99 ${fmt(latency.ack_latency_ms.p99)} ms; client lag p99 ${fmt(latency.schedule_lag_ms.p99)} ms${latency.complete ? "" : " (INCOMPLETE)"}${loadNote(latency.load)}`,
    );

    let pp = null;
    if (opts.pingpong > 0) {
      await settle();
      pp = await measured(target, () => pingPong(link, { runId, count: opts.pingpong, deadlineMs: 60_000 }));
      log(`ping-pong: ${pp.rounds} round trips, p50 ${fmt(pp.round_trip_ms.p50)} p99 ${fmt(pp.round_trip_ms.p99)} ms${pp.complete ? "" : " (INCOMPLETE)"}${loadNote(pp.load)}`);
    }

    await sleep(500); // late duplicates would land here
    const integrity = link.verify();
    // wrangler rebuilds and restarts the worker when its sources change: that would be a harness
    // fault (the figures mix two versions and in-flight messages die with the old objects).
    integrity.reloads = target.reloads();
    if (integrity.reloads > 0) {
      integrity.ok = false;
      integrity.problems.push(`${kind}: wrangler reloaded the worker ${integrity.reloads} time(s) during the run`);
    }
    log(
      integrity.ok
        ? `integrity: all ${fmtInt(integrity.messages)} messages acked once and delivered once, in seq order`
        : `integrity FAILED: ${JSON.stringify(integrity.counts)}\n  ${integrity.problems.join("\n  ")}`,
    );
    const frameBytes = {};
    for (const [role, socket] of Object.entries({ visitor: conversation.visitor, agent: conversation.agent })) {
      for (const [type, bytes] of Object.entries(socket.bytesByType)) {
        frameBytes[`${role} ← ${type}`] = Math.round(bytes / socket.framesByType[type]);
      }
      frameBytes[`${role} → message`] = Math.round(socket.bytesOut / Math.max(1, socket.framesOut));
    }
    const phaseLoads = [...rounds.map((r) => r.load), latency.load, pp?.load].filter(Boolean);
    const { latency_samples_ms: samples, ...latencySummary } = latency;
    return {
      kind,
      title,
      startup_ms: Math.round(target.startupMs),
      source: target.source ?? null,
      warmup_messages: opts.warmup,
      throughput: {
        acked_per_second: median(rounds.map((r) => r.acked_per_second)),
        delivered_per_second: median(rounds.map((r) => r.delivered_per_second)),
        workerd_cpu_us_per_message: median(rounds.map((r) => r.workerd_cpu_us_per_message)),
        rounds: rounds.map((r) => ({
          ...rounded(r, 3),
          ack_latency_ms: rounded(r.ack_latency_ms),
          cpu_ms: rounded(r.cpu_ms, 0),
          load: r.load && rounded(r.load, 3),
        })),
      },
      latency: {
        ...rounded(latencySummary, 3),
        latency_ms: rounded(latency.latency_ms),
        ack_latency_ms: rounded(latency.ack_latency_ms),
        schedule_lag_ms: rounded(latency.schedule_lag_ms),
        cpu_ms: rounded(latency.cpu_ms, 0),
        load: latency.load && rounded(latency.load, 3),
        samples_ms: samples.map((v) => Math.round(v * 1000) / 1000),
      },
      ping_pong: pp ? { ...rounded(pp, 3), round_trip_ms: rounded(pp.round_trip_ms), cpu_ms: rounded(pp.cpu_ms, 0), load: pp.load && rounded(pp.load, 3) } : null,
      max_foreign_load_cores: Math.max(0, ...phaseLoads.map((x) => x.foreign_cores)),
      frame_bytes_avg: frameBytes,
      integrity,
    };
  } finally {
    awake?.stop();
    awake = null;
    if (link) await link.close();
    else if (conversation) await Promise.all([conversation.visitor.close(), conversation.agent.close()]);
    const { leftovers } = await target.stop();
    if (leftovers.length > 0) {
      console.error(`[${kind}] processes left after stop: ${JSON.stringify(leftovers)}`);
      process.exitCode = 1;
    } else {
      log("stopped (no wrangler/workerd process left)");
    }
  }
}

function verdicts(ceiling, switchboard) {
  if (!ceiling || !switchboard) return null;
  const throughputRatio = switchboard.throughput.acked_per_second / ceiling.throughput.acked_per_second;
  const p99Ratio = switchboard.latency.latency_ms.p99 / ceiling.latency.latency_ms.p99;
  return {
    throughput_ratio: throughputRatio,
    throughput_target: `≥ ${TARGETS.throughputRatioMin * 100}% of the ceiling's msg/s`,
    throughput_verdict: throughputRatio >= TARGETS.throughputRatioMin ? "PASS" : "MISS",
    p99_ratio: p99Ratio,
    p99_target: `p99 ≤ ${TARGETS.p99RatioMax}× the ceiling's p99`,
    p99_verdict: p99Ratio <= TARGETS.p99RatioMax ? "PASS" : "MISS",
  };
}

function markdown(report) {
  const { ceiling, switchboard } = report.targets;
  const v = report.verdicts;
  const cols = [ceiling, switchboard];
  const ratio = (a, b) => (a !== undefined && b !== undefined && b !== 0 ? `${fmt(a / b, 2)}×` : "n/a");
  const row = (label, get, digits, target = "", verdict = "", { compare = true } = {}) => {
    const [c, s] = cols.map((t) => (t ? get(t) : undefined));
    const f = (x) => (digits === 0 ? fmtInt(x) : fmt(x, digits));
    return [label, f(c), f(s), compare ? ratio(s, c) : "", target, verdict];
  };
  const o = report.options;
  const rows = [
    row(`Throughput, acked msg/s (window ${o.window}, median of ${o.rounds} × ${fmtInt(o.messages)})`, (t) => t.throughput.acked_per_second, 0, "≥ 0.60×", v?.throughput_verdict ?? ""),
    row("Throughput, delivered to agent msg/s", (t) => t.throughput.delivered_per_second, 0),
    row("Ack latency under that load, p99 ms", (t) => median(t.throughput.rounds.map((r) => r.ack_latency_ms.p99)), 2),
    row("workerd CPU per message at full load, µs", (t) => t.throughput.workerd_cpu_us_per_message, 0),
    row(`Visitor→agent latency p50 ms (${o.rate} msg/s, ${fmtInt(o.latencyMessages)} msgs)`, (t) => t.latency.latency_ms.p50, 2),
    row("Visitor→agent latency p95 ms", (t) => t.latency.latency_ms.p95, 2),
    row("Visitor→agent latency p99 ms", (t) => t.latency.latency_ms.p99, 2, "≤ 2.00×", v?.p99_verdict ?? ""),
    row("Visitor→agent latency max ms", (t) => t.latency.latency_ms.max, 2),
    row("Visitor ack latency p99 ms", (t) => t.latency.ack_latency_ms.p99, 2),
    row("workerd CPU per message at that rate (idle runtime work included), µs", (t) => t.latency.workerd_cpu_us_per_message, 0),
    row(`Ping-pong round trip p50 ms (serial, ${o.pingpong} rounds)`, (t) => t.ping_pong?.round_trip_ms.p50, 2),
    row("Ping-pong round trip p99 ms", (t) => t.ping_pong?.round_trip_ms.p99, 2),
    row("Other CPU load on the machine during a phase, max cores", (t) => t.max_foreign_load_cores, 2, "", "", { compare: false }),
  ];
  const rounds = cols
    .filter(Boolean)
    .map((t) => `${t.title}: ${t.throughput.rounds.map((r) => fmtInt(r.acked_per_second)).join(", ")} msg/s`)
    .join("; ");
  const integrity = cols
    .filter(Boolean)
    .map((t) => `${t.title}: ${t.integrity.ok ? `${fmtInt(t.integrity.messages)} messages, none lost, duplicated or reordered` : `FAILED ${JSON.stringify(t.integrity.counts)}`}`)
    .join("; ");
  const sizes = cols
    .filter(Boolean)
    .map((t) => `${t.title}: ack ${t.frame_bytes_avg["visitor ← ack"]} B, event ${t.frame_bytes_avg["agent ← event"]} B, message ${t.frame_bytes_avg["visitor → message"]} B`)
    .join("; ");
  const noisy = cols.filter((t) => t && t.max_foreign_load_cores >= FOREIGN_LOAD_WARN);
  const noiseLine = noisy.length
    ? `\n\n> **Noisy run:** other processes used up to ${noisy.map((t) => `${fmt(t.max_foreign_load_cores)} cores during ${t.kind}`).join(" and ")}; treat these figures with care.`
    : "";
  const verdictLines = v
    ? [
        `- **Throughput: ${v.throughput_verdict}** — Switchboard reaches ${fmt(v.throughput_ratio * 100, 1)}% of the ceiling's msg/s (target ${v.throughput_target}).`,
        `- **Latency: ${v.p99_verdict}** — Switchboard's visitor→agent p99 is ${fmt(v.p99_ratio, 2)}× the ceiling's (target ${v.p99_target}).`,
      ].join("\n")
    : "- Verdicts need both targets; this run measured only one.";
  return `## Conversation relay: Switchboard against the runtime's ceiling

Generated by \`npm run bench:conversation\` on ${report.date} (run ${report.run_id}).

**Machine.** ${machineLine(report.machine)}.${
    switchboard?.source?.commit
      ? `\n\n**Switchboard measured.** ${
          switchboard.source.ref
            ? `Commit \`${switchboard.source.commit}\` (\`--ref ${switchboard.source.ref}\`)`
            : `The working tree at commit \`${switchboard.source.commit}\`${switchboard.source.dirty ? " **plus uncommitted changes** to the worker's sources" : ""}`
        }, copied aside at the start so that edits during the run cannot reload it.`
      : ""
  }

**Method.** Each target runs alone under \`wrangler dev\` on a free loopback port, one after the other:
Switchboard migrated and seeded into a throw-away state dir, and the *ceiling*, a relay Durable
Object on the same runtime (bench/ceiling) that parses each frame, assigns a seq and a message ID,
forwards an \`event\` to the other socket and \`ack\`s the sender with the same field names, but
validates, stores and archives nothing. A Node client (\`ws\`, compression off) opens one
conversation with a visitor and an agent socket (on Switchboard the agent takes the conversation
first, so it is a participant). After ${fmtInt(o.warmup)} warm-up messages (not counted):
**throughput** sends ${fmtInt(o.messages)} messages from the visitor keeping ${o.window} unacked, ${o.rounds} rounds, median
reported, timed from the first send to the last ack; **latency** sends ${fmtInt(o.latencyMessages)} messages at a fixed
${o.rate} msg/s (open loop) and times each from the visitor's send to the agent's receipt of its
\`event\`; **ping-pong** has the agent answer each visitor message, one at a time. Every message must
be acked once and reach the agent once, in seq order, with the ack's seq, or the run fails.
Between phases the visitor sends a typing frame every 2 s so that neither object hibernates.
CPU per message is workerd's user+system time (all its processes) over the phase; "other CPU
load" is what the rest of the machine used meanwhile (from /proc/stat), since a busy neighbour
on ${report.machine.cores} cores moves these figures a lot. wrangler's local trace collector is
${o.devObservability ? "**on** (\`--dev-observability\`)" : "off (\`X_LOCAL_OBSERVABILITY=false\`; see below)"}.

${table(["Metric", "Ceiling", "Switchboard", "Switchboard / ceiling", "Target", "Verdict"], rows, ["l", "r", "r", "r", "l", "l"])}

${verdictLines}${noiseLine}

Throughput rounds — ${rounds}.

Average frame sizes — ${sizes}.

Integrity — ${integrity}.

Raw figures: \`bench/results/conversation-latest.json\` (not committed).`;
}

const INTRO = `# Benchmarks

Numbers from the benchmark commands in \`bench/\`, regenerated by each run; the budget they are
measured against is in DESIGN.md ("Performance budget"). Figures from \`wrangler dev\` on one
machine compare Switchboard with a ceiling on the same runtime; they are not production latencies.
`;

async function main() {
  const runId = `b${Date.now().toString(36)}`;
  const machine = describeMachine();
  console.log(`bench:conversation ${runId} on ${machineLine(machine)}`);
  console.log(`options: ${JSON.stringify(opts)}`);
  const kinds = args.only ? [args.only] : ["ceiling", "switchboard"];
  for (const k of kinds) if (!TARGET_KINDS[k]) throw new Error(`--only must be ceiling or switchboard, not ${k}`);
  const results = {};
  for (const kind of kinds) results[kind] = await runTarget(kind, runId);

  const report = {
    run_id: runId,
    date: new Date().toISOString(),
    machine,
    options: opts,
    targets: results,
    verdicts: verdicts(results.ceiling, results.switchboard),
  };
  const v = report.verdicts;
  console.log("");
  if (v) {
    console.log(`Throughput: Switchboard ${fmtInt(results.switchboard.throughput.acked_per_second)} msg/s vs ceiling ${fmtInt(results.ceiling.throughput.acked_per_second)} msg/s = ${fmt(v.throughput_ratio * 100, 1)}% (${v.throughput_target}): ${v.throughput_verdict}`);
    console.log(`Latency p99: Switchboard ${fmt(results.switchboard.latency.latency_ms.p99)} ms vs ceiling ${fmt(results.ceiling.latency.latency_ms.p99)} ms = ${fmt(v.p99_ratio)}× (${v.p99_target}): ${v.p99_verdict}`);
  }
  if (!args["no-write"]) {
    mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
    writeSection(DOC, "bench:conversation", markdown(report), { intro: INTRO });
    console.log(`wrote ${RESULTS.slice(ROOT.length)} and ${DOC.slice(ROOT.length)}`);
  }
  const failed = Object.values(results).filter((r) => !r.integrity.ok);
  if (failed.length > 0) {
    console.error(`FAILED: messages lost, duplicated or reordered on ${failed.map((r) => r.kind).join(", ")}`);
    process.exitCode = 1;
  }
}

try {
  if (args.render) {
    writeSection(DOC, "bench:conversation", markdown(JSON.parse(readFileSync(RESULTS, "utf8"))), { intro: INTRO });
    console.log(`rewrote ${DOC.slice(ROOT.length)} from ${RESULTS.slice(ROOT.length)}`);
  } else {
    await main();
  }
} catch (err) {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
  await stopAll();
} finally {
  clearTimeout(hardStop);
}
