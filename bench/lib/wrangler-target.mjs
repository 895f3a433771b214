// Starts and stops one `wrangler dev` target for a benchmark: a free loopback port, a throw-away
// persist dir, offline env, its own process group (so wrangler, esbuild and workerd all stop
// together), and a check that nothing of it is left running afterwards.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OFFLINE_ENV, spawnWrangler, waitForHttp } from "../../scripts/wrangler-env.mjs";

const HOST = "127.0.0.1";
/** Every target still running, so a crash or Ctrl+C does not leave a workerd behind. */
const live = new Set();

/** A port the kernel just handed out on loopback (closed again before wrangler binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A fresh directory under the OS temp dir; the caller removes it with `removeDir`. */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** PIDs (with their command names) whose process group is `pgid`, read from /proc. Linux only. */
export function processesInGroup(pgid) {
  const out = [];
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'.
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") {
        out.push({ pid: Number(name), comm: stat.slice(stat.indexOf("(") + 1, close) });
      }
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** User+system CPU time in ms of every process in the group, by command name. */
export function groupCpuMs(pgid) {
  const ticks = 100; // USER_HZ; 100 on every Linux we run on
  const byComm = {};
  for (const { pid, comm } of processesInGroup(pgid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
      byComm[comm] = (byComm[comm] ?? 0) + ms;
    } catch {
      // exited while we looked
    }
  }
  return byComm;
}

/**
 * Runs `wrangler dev` for one config and resolves once `healthPath` answers 200.
 *
 * @param {object} options
 * @param {string} options.name        label for logs
 * @param {string} [options.config]    wrangler config path (relative to the repo root); default wrangler.toml
 * @param {string} [options.persistTo] state dir; a fresh temp dir when omitted (removed on stop)
 * @param {(persistTo: string) => Promise<void>} [options.prepare]  runs before wrangler dev, e.g. migrate + seed
 * @param {string} [options.healthPath] default /health
 * @param {number} [options.readyTimeoutMs] default 120 s
 * @param {boolean} [options.verbose]  echo wrangler's output
 * @param {string} [options.logLevel]  wrangler --log-level (default log: reloads are only reported from it on)
 * @param {boolean} [options.devObservability] keep wrangler's local trace collector on (default off:
 *   it records every invocation and span into a SQLite trace store, a dev-only cost that grows with
 *   the number of events recorded and would swamp what a benchmark means to measure)
 * @param {Record<string, string>} [options.env] extra environment for wrangler (on top of OFFLINE_ENV)
 * @param {string[]} [options.removeOnStop] more directories to remove once stopped (e.g. a source snapshot)
 * @param {boolean} [options.keepState] keep the temp state dir (with wrangler-dev.log) after stop, for a post-mortem
 * @param {Record<string, string>} [options.vars] worker vars passed with `--var KEY:VALUE` (e.g. FAULTS for a fault run)
 * @param {string[]} [options.args] more `wrangler dev` flags (e.g. `--test-scheduled` to expose the cron at /__scheduled)
 */
