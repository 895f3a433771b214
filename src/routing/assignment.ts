import type { Presence } from "../model/agent-frames.ts";

export type AssignmentPolicy = "least_loaded" | "round_robin";

/** A group's view of one member: enough to choose, while the agent's own object holds the truth. */
export interface AgentSlot {
  user_id: string;
  presence: Presence;
  load: number;
  max_concurrent: number;
  /** When the agent was last given a conversation (0: never): the longest idle goes first on ties. */
  last_assigned_at: number;
  /** false outside the agent's shift. */
  in_shift: boolean;
}

export function hasCapacity(a: AgentSlot): boolean {
  return a.presence === "online" && a.in_shift && a.load < a.max_concurrent;
}

/**
 * The agent to offer the next conversation to, or null when nobody can take one.
 * least_loaded: fewest open conversations, then longest idle, then ID (stable).
 * round_robin: the first available agent after `cursor` in ID order, wrapping around.
 */
export function pickAgent(agents: readonly AgentSlot[], policy: AssignmentPolicy, cursor: string | null): AgentSlot | null {
  const free = agents.filter(hasCapacity);
  if (free.length === 0) return null;
  if (policy === "round_robin") {
    free.sort((a, b) => (a.user_id < b.user_id ? -1 : 1));
    return free.find((a) => cursor === null || a.user_id > cursor) ?? free[0]!;
  }
  let best = free[0]!;
  for (const a of free) {
    if (
      a.load < best.load ||
      (a.load === best.load && (a.last_assigned_at < best.last_assigned_at || (a.last_assigned_at === best.last_assigned_at && a.user_id < best.user_id)))
    ) {
      best = a;
    }
  }
  return best;
}

/**
 * Seconds a visitor at `position` (1 = next) may wait: position × the group's recent mean time
 * between assignments. null until the group has assigned something to learn from.
 */
export function estimateWait(position: number, meanAssignIntervalMs: number | null): number | null {
  if (meanAssignIntervalMs === null) return null;
  return Math.max(1, Math.round((position * meanAssignIntervalMs) / 1000));
}

/** Exponentially weighted mean: recent assignments count most, one outlier does not swing it. */
export function ewma(previous: number | null, sample: number, weight = 0.2): number {
  return previous === null ? sample : previous + weight * (sample - previous);
}
