// `npm run bench`: Switchboard against the ceiling (a storage-less relay DO on the same runtime)
// and two peers (a partyserver chat room; Socket.IO on Node), in one run on this machine, with the
// same client: one conversation's throughput and latency, many conversations at stepped aggregate
// rates up to the knee (the highest step whose p99 ≤ 100 ms), the routing burst (bench/routing.mjs
// as a subprocess), and archive lag under the load. Afterwards it reconciles Switchboard's
// clients, logs and archive index (zero loss, proven) and exits non-zero on any difference.
// `--faults` runs Switchboard alone under injected faults instead (see docs/benchmarks.md).
// Writes docs/benchmarks.md (generated section), docs/bench-knee.svg and bench/results/run-latest.json.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConversationLink } from "./lib/conversation-link.mjs";
import { ceilingEndpoints, insertBenchAgents, partyserverEndpoints, socketioEndpoints, switchboardEndpoints } from "./lib/endpoints.mjs";
import { Fleet } from "./lib/fleet.mjs";
import { pool } from "./lib/pool.mjs";
import { describeMachine, foreignLoadMeter, machineLine } from "./lib/machine.mjs";
import { kneeChart } from "./lib/chart.mjs";
import { inclusiveTimes, startProfile, summarizeProfile } from "./lib/profiler.mjs";
import { intOption } from "./lib/options.mjs";
import { openPartyserverConversation, openSocketioConversation, startPartyserver, startSocketio } from "./lib/peers.mjs";
import { ArchiveWatcher, reconcileSwitchboard } from "./lib/reconcile.mjs";
import { runReport } from "./lib/run-report.mjs";
import { rounded } from "./lib/stats.mjs";
import { openCeilingConversation, openSwitchboardConversation, startCeiling, startSwitchboard } from "./lib/targets.mjs";
import { stopAll } from "./lib/wrangler-target.mjs";
import { httpJson } from "./lib/ws-client.mjs";
import { fixedRate, sleep, throughput } from "./lib/workloads.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const RESULTS_DIR = join(ROOT, "bench", "results");
const KNEE_P99_MS = 100;

