import { describe, expect, it } from "vitest";
import { TicketStatus } from "../../src/model/index.ts";
import { assertTicketTransition, breachesAt, canTransition, deadlines, DEFAULT_SLA, dueAt } from "../../src/tickets/index.ts";

const MIN = 60_000;

describe("the ticket state machine", () => {
  const allowed = new Set(["open>pending", "open>solved", "pending>open", "pending>solved", "solved>open", "solved>closed"]);
  for (const from of TicketStatus.options) {
    for (const to of TicketStatus.options) {
      if (from === to) continue;
      it(`${allowed.has(`${from}>${to}`) ? "allows" : "refuses"} ${from} → ${to}`, () => {
        expect(canTransition(from, to)).toBe(allowed.has(`${from}>${to}`));
        if (!allowed.has(`${from}>${to}`)) expect(() => assertTicketTransition(from, to)).toThrow(/cannot become/);
      });
    }
  }
});

describe("SLA arithmetic", () => {
  const created = 1_000_000;
  const due = deadlines(created, DEFAULT_SLA.normal, null);

  it("counts deadlines from creation", () => {
    expect(due).toEqual({ first_reply_due_at: created + 240 * MIN, resolution_due_at: created + 1440 * MIN });
  });

  it("puts the next unmet deadline in due_at, and none once solved", () => {
    expect(dueAt({ status: "open", ...due, first_replied_at: null })).toBe(due.first_reply_due_at);
    expect(dueAt({ status: "pending", ...due, first_replied_at: created + MIN })).toBe(due.resolution_due_at);
    expect(dueAt({ status: "solved", ...due, first_replied_at: null })).toBeNull();
  });

  it("finds a missed first reply, a late first reply and a missed resolution", () => {
    expect(breachesAt({ status: "open", ...due, first_replied_at: null }, due.first_reply_due_at)).toEqual(["first_reply"]);
    expect(breachesAt({ status: "open", ...due, first_replied_at: due.first_reply_due_at + 1 }, due.first_reply_due_at + 2)).toEqual(["first_reply"]);
    expect(breachesAt({ status: "pending", ...due, first_replied_at: created + MIN }, due.resolution_due_at)).toEqual(["resolution"]);
    expect(breachesAt({ status: "solved", ...due, first_replied_at: created + MIN }, due.resolution_due_at + MIN)).toEqual([]);
  });
});
