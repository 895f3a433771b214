// Builds the web clients into web/dist, which the Worker serves as static assets (and Pages can host):
// the workstation app (index.html + hashed assets), the demo host page, and the widget as one
// self-contained script, widget.js, whose gzipped size is printed and held under its budget.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const root = new URL(".", import.meta.url).pathname;
const outDir = join(root, "dist");
const WIDGET_BUDGET_BYTES = 60 * 1024;

// JSX through Vite's own transform (Oxc): Preact's automatic runtime, no Babel.
const jsx = { jsx: { runtime: "automatic", importSource: "preact" } };
const quiet = process.argv.includes("--quiet") ? "warn" : "info";

await build({
  root,
  configFile: false,
  logLevel: quiet,
  oxc: jsx,
  base: "/",
  build: { outDir, emptyOutDir: true, target: "es2022" },
});

await build({
  root,
  configFile: false,
  logLevel: quiet,
  oxc: jsx,
  publicDir: false,
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir,
    emptyOutDir: false,
    target: "es2019",
    lib: { entry: join(root, "widget/main.tsx"), formats: ["iife"], name: "SwitchboardWidget", fileName: () => "widget.js" },
  },
});

const widget = readFileSync(join(outDir, "widget.js"));
const gzipped = gzipSync(widget, { level: 9 }).length;
console.log(`widget.js: ${(widget.length / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped (budget ${WIDGET_BUDGET_BYTES / 1024} KB)`);
if (gzipped > WIDGET_BUDGET_BYTES) {
  console.error("widget.js is over its gzipped size budget");
  process.exit(1);
}
