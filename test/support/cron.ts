import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../workers/index.ts";

/** Runs the Worker's cron handler as the trigger would, as if at time `at`. */
export async function runCronAt(at: number): Promise<void> {
  const controller = createScheduledController({ scheduledTime: new Date(at), cron: "*/5 * * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env as never, ctx);
  await waitOnExecutionContext(ctx);
}
