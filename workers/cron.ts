import { purgeSessions } from "./auth/sessions.ts";
import { redeliverInbox } from "./channels/inbox.ts";
import { database } from "./db.ts";
import type { Env } from "./env.ts";
import { sampleFinishedDays } from "./qa/daily.ts";

/** Housekeeping on the cron trigger (every 5 minutes). */
export async function runCron(env: Env, now = Date.now()): Promise<void> {
  await purgeSessions(database(env.DB), now);
  await sampleFinishedDays(env, now);
  await redeliverInbox(env, now);
}
