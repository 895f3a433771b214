import type { ConversationContext } from "../../src/model/index.ts";
import { type Decision, decide, references } from "../../src/routing/index.ts";
import type { RuleSet } from "../../src/routing/index.ts";
import { database } from "../db.ts";
import { routingConfig } from "./config-cache.ts";
import type { Env } from "../env.ts";
import { groupStub } from "../stubs.ts";

export interface RoutingRequest {
  workspace_id: string;
  context: ConversationContext;
  contact_tags: string[];
  first_message?: string | undefined;
  now?: number;
}

export interface RoutingOutcome extends Decision {
  /** The published version that decided, or null for the built-in default. */
  version: number | null;
}

/**
 * Gathers what a decision needs — the live rule set (or a draft), schedules and the time zone (cached
 * per isolate, see config-cache.ts) and the live figures of the groups its conditions read — and decides. Runs once per conversation, off
 * the message path. null: the workspace has no skill groups, so agents pick conversations by hand.
 */
export async function route(env: Env, request: RoutingRequest, draft?: RuleSet): Promise<RoutingOutcome | null> {
  const config = await routingConfig(database(env.DB), request.workspace_id);
  const published = draft ? null : config.published;
  const ruleSet = draft ?? config.ruleSet;
  if (!ruleSet) return null;
  const { schedules, timezone } = config;
  const measured = [...references(ruleSet).measuredGroups];
  const stats = await Promise.all(measured.map((g) => groupStub(env, request.workspace_id, g).stats()));
  const groups = Object.fromEntries(stats.map((s, i) => [measured[i]!, { available_agents: s.available_agents, waiting: s.waiting }]));
  const decision = decide(ruleSet, {
    context: request.context,
    contact_tags: request.contact_tags,
    first_message: request.first_message,
    now: request.now ?? Date.now(),
    timezone,
    schedules,
    groups,
  });
  return { ...decision, version: published?.version ?? null };
}
