// A CPU profile of the worker inside `wrangler dev`, over the Chrome DevTools Protocol on the
// inspector port wrangler opens (`--inspector-port`). Local workerd runs every object of a worker in
// one isolate, so one profile covers the router, the skill group, the agents and the conversations.
import WebSocket from "ws";

/** The inspector targets wrangler lists (one per worker). */
async function targets(inspectorPort) {
  const res = await fetch(`http://127.0.0.1:${inspectorPort}/json/list`);
  if (!res.ok) throw new Error(`inspector /json/list answered ${res.status}`);
  return res.json();
}

/** Starts the sampling profiler; `stop()` resolves with the raw profile (Profiler.Profile). */
export async function startProfile(inspectorPort, { samplingIntervalUs = 200 } = {}) {
  const list = await targets(inspectorPort);
  const entry = list.find((t) => t.webSocketDebuggerUrl);
  if (!entry) throw new Error(`no inspector target on port ${inspectorPort}: ${JSON.stringify(list)}`);
  const ws = new WebSocket(entry.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let id = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.id !== undefined && waiting.has(msg.id)) {
      const { resolve, reject } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message}`));
      else resolve(msg.result);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      waiting.set(n, { resolve, reject });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  await send("Profiler.start");
  return {
    /** The profile, with `sources` (scriptId → text) of the scripts its frames are in, for `cpuShareByOwner`. */
    async stop() {
      const { profile } = await send("Profiler.stop");
      // Read only now: the debugger stays off while measuring. Enabling it lists every script parsed.
      await send("Debugger.enable");
      const ids = new Set(profile.nodes.map((n) => n.callFrame.scriptId).filter((id) => id && id !== "0"));
      profile.sources = {};
      for (const id of ids) {
        try {
          profile.sources[id] = (await send("Debugger.getScriptSource", { scriptId: id })).scriptSource;
        } catch {
          // a script already collected: its frames stay unattributed
        }
      }
      await send("Debugger.disable");
      ws.close();
      return profile;
    },
  };
}

/**
 * Self time per function (name + file:line), and total time per source file, from a profile.
 * `(idle)` is the isolate waiting; `(program)` is native work outside JavaScript (the runtime,
 * SQLite, I/O); `(garbage collector)` is GC.
 */
export function summarizeProfile(profile, top = 30) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const deltas = profile.timeDeltas ?? [];
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const nodeId = profile.samples[i];
    selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const byFunction = new Map();
  const byFile = new Map();
  let total = 0;
  let idle = 0;
  for (const [nodeId, us] of selfUs) {
    const f = nodes.get(nodeId).callFrame;
    const file = (f.url || "").replace(/^.*\/(workers|src|node_modules)\//, "$1/");
    const name = `${f.functionName || "(anonymous)"}${file ? ` ${file}:${f.lineNumber + 1}` : ""}`;
    total += us;
    if (f.functionName === "(idle)") idle += us;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const key = file ? file.replace(/^(node_modules\/[^/]+(\/[^/]+)?)\/.*$/, "$1") : f.functionName;
    byFile.set(key, (byFile.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const rows = (m) =>
    [...m]
      .filter(([k]) => k !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ name: k, self_ms: Math.round(us / 100) / 10, share_of_busy: Math.round((us / Math.max(1, busy)) * 1000) / 10 }));
  return { total_ms: Math.round(total / 1000), busy_ms: Math.round(busy / 1000), functions: rows(byFunction), files: rows(byFile) };
}

/**
 * Inclusive time of the functions whose name matches, so "where does a conversation's routing go"
 * can be answered (e.g. route, enqueue, assign, reserve).
 */
export function inclusiveTimes(profile, names) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const deltas = profile.timeDeltas ?? [];
  const out = Object.fromEntries(names.map((n) => [n, 0]));
  for (let i = 0; i < profile.samples.length; i++) {
    const us = deltas[i + 1] ?? deltas[i] ?? 0;
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const fn = nodes.get(id).callFrame.functionName;
      if (fn in out && !seen.has(fn)) {
        seen.add(fn);
        out[fn] += us;
      }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, us]) => [k, Math.round(us / 1000)]));
}

/**
 * The bundle's module boundaries: esbuild starts each module's code with a `// path/to/file.ts`
 * comment, so a frame's line says which source file it is in.
 */
function moduleIndex(source) {
  const starts = [];
  source.split("\n").forEach((line, i) => {
    const m = /^\/\/ ((?:workers|src|node_modules)\/\S+\.[cm]?[jt]sx?)$/.exec(line);
    if (m) starts.push([i, m[1]]);
  });
  return (lineNumber) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= lineNumber) {
        found = starts[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/**
 * How the worker's CPU divides among its objects: each busy sample (not `(idle)`) goes to the
 * nearest frame of its stack in one of the worker's own folders (`workers/skill-group/…` →
 * "skill-group"; `workers/index.ts` → "entry"), so pure code from `src/`, the libraries and native
 * work (SQLite, RPC serialisation) count for the object that called them. Samples with no such
 * frame — the runtime between calls, GC — are shared out in the same proportions. Counts samples
 * rather than summing their time deltas: a delta also holds time the thread spent outside this
 * isolate (D1 and R2 run in isolates of their own locally). Returns shares that sum to 1.
 * Needs the profile's `sources` (see `startProfile`).
 */
export function cpuShareByOwner(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const indexes = new Map(Object.entries(profile.sources ?? {}).map(([id, text]) => [id, moduleIndex(text)]));
  const ownerOf = new Map();
  const owner = (id) => {
    if (ownerOf.has(id)) return ownerOf.get(id);
    const frame = nodes.get(id).callFrame;
    const file = indexes.get(frame.scriptId)?.(frame.lineNumber);
    const m = file ? /^workers\/(?:([^/]+)\/|index\.ts$)/.exec(file) : null;
    const p = parent.get(id);
    const o = m ? (m[1] ?? "entry") : p === undefined ? null : owner(p);
    ownerOf.set(id, o);
    return o;
  };
  const counts = {};
  let attributed = 0;
  for (const id of profile.samples) {
    if (nodes.get(id).callFrame.functionName === "(idle)") continue;
    const o = owner(id);
    if (o === null) continue;
    counts[o] = (counts[o] ?? 0) + 1;
    attributed += 1;
  }
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, n / attributed]));
}
