/** Tickets (工单): the status machine and SLA arithmetic, free of storage. */
export { assertTicketTransition, canTransition, isActive, TICKET_TRANSITIONS } from "./state-machine.ts";
export { breachesAt, deadlines, DEFAULT_SLA, dueAt, policyFor } from "./sla.ts";
