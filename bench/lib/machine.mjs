// Describes the machine and the runtime versions a benchmark ran on.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;

/** The installed version of a package, looking in the places npm may have put it. */
export function packageVersion(name, nestedUnder = []) {
  for (const dir of [join(ROOT, "node_modules", name), ...nestedUnder.map((p) => join(ROOT, "node_modules", p, "node_modules", name))]) {
    const file = join(dir, "package.json");
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")).version;
  }
  return null;
}

export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memory_gib: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    wrangler: packageVersion("wrangler"),
    miniflare: packageVersion("miniflare", ["wrangler"]),
    workerd: packageVersion("workerd", ["wrangler", "miniflare"]),
    ws: packageVersion("ws"),
  };
}

export function machineLine(m) {
  return `${m.cpu_model}, ${m.cores} cores, ${m.memory_gib} GiB RAM, ${m.os}; Node ${m.node}; wrangler ${m.wrangler}, miniflare ${m.miniflare}, workerd ${m.workerd}; ws ${m.ws}`;
}

/**
 * Machine-wide CPU time in ms since boot, from /proc/stat (Linux): `busy` is everything but idle
 * and iowait, `steal` what the hypervisor took. Null where /proc/stat is not readable.
 */
export function machineCpuMs() {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map((f) => (Number(f) * 1000) / 100);
    return { busy: user + nice + system + irq + softirq + steal, steal, idle: idle + iowait };
  } catch {
    return null;
  }
}

/**
 * Measures, over a phase, how much CPU went to anything other than the benchmark itself (other
 * processes on the machine, or the hypervisor's steal): `start()` then `stop(ownCpuMs)` with the
 * CPU ms the bench's own processes used in between. Returns cores' worth of foreign load.
 */
export function foreignLoadMeter() {
  const t0 = performance.now();
  const m0 = machineCpuMs();
  return {
    stop(ownCpuMs) {
      const m1 = machineCpuMs();
      const seconds = (performance.now() - t0) / 1000;
      if (!m0 || !m1 || seconds <= 0) return null;
      const busy = m1.busy - m0.busy;
      return {
        seconds,
        machine_busy_cores: busy / 1000 / seconds,
        bench_cores: ownCpuMs / 1000 / seconds,
        foreign_cores: Math.max(0, busy - ownCpuMs) / 1000 / seconds,
        steal_cores: (m1.steal - m0.steal) / 1000 / seconds,
      };
    },
  };
}

/**
 * Waits until the rest of the machine has been quiet (under `threshold` cores of foreign load)
 * for one `windowMs`, or gives up after `maxWaitMs`. `ownCpuMs()` returns the CPU ms the bench's
 * own processes have used so far. Resolves with { quiet, waited_ms, foreign_cores }.
 */
export async function waitForQuiet(ownCpuMs, { threshold = 0.15, windowMs = 2000, maxWaitMs = 20_000 } = {}) {
  const started = performance.now();
  let foreign = null;
  for (;;) {
    const own0 = ownCpuMs();
    const meter = foreignLoadMeter();
    await new Promise((r) => setTimeout(r, windowMs));
    const load = meter.stop(ownCpuMs() - own0);
    if (!load) return { quiet: true, waited_ms: 0, foreign_cores: null };
    foreign = load.foreign_cores;
    const waited = performance.now() - started;
    if (foreign < threshold) return { quiet: true, waited_ms: Math.round(waited - windowMs), foreign_cores: foreign };
    if (waited >= maxWaitMs) return { quiet: false, waited_ms: Math.round(waited), foreign_cores: foreign };
  }
}
