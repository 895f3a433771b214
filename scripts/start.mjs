// `npm start`: the web clients built, local D1 migrated and seeded, then `wrangler dev` offline
// (one port serves the API, the workstation, the widget and the demo page), then the URLs and logins.
import { spawnSync } from "node:child_process";
import { DEMO_SEED } from "../src/db/demo-seed.ts";
import { migrateAndSeed } from "./seed.mjs";
import { ensureDevVars, ROOT, spawnWrangler, waitForHttp } from "./wrangler-env.mjs";

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? "127.0.0.1";

ensureDevVars();
console.log("Building the workstation and the widget…");
if (spawnSync(process.execPath, ["web/build.mjs", "--quiet"], { cwd: ROOT, stdio: "inherit" }).status !== 0) {
  process.exit(1);
}
console.log("Applying D1 migrations and seeding the demo workspace…");
const seed = await migrateAndSeed();

const dev = spawnWrangler(["dev", "--ip", host, "--port", String(port), "--show-interactive-dev-session=false"], {
  stdio: ["ignore", "inherit", "inherit"],
});
let alive = true;
dev.on("exit", (code) => {
  alive = false;
  process.exitCode = code ?? 1;
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));

const base = `http://${host}:${port}`;
await waitForHttp(`${base}/health`, 120_000, () => alive);
const people = seed.users.map((u) => `    ${u.role.padEnd(10)} ${u.email}`).join("\n");
console.log(`
Switchboard is up (offline, local state in .wrangler/).

  Workstation  ${base}/            (agents, supervisors, admins)
  Demo shop    ${base}/demo/       (a host page with the visitor widget)
  Widget       ${base}/widget.js
  Health       ${base}/health
  API          ${base}/api
  WebSocket    ws://${host}:${port}/api/conversations/<conversation_id>/ws

  Demo workspace  "${DEMO_SEED.slug}"   widget key ${DEMO_SEED.widgetKey}
  Sign in (password "${DEMO_SEED.password}"):
${people}

  Try it:
    curl -s -X POST ${base}/api/widget/sessions -H 'content-type: application/json' \\
      -d '{"widget_key":"${DEMO_SEED.widgetKey}"}'

Press Ctrl+C to stop.
`);
