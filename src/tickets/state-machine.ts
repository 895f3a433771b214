import type { TicketStatus } from "../model/index.ts";
import { SwitchboardError } from "../model/index.ts";

/**
 * Where a ticket may go from each status. Solved tickets reopen when the customer comes back;
 * closed is final (a new problem is a new ticket).
 */
export const TICKET_TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ["pending", "solved"],
  pending: ["open", "solved"],
  solved: ["open", "closed"],
  closed: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TICKET_TRANSITIONS[from].includes(to);
}

export function assertTicketTransition(from: TicketStatus, to: TicketStatus): void {
  if (!canTransition(from, to)) {
    const allowed = TICKET_TRANSITIONS[from];
    throw new SwitchboardError(
      "invalid_transition",
      `a ${from} ticket cannot become ${to}${allowed.length ? ` (allowed: ${allowed.join(", ")})` : ": closed tickets are final"}`,
    );
  }
}

/** A ticket still owes the customer something while it is open or pending. */
export function isActive(status: TicketStatus): boolean {
  return status === "open" || status === "pending";
}