const { values: args } = parseArgs({
  options: {
    targets: { type: "string", default: "ceiling,switchboard,partyserver,socketio" },
    conversations: { type: "string", default: "1000" },
    agents: { type: "string", default: "100" },
    rates: { type: "string", default: "250,500,1000,1500,2000,3000,4000" },
    "step-seconds": { type: "string", default: "5" },
    messages: { type: "string", default: "3000" },
    window: { type: "string", default: "64" },
    rate: { type: "string", default: "150" },
    "latency-messages": { type: "string", default: "1500" },
    routing: { type: "string", default: "--conversations 1000 --agents 100 --capacity 20 --queue-sizes 500" },
    "no-routing": { type: "boolean", default: false },
    faults: { type: "boolean", default: false },
    "fault-rate": { type: "string", default: "200" },
    "fault-seconds": { type: "string", default: "40" },
    "consumer-fail": { type: "string", default: "0.3" },
    "max-minutes": { type: "string", default: "30" },
    "no-write": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    profile: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(`npm run bench -- [options]
  --targets LIST        which of ceiling,switchboard,partyserver,socketio (all)
  --conversations N     concurrent conversations in the many-conversations phase (1000)
  --agents N            agent identities serving them (100: 10 conversations each)
  --rates LIST          aggregate msg/s steps, ascending; a target stops after its first step over ${KNEE_P99_MS} ms p99 (250,…,4000)
  --step-seconds N      seconds per step (5)
  --messages N          single conversation: messages in the throughput phase (3000)
  --window N            single conversation: unacked messages in flight (64)
  --rate N              single conversation: msg/s in the latency phase (150)
  --latency-messages N  single conversation: messages in the latency phase (1500)
  --routing="ARGS"      arguments for bench/routing.mjs (note the =) ("${"--conversations 1000 --agents 100 --capacity 20 --queue-sizes 500"}")
  --no-routing          skip the routing burst
  --faults              fault run: Switchboard alone under restarts, evictions, consumer failures, drops
  --fault-rate N        aggregate msg/s during the fault run (200)
  --fault-seconds N     length of the fault run's traffic (40)
  --consumer-fail S     share of archive batches the consumer fails in the fault run (0.3)
  --max-minutes N       hard limit for the whole run (30)
  --no-write            print only; leave docs/ and bench/results/ alone
  --verbose             echo the servers' output
  --profile FILE        CPU-profile Switchboard's worker over the many-conversations steps; writes FILE.cpuprofile and FILE.json`);
  process.exit(0);
}
const int = (name, min, max) => intOption(args, name, min, max);
const opts = {
  targets: args.targets.split(",").map((s) => s.trim()).filter(Boolean),
  conversations: int("conversations", 1, 5000),
  agents: int("agents", 1, 1000),
  rates: args.rates.split(",").map(Number).filter((n) => Number.isFinite(n) && n > 0),
  stepSeconds: int("step-seconds", 1, 60),
  messages: int("messages", 100, 100_000),
  window: int("window", 1, 1024),
  rate: int("rate", 1, 5000),
  latencyMessages: int("latency-messages", 100, 100_000),
  routing: args["no-routing"] || args.faults ? null : args.routing,
  faults: args.faults,
  faultRate: int("fault-rate", 1, 5000),
  faultSeconds: int("fault-seconds", 10, 600),
  consumerFail: Number(args["consumer-fail"]),
  maxMinutes: int("max-minutes", 1, 60),
};
const KINDS = {
  ceiling: { title: "Ceiling (raw relay DO)", start: startCeiling, open: openCeilingConversation, endpoints: ceilingEndpoints },
  switchboard: { title: "Switchboard", start: null, open: openSwitchboardConversation, endpoints: null },
  partyserver: { title: "partyserver room", start: startPartyserver, open: openPartyserverConversation, endpoints: partyserverEndpoints },
  socketio: { title: "Socket.IO (Node)", start: startSocketio, open: openSocketioConversation, endpoints: socketioEndpoints },
};
for (const k of opts.targets) if (!KINDS[k]) throw new Error(`--targets: unknown target ${k}`);

const hardStop = setTimeout(async () => {
  console.error(`\nbench: over the ${opts.maxMinutes}-minute limit; stopping`);
  await stopAll();
  process.exit(2);
}, opts.maxMinutes * 60_000);

const sumCpu = (cpu) => Object.values(cpu).reduce((a, b) => a + b, 0);
/** CPU per server process since `before` (a `target.cpuMs()` reading). */
const cpuSince = (target, before) => Object.fromEntries(Object.entries(target.cpuMs()).map(([k, v]) => [k, v - (before[k] ?? 0)]));
const clientCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs `fn` and adds the target's and the client's CPU (in cores) and the machine's other load. */
async function measured(target, fn) {
  const cpu0 = sumCpu(target.cpuMs());
  const client0 = clientCpuMs();
  const meter = foreignLoadMeter();
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const serverMs = sumCpu(target.cpuMs()) - cpu0;
  const clientMs = clientCpuMs() - client0;
  result.server_cores = serverMs / 1000 / seconds;
  result.client_cores = clientMs / 1000 / seconds;
  result.load = meter.stop(serverMs + clientMs);
  return result;
}

async function startTarget(kind, { faults = false } = {}) {
  if (kind !== "switchboard") return KINDS[kind].start({ verbose: args.verbose });
  return startSwitchboard({
    verbose: args.verbose,
    prepareExtra: (persistTo) => insertBenchAgents(persistTo, opts.agents),
    // The bench's hooks (archive watermarks for reconciliation) are on in every run; the faults only in a fault run.
    vars: { FAULTS: faults ? `evict,consumer_fail=${opts.consumerFail}` : "hooks" },
  });
}

/** The DO's archive watermarks, through the bench hook, 100 conversations a request. */
function archiveStatusReader(target, token) {
  return async (ids) => {
    const out = {};
    for (let i = 0; i < ids.length; i += 100) {
      Object.assign(out, await httpJson("POST", `${target.base}/api/_faults/archive-status`, { conversation_ids: ids.slice(i, i + 100) }, { token }));
    }
    return out;
  };
}

async function singleConversation(kind, target, runId, log) {
  const conversation = await KINDS[kind].open(target, { room: `${runId}-single` });
  const link = new ConversationLink({ visitor: conversation.visitor, agent: conversation.agent }, { label: `${kind} single` });
  try {
    await throughput(link, { runId, phase: "warm", count: 500, window: opts.window, deadlineMs: 60_000 });
    const tp = await measured(target, () => throughput(link, { runId, phase: "tp", count: opts.messages, window: opts.window, deadlineMs: 120_000 }));
    log(`single: ${Math.round(tp.acked_per_second)} acked msg/s${tp.complete ? "" : " (INCOMPLETE)"}`);
    await sleep(300);
    const lat = await measured(target, () =>
      fixedRate(link, { runId, phase: "lat", count: opts.latencyMessages, rate: opts.rate, deadlineMs: 30_000 + (opts.latencyMessages / opts.rate) * 1000 }),
    );
    log(`single: visitor→agent p50 ${lat.latency_ms.p50.toFixed(2)} p95 ${lat.latency_ms.p95.toFixed(2)} p99 ${lat.latency_ms.p99.toFixed(2)} ms @ ${opts.rate} msg/s`);
    await sleep(300);
    const integrity = link.verify();
    const { latency_samples_ms: _samples, ...latency } = lat;
    return {
      throughput: { ...rounded(tp, 3), ack_latency_ms: rounded(tp.ack_latency_ms), load: tp.load && rounded(tp.load) },
      latency: { ...rounded(latency, 3), latency_ms: rounded(lat.latency_ms), ack_latency_ms: rounded(lat.ack_latency_ms), schedule_lag_ms: rounded(lat.schedule_lag_ms), load: lat.load && rounded(lat.load) },
      integrity,
    };
  } finally {
    await link.close();
  }
}

async function openFleet(kind, target, runId, { resume = false } = {}) {
  const fleet = new Fleet({ label: kind, runId, resume, volatileSeq: kind === "ceiling" });
  const t0 = performance.now();
  let endpoints;
  let token = null;
  if (kind === "switchboard") {
    const made = await switchboardEndpoints(target, opts.conversations, opts.agents);
    endpoints = made.endpoints;
    token = made.tokens[0];
  } else {
    endpoints = KINDS[kind].endpoints(target, opts.conversations, opts.agents, { runId });
  }
  await fleet.open(endpoints, { concurrency: 50 });
  return { fleet, token, setupSeconds: (performance.now() - t0) / 1000 };
}

async function manyConversations(kind, target, runId, log) {
  const { fleet, token, setupSeconds } = await openFleet(kind, target, runId);
  log(`many: ${opts.conversations} conversations (${fleet.socketCount} sockets) open in ${setupSeconds.toFixed(1)} s`);
  const watcher = kind === "switchboard" ? new ArchiveWatcher(target, token, fleet) : null;
  watcher?.start();
  const steps = [];
  try {
    // One message per conversation first, not measured: it wakes every object (hibernated during
    // a long setup) so the steps measure steady traffic, not 1,000 cold starts.
    const warm = await fleet.step({ name: "warm", rate: 250, seconds: opts.conversations / 250, drainMs: 60_000 });
    log(`many: warm-up, one message per conversation: p99 ${warm.latency_ms.p99?.toFixed(1)} ms, max ${warm.latency_ms.max?.toFixed(1)} ms${warm.complete ? "" : " INCOMPLETE"}`);
    await sleep(500);
    const profiler = args.profile && kind === "switchboard" ? await startProfile(target.inspectorPort) : null;
    const cpuBefore = target.cpuMs();
    for (const rate of opts.rates) {
      const step = await measured(target, () => fleet.step({ name: `r${rate}`, rate, seconds: opts.stepSeconds, drainMs: 15_000 }));
      step.client_bound = step.client_cores >= 0.85 || step.achieved_rate < rate * 0.9;
      steps.push(step);
      const l = step.latency_ms;
      log(
        `many @ ${rate} msg/s: sent ${Math.round(step.achieved_rate)}/s, p50 ${l.p50?.toFixed(1)} p99 ${l.p99?.toFixed(1)} ms, ` +
          `server ${step.server_cores.toFixed(2)} cores, client ${step.client_cores.toFixed(2)} cores, other ${step.load?.foreign_cores.toFixed(2) ?? "?"} cores${step.complete ? "" : " INCOMPLETE"}${step.client_bound ? " (client-bound)" : ""}`,
      );
      if (!step.complete || !(l.p99 <= KNEE_P99_MS)) break;
      await sleep(500);
    }
    if (profiler) saveProfile(await profiler.stop(), cpuSince(target, cpuBefore), steps, log);
    const pending = await fleet.settle(30_000);
    let archive = null;
    let reconcile = null;
    if (watcher) {
      await watcher.stop();
      const behind = await watcher.drain(90_000);
      archive = { ...watcher.summary(), lag_ms: rounded(watcher.summary().lag_ms), not_archived_after_drain: behind };
      log(`archive lag (ack → index): p50 ${archive.lag_ms.p50?.toFixed(0)} p99 ${archive.lag_ms.p99?.toFixed(0)} max ${archive.lag_ms.max?.toFixed(0)} ms; ${behind} not archived after the drain`);
      reconcile = await reconcileSwitchboard(target, fleet, { runId, token, archiveStatus: archiveStatusReader(target, token) });
    }
    const client = fleet.verify();
    const okSteps = steps.filter((s) => s.complete && s.latency_ms.p99 <= KNEE_P99_MS);
    const knee = okSteps.length ? Math.max(...okSteps.map((s) => s.rate)) : 0;
    log(`many: knee ${knee} msg/s; client check ${client.ok ? "ok" : "FAILED"} (${client.acked}/${client.messages} acked, pending ${pending})`);
    if (!client.ok) log(`  ${JSON.stringify(client.counts)}\n  ${client.problems.slice(0, 5).join("\n  ")}`);
    if (reconcile && !reconcile.ok) log(`  reconciliation FAILED ${JSON.stringify(reconcile.counts)}\n  ${reconcile.problems.slice(0, 5).join("\n  ")}`);
    else if (reconcile) log(`  reconciled: ${reconcile.counts.acked} acked, ${reconcile.counts.in_log} in the logs, ${reconcile.counts.in_r2} in R2, every chain verified`);
    return {
      setup_seconds: setupSeconds,
      warmup: { latency_ms: rounded(warm.latency_ms), complete: warm.complete },
      sockets: fleet.socketCount,
      knee,
      topped_out: steps.length === opts.rates.length && steps.at(-1).complete && steps.at(-1).latency_ms.p99 <= KNEE_P99_MS,
      steps: steps.map((s) => ({ ...rounded(s, 3), latency_ms: rounded(s.latency_ms), ack_latency_ms: rounded(s.ack_latency_ms), schedule_lag_ms: rounded(s.schedule_lag_ms), load: s.load && rounded(s.load) })),
      client,
      archive,
      reconcile,
    };
  } finally {
    await watcher?.stop();
    await fleet.close();
  }
}

async function runTarget(kind, runId) {
  const log = (line) => console.log(`[${kind}] ${line}`);
  log("starting…");
  const target = await startTarget(kind);
  log(`up on ${target.base} in ${(target.startupMs / 1000).toFixed(1)} s`);
  try {
    const single = await singleConversation(kind, target, runId, log);
    const many = await manyConversations(kind, target, runId, log);
    return { kind, title: KINDS[kind].title, source: target.source ?? null, reloads: target.reloads(), single, many };
  } finally {
    const { leftovers } = await target.stop();
    if (leftovers.length) {
      console.error(`[${kind}] processes left after stop: ${JSON.stringify(leftovers)}`);
      process.exitCode = 1;
    }
  }
}

/**
 * The many-conversations profile next to the whole workerd process's CPU: the worker's isolate is
 * one part of it; the rest is the runtime's own simulators (Queues, R2, D1) and the sockets.
 */
function saveProfile(profile, processCpuMs, steps, log) {
  const total = sumCpu(processCpuMs);
  const base = args.profile.replace(/\.(cpuprofile|json)$/, "");
  const messages = steps.reduce((n, s) => n + (s.acked ?? 0), 0);
  const summary = {
    messages,
    process_cpu_ms: Math.round(total),
    cpu_ms_by_process: Object.fromEntries(Object.entries(processCpuMs).map(([k, v]) => [k, Math.round(v)])),
    ...summarizeProfile(profile, 60),
    inclusive_ms: inclusiveTimes(profile, ["webSocketMessage", "alarm", "flushOutbox", "queue", "confirmArchived", "fetch", "handleFrame", "send", "append", "broadcast"]),
  };
  writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
  writeFileSync(`${base}.json`, `${JSON.stringify(summary, null, 2)}\n`);
  log(`profile: ${messages} messages; server processes ${summary.process_cpu_ms} ms CPU ${JSON.stringify(summary.cpu_ms_by_process)}, the worker's isolate ${summary.busy_ms} ms busy → ${base}.json`);
  for (const f of summary.functions.slice(0, 20)) log(`  ${String(f.self_ms).padStart(8)} ms ${String(f.share_of_busy).padStart(5)}%  ${f.name}`);
}

/** bench/routing.mjs as a subprocess (its owner keeps changing it); its JSON is read back afterwards. */
async function runRouting() {
  const started = Date.now();
  const argv = ["bench/routing.mjs", ...opts.routing.split(/\s+/).filter(Boolean)];
  console.log(`[routing] node ${argv.join(" ")}`);
  const code = await new Promise((resolve) => spawn(process.execPath, argv, { cwd: ROOT, stdio: "inherit" }).on("exit", resolve));
  const file = join(RESULTS_DIR, "routing-latest.json");
  let result = null;
  try {
    if (statSync(file).mtimeMs >= started) result = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    // no result written
  }
  return { exit_code: code, args: opts.routing, result };
}

/**
 * The fault run: Switchboard alone, `fault-rate` msg/s over the fleet for `fault-seconds`, with a
 * reconnect storm, an eviction of every conversation object, a crash and restart of wrangler dev
 * and (throughout) the archive consumer failing a share of batches; then everything is reconciled.
 */
async function faultRun(runId) {
  const log = (line) => console.log(`[faults] ${line}`);
  const target = await startTarget("switchboard", { faults: true });
  log(`up on ${target.base}; FAULTS evict,consumer_fail=${opts.consumerFail}`);
  const injected = [];
  try {
    const { fleet, token, setupSeconds } = await (async () => {
      const f = new Fleet({ label: "switchboard", runId, resume: true });
      const made = await switchboardEndpoints(target, opts.conversations, opts.agents);
      const t0 = performance.now();
      await f.open(made.endpoints, { concurrency: 50 });
      return { fleet: f, token: made.tokens[0], setupSeconds: (performance.now() - t0) / 1000 };
    })();
    log(`${opts.conversations} conversations open (${setupSeconds.toFixed(1)} s)`);
    const watcher = new ArchiveWatcher(target, token, fleet, { everyMs: 1000 });
    watcher.start();
    const T = opts.faultSeconds;
    /** A reconnect storm hits sockets that are up: it first waits (up to 15 s) for the last fault's reconnects. */
    const drop = async (share) => {
      const deadline = performance.now() + 15_000;
      while (fleet.down > 0 && performance.now() < deadline) await sleep(100);
      return { dropped: fleet.dropSockets(share), still_reconnecting_before: fleet.down };
    };
    const plan = [
      { at: T * 0.1, name: "drop 30% of client sockets (reconnect storm)", run: () => drop(0.3) },
      {
        at: T * 0.25,
        name: "evict every conversation object (ctx.abort)",
        run: async () => {
          let evicted = 0;
          await pool(Math.ceil(fleet.conversations.length / 25), 4, async (i) => {
            const ids = fleet.conversations.slice(i * 25, i * 25 + 25).map((c) => c.id);
            const answer = await httpJson("POST", `${target.base}/api/_faults/evict`, { conversation_ids: ids }, { token });
            evicted += answer.evicted;
          });
          return { evicted };
        },
      },
      { at: T * 0.45, name: "crash and restart wrangler dev (SIGKILL, same port and state)", run: async () => ({ down_ms: Math.round(await target.restart()) }) },
      { at: T * 0.75, name: "drop 50% of client sockets (reconnect storm)", run: () => drop(0.5) },
    ];
    let nextFault = 0;
    const running = [];
    let busy = false;
    // One fault at a time: an eviction still in flight when wrangler is killed would be lost, and
    // a socket drop while the server is down finds nothing open.
    const onTick = (elapsed) => {
      if (!busy && nextFault < plan.length && elapsed >= plan[nextFault].at) {
        const f = plan[nextFault++];
        busy = true;
        log(`t=${elapsed.toFixed(1)} s: ${f.name}`);
        running.push(
          f.run().then(
            (r) => {
              injected.push({ at_s: Math.round(elapsed * 10) / 10, fault: f.name, ...r });
              log(`  ${f.name}: ${JSON.stringify(r)}`);
            },
            (err) => injected.push({ at_s: Math.round(elapsed * 10) / 10, fault: f.name, error: err.message }),
          ).finally(() => (busy = false)),
        );
      }
    };
    const step = await fleet.step({ name: "faults", rate: opts.faultRate, seconds: T, drainMs: 1, onTick });
    await Promise.all(running);
    log(`sent ${step.sent}; settling (reconnects ${fleet.counts.reconnects}, re-sent ${fleet.counts.resent})`);
    const pending = await fleet.settle(120_000);
    await watcher.stop();
    const behind = await watcher.drain(180_000);
    const client = fleet.verify();
    const reconcile = await reconcileSwitchboard(target, fleet, { runId, token, archiveStatus: archiveStatusReader(target, token) });
    const consumerFailures = (target.output().match(/fault injected: archive batch/g) ?? []).length;
    await fleet.close();
    log(`client check ${client.ok ? "ok" : "FAILED"}; server check ${reconcile.ok ? "ok" : "FAILED"}; consumer batches failed on purpose: ${consumerFailures}`);
    return {
      rate: opts.faultRate,
      seconds: T,
      conversations: opts.conversations,
      injected,
      consumer_batches_failed: consumerFailures,
      consumer_fail_share: opts.consumerFail,
      sent: step.sent,
      latency_ms: rounded(step.latency_ms),
      pending_after_settle: pending,
      archive: { ...watcher.summary(), lag_ms: rounded(watcher.summary().lag_ms), not_archived_after_drain: behind },
      client,
      reconcile,
    };
  } finally {
    await target.stop();
  }
}

async function main() {
  const runId = `r${Date.now().toString(36)}`;
  const machine = describeMachine();
  console.log(`bench ${runId} on ${machineLine(machine)}\noptions: ${JSON.stringify(opts)}`);
  const report = { run_id: runId, date: new Date().toISOString(), machine, options: opts };
  if (opts.faults) {
    report.faults = await faultRun(runId);
  } else {
    report.targets = {};
    for (const kind of opts.targets) report.targets[kind] = await runTarget(kind, runId);
    if (opts.routing) report.routing = await runRouting();
  }
  const { markdown, verdicts, failures } = runReport(report);
  report.verdicts = verdicts;
  console.log("");
  for (const v of verdicts) console.log(`${v.verdict.padEnd(4)} ${v.label}: ${v.detail}`);
  for (const f of failures) console.error(`FAILED: ${f}`);
  if (!args["no-write"]) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const name = opts.faults ? "faults-latest.json" : "run-latest.json";
    writeFileSync(join(RESULTS_DIR, name), `${JSON.stringify(report, null, 2)}\n`);
    markdown.write();
    if (!opts.faults) writeFileSync(join(ROOT, "docs", "bench-knee.svg"), kneeChart(report));
    console.log(`wrote bench/results/${name} and docs/benchmarks.md${opts.faults ? "" : ", docs/bench-knee.svg"}`);
  }
  if (failures.length) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
  await stopAll();
} finally {
  clearTimeout(hardStop);
}