export async function startWranglerDev(options) {
  const { name, config, healthPath = "/health", readyTimeoutMs = 120_000, verbose = false } = options;
  const ownDir = !options.persistTo;
  const persistTo = options.persistTo ?? tempDir(`bench-${name}-`);
  const logPath = join(persistTo, "wrangler-dev.log");
  const log = [];
  try {
    if (options.prepare) await options.prepare(persistTo);
  } catch (err) {
    if (ownDir) removeDir(persistTo);
    for (const dir of options.removeOnStop ?? []) removeDir(dir);
    throw err;
  }
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = [
    "dev",
    ...(config ? ["--config", config] : []),
    "--ip", HOST,
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    // "log" is the level that reports reloads ("Reloading local server"), which reloads() counts.
    "--log-level", options.logLevel ?? "log",
    ...Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...(options.args ?? []),
  ];
  const started = performance.now();
  // detached: its own process group, so stop() can signal wrangler and every child at once.
  const env = { ...OFFLINE_ENV, ...(options.devObservability ? {} : { X_LOCAL_OBSERVABILITY: "false" }), ...options.env };
  let reloads = 0;
  /** Every archive consumer line, kept whole: the rolling log below drops old output. */
  const deliveries = [];
  const partial = new Map();
  const collect = (stream) => (chunk) => {
    const text = chunk.toString();
    reloads += (text.match(/Reloading local server/g) ?? []).length;
    // Whole lines only: a chunk may end mid-line.
    const lines = ((partial.get(stream) ?? "") + text).split("\n");
    partial.set(stream, lines.pop());
    for (const line of lines) if (line.includes("archive delivery: ")) deliveries.push(line);
    log.push(text);
    if (log.length > 2000) log.splice(0, log.length - 2000);
    if (verbose) stream.write(`[${name}] ${text}`);
  };
  let child;
  let exited = null;
  let exitPromise;
  const spawnChild = () => {
    child = spawnWrangler(args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env });
    child.stdout.on("data", collect(process.stdout));
    child.stderr.on("data", collect(process.stderr));
    exited = null;
    exitPromise = new Promise((resolve) =>
      child.on("exit", (code, signal) => {
        exited = { code, signal };
        resolve(exited);
      }),
    );
  };
  spawnChild();
  /** CPU of processes of groups that were killed by restart(), so cpuMs() keeps counting up. */
  const priorCpu = {};

  const base = `http://${HOST}:${port}`;
  const target = {
    name,
    get pid() {
      return child.pid;
    },
    port,
    /** The DevTools inspector wrangler opens for the worker (bench/lib/profiler.mjs). */
    inspectorPort,
    base,
    wsBase: `ws://${HOST}:${port}`,
    persistTo,
    /** CPU ms per process name (workerd, node, esbuild…) since the target started. */
    cpuMs: () => {
      const now = groupCpuMs(child.pid);
      for (const [k, v] of Object.entries(priorCpu)) now[k] = (now[k] ?? 0) + v;
      return now;
    },
    output: () => log.join(""),
    /** The archive consumer's `archive delivery: …` lines since the start, all of them. */
    archiveDeliveries: () => deliveries.join("\n"),
    /** How often wrangler rebuilt and restarted the worker since it was ready (its sources changed). */
    reloads: () => reloads,
    /**
     * A crash and restart (for fault runs): SIGKILL to the whole group, then the same command on
     * the same port and state dir. Resolves once it answers again, with the milliseconds it was down.
     */
    restart: async () => {
      const t0 = performance.now();
      for (const [k, v] of Object.entries(groupCpuMs(child.pid))) priorCpu[k] = (priorCpu[k] ?? 0) + v;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await exitPromise;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && processesInGroup(child.pid).length > 0) await new Promise((r) => setTimeout(r, 100));
      spawnChild();
      await waitForHttp(`${base}${healthPath}`, readyTimeoutMs, () => exited === null);
      return performance.now() - t0;
    },
    stop: async () => {
      live.delete(target);
      const leftovers = await stopGroup(child.pid, exitPromise, () => exited !== null);
      writeFileSync(logPath, log.join(""));
      if (ownDir && !options.keepState) removeDir(persistTo);
      for (const dir of options.removeOnStop ?? []) removeDir(dir);
      return { leftovers };
    },
  };
  live.add(target);
  try {
    await waitForHttp(`${base}${healthPath}`, readyTimeoutMs, () => exited === null);
  } catch (err) {
    await target.stop();
    throw new Error(`${name}: ${err.message}\n--- wrangler output ---\n${log.join("").slice(-4000)}`);
  }
  target.startupMs = performance.now() - started;
  return target;
}

/**
 * Adds a target started some other way (a Node peer: `{ pid, stop() }`, `stop` removing it with
 * `untrackTarget`) to the set stopAll() and an abrupt exit clean up.
 */
export function trackTarget(target) {
  live.add(target);
}

export function untrackTarget(target) {
  live.delete(target);
}

/** SIGTERM to the whole group, SIGKILL after a grace period; resolves with anything still alive. */
export async function stopGroup(pgid, exitPromise, hasExited) {
  const signal = (sig) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // group already gone
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + 10_000;
  await Promise.race([exitPromise, new Promise((r) => setTimeout(r, 10_000))]);
  while (Date.now() < deadline && processesInGroup(pgid).length > 0) await new Promise((r) => setTimeout(r, 100));
  if (!hasExited() || processesInGroup(pgid).length > 0) {
    signal("SIGKILL");
    const killDeadline = Date.now() + 5_000;
    while (Date.now() < killDeadline && processesInGroup(pgid).length > 0) await new Promise((r) => setTimeout(r, 100));
  }
  return processesInGroup(pgid);
}

/** Stops every target still running (for error paths). */
export async function stopAll() {
  for (const target of [...live]) await target.stop();
}

// Last resort on an abrupt exit: no time for a graceful stop, but no workerd is left behind.
process.on("exit", () => {
  for (const target of live) {
    try {
      process.kill(-target.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    stopAll().finally(() => process.exit(130));
  });
}
