import { defineConfig } from "vitest/config";

// Real-browser end-to-end tests: Node drives Debian's Chromium (playwright-core) against one
// `wrangler dev` that the global setup starts, migrates and seeds, and stops at the end.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    environment: "node",
    globalSetup: ["test/e2e/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
