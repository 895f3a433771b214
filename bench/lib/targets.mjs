// The benchmark targets: Switchboard itself (migrated and seeded into a throw-away state dir) and
// the ceiling relay (bench/ceiling). Each opens a "conversation" as two synced sockets, a visitor
// and an agent, speaking the same frames.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { DEMO_SEED } from "../../src/db/demo-seed.ts";
import { migrateAndSeed } from "../../scripts/seed.mjs";
import { ensureDevVars } from "../../scripts/wrangler-env.mjs";
import { startWranglerDev, tempDir } from "./wrangler-target.mjs";
import { connectSynced, httpJson } from "./ws-client.mjs";

export const CEILING_CONFIG = "bench/ceiling/wrangler.toml";

const ROOT = new URL("../..", import.meta.url).pathname;
/** What `wrangler dev` needs of the repository to build and serve Switchboard (see wrangler.toml). */
const SNAPSHOT_PATHS = ["wrangler.toml", "workers", "src", "migrations", "package.json", "tsconfig.json", ".dev.vars"];
/** The built web clients, served as static assets: not committed, so built here when missing. */
const WEB_DIST = "web/dist";

/**
 * Which sources are measured: `ref` null means the working tree (with `dirty` when the worker's
 * sources differ from HEAD), otherwise that git ref as committed.
 */
export function sourceVersion(ref = null) {
  const git = (...a) => spawnSync("git", a, { cwd: ROOT, encoding: "utf8" });
  const head = git("rev-parse", "--short", ref ? `${ref}^{commit}` : "HEAD");
  if (head.status !== 0) {
    if (ref) throw new Error(`git cannot resolve ${ref}: ${head.stderr.trim()}`);
    return { ref: null, commit: null, dirty: null };
  }
  const dirty = ref ? false : git("status", "--porcelain", "--", ...SNAPSHOT_PATHS.filter((p) => p !== ".dev.vars")).stdout.trim().length > 0;
  return { ref, commit: head.stdout.trim(), dirty };
}

/**
 * A copy of the worker's sources in a temp dir (the working tree, or `ref` as committed), with
 * node_modules linked and the local .dev.vars. wrangler dev watches its sources and reloads the
 * worker when they change, which would restart the objects (and drop in-flight messages) mid-run
 * if anyone edits the repository meanwhile: the bench serves this frozen copy instead.
 */
export function snapshotSources(ref = null) {
  const dir = tempDir("bench-switchboard-src-");
  if (ref) {
    const paths = SNAPSHOT_PATHS.filter((p) => p !== ".dev.vars");
    const archive = spawnSync("git", ["archive", "--format=tar", ref, "--", ...paths], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
    if (archive.status !== 0) throw new Error(`git archive ${ref} failed: ${archive.stderr.toString()}`);
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr.toString()}`);
    if (existsSync(join(ROOT, ".dev.vars"))) cpSync(join(ROOT, ".dev.vars"), join(dir, ".dev.vars"));
  } else {
    for (const p of SNAPSHOT_PATHS) {
      if (existsSync(join(ROOT, p))) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
    }
  }
  if (!existsSync(join(ROOT, WEB_DIST))) {
    const build = spawnSync(process.execPath, [join(ROOT, "web", "build.mjs"), "--quiet"], { cwd: ROOT, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`building the web clients failed: ${build.stderr}`);
  }
  cpSync(join(ROOT, WEB_DIST), join(dir, WEB_DIST), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * `wrangler dev` for Switchboard on a free port, serving a snapshot of the working tree (or of
 * `ref`), with D1 migrated and seeded in a fresh state dir; `prepareExtra(persistTo)` then adds
 * what a benchmark needs on top (e.g. more users). Other options as startWranglerDev's.
 */
export async function startSwitchboard({ ref = null, prepareExtra = null, ...options } = {}) {
  ensureDevVars();
  const version = sourceVersion(ref);
  const src = snapshotSources(ref);
  const target = await startWranglerDev({
    ...options,
    name: "switchboard",
    config: join(src, "wrangler.toml"),
    removeOnStop: [src],
    prepare: async (persistTo) => {
      await migrateAndSeed({ persistTo });
      if (prepareExtra) await prepareExtra(persistTo);
    },
  });
  target.source = version;
  return target;
}

/** `wrangler dev` for the ceiling relay; it has no state, but gets its own dir all the same. */
export function startCeiling(options = {}) {
  return startWranglerDev({ ...options, name: "ceiling", config: CEILING_CONFIG });
}

/** An agent session token for the demo workspace. */
export async function loginAgent(target, email = `agent1@${DEMO_SEED.emailDomain}`) {
  const session = await httpJson("POST", `${target.base}/api/auth/login`, {
    workspace: DEMO_SEED.slug,
    email,
    password: DEMO_SEED.password,
  });
  return session.token;
}

/**
 * A new Switchboard conversation with a visitor and an agent socket, both synced. The agent
 * connects first and then takes the conversation (state → serving), so it is a participant
 * whose delivery progress the conversation tracks, as in real use.
 */
export async function openSwitchboardConversation(target, { agentToken, timeoutMs = 15_000 } = {}) {
  const session = await httpJson("POST", `${target.base}/api/widget/sessions`, { widget_key: DEMO_SEED.widgetKey });
  const token = agentToken ?? (await loginAgent(target));
  const id = session.conversation_id;
  const agent = await connectSynced(`${target.wsBase}/api/conversations/${id}/ws?token=${encodeURIComponent(token)}&last_seq=0`, {
    label: "switchboard agent",
    timeoutMs,
  });
  await httpJson("POST", `${target.base}/api/conversations/${id}/state`, { to: "serving" }, { token });
  const visitor = await connectSynced(`${session.websocket_url}?token=${encodeURIComponent(session.token)}&last_seq=0`, {
    label: "switchboard visitor",
    timeoutMs,
  });
  return { conversationId: id, visitor: visitor.socket, agent: agent.socket };
}

/** A ceiling "conversation": two sockets on one relay object named `room`. */
export async function openCeilingConversation(target, { room = "bench", timeoutMs = 15_000 } = {}) {
  const url = (role, id) => `${target.wsBase}/ws/${room}?role=${role}&id=${id}`;
  const agent = await connectSynced(url("agent", "us_benchagent0000000001"), { label: "ceiling agent", timeoutMs });
  const visitor = await connectSynced(url("visitor", "ct_benchvisitor000000001"), { label: "ceiling visitor", timeoutMs });
  return { conversationId: room, visitor: visitor.socket, agent: agent.socket };
}
