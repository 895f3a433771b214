import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { fakeOutbound } from "./test/fakes/outbound.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            TOKEN_SECRET: "test-only-token-secret-0123456789abcdef",
            WEBHOOK_SECRET_KEY: "test-only-webhook-secret-key-0123456789abcdef",
            WECHAT_API_BASE: "http://fake-wechat.test",
            TURNSTILE_VERIFY_URL: "http://fake-turnstile.test/siteverify",
            // Webhook retries at once instead of after 30 s, 60 s, …: the back-off arithmetic has unit tests.
            WEBHOOK_RETRY_BASE_SECONDS: "0",
          },
          // Third-party APIs (WeChat, Turnstile) are the one thing faked, at the fetch boundary: test/fakes/.
          outboundService: fakeOutbound,
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      testTimeout: 20_000,
    },
  };
});
