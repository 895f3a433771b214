import type { SlaBreach, SlaPolicy, TicketPriority, TicketStatus } from "../model/index.ts";
import { isActive } from "./state-machine.ts";

const MINUTE = 60_000;

/** Used for a priority the workspace has not configured (docs/tickets.md). */
export const DEFAULT_SLA: Record<TicketPriority, SlaPolicy> = {
  urgent: { priority: "urgent", first_reply_minutes: 30, resolution_minutes: 4 * 60 },
  high: { priority: "high", first_reply_minutes: 60, resolution_minutes: 8 * 60 },
  normal: { priority: "normal", first_reply_minutes: 4 * 60, resolution_minutes: 24 * 60 },
  low: { priority: "low", first_reply_minutes: 8 * 60, resolution_minutes: 72 * 60 },
};

export function policyFor(priority: TicketPriority, configured: SlaPolicy[]): SlaPolicy {
  return configured.find((p) => p.priority === priority) ?? DEFAULT_SLA[priority];
}

/** Deadlines counted from the ticket's creation; a promised reply time replaces the policy's first-reply target. */
export function deadlines(createdAt: number, policy: SlaPolicy, expectedReplyAt: number | null) {
  return {
    first_reply_due_at: expectedReplyAt ?? createdAt + policy.first_reply_minutes * MINUTE,
    resolution_due_at: createdAt + policy.resolution_minutes * MINUTE,
  };
}

export interface SlaState {
  status: TicketStatus;
  first_reply_due_at: number;
  resolution_due_at: number;
  first_replied_at: number | null;
}

/** The next deadline the ticket still has to meet, or null when it owes nothing. */
export function dueAt(t: SlaState): number | null {
  if (!isActive(t.status)) return null;
  return t.first_replied_at === null ? Math.min(t.first_reply_due_at, t.resolution_due_at) : t.resolution_due_at;
}

/** The promises broken at `now` (a late first reply counts even once given). */
export function breachesAt(t: SlaState, now: number): SlaBreach[] {
  const out: SlaBreach[] = [];
  const replied = t.first_replied_at;
  if ((replied === null && isActive(t.status) && now >= t.first_reply_due_at) || (replied !== null && replied > t.first_reply_due_at)) {
    out.push("first_reply");
  }
  if (isActive(t.status) && now >= t.resolution_due_at) out.push("resolution");
  return out;
}
