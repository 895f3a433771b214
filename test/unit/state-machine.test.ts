import { describe, expect, it } from "vitest";
import { assertAcceptsMessages, assertTransition, canTransition } from "../../src/conversation/index.ts";
import { type ConversationState, type Role, SwitchboardError } from "../../src/model/index.ts";

const STATES: ConversationState[] = ["queued", "serving", "transferring", "offline", "ended"];

/** What `role` gets for every from → to: ok, forbidden (role may not target it) or invalid (no such edge). */
function outcomes(role: Role): Record<string, Record<string, string>> {
  const table: Record<string, Record<string, string>> = {};
  for (const from of STATES) {
    table[from] = {};
    for (const to of STATES) {
      try {
        assertTransition(role, from, to);
        table[from]![to] = "ok";
      } catch (err) {
        if (!(err instanceof SwitchboardError)) throw err;
        table[from]![to] = err.code === "invalid_transition" ? "invalid" : err.code;
      }
    }
  }
  return table;
}

// The expected tables, written out by hand from the state diagram:
// queued → serving | offline | ended; serving → transferring | queued | ended;
// transferring → serving | queued | ended; offline → queued | serving | ended; ended is final.
const F = "forbidden";
const I = "invalid";

describe("the state machine", () => {
  it("lets a visitor only end a conversation, and only one that has not ended", () => {
    expect(outcomes("visitor")).toEqual({
      queued: { queued: F, serving: F, transferring: F, offline: F, ended: "ok" },
      serving: { queued: F, serving: F, transferring: F, offline: F, ended: "ok" },
      transferring: { queued: F, serving: F, transferring: F, offline: F, ended: "ok" },
      offline: { queued: F, serving: F, transferring: F, offline: F, ended: "ok" },
      ended: { queued: F, serving: F, transferring: F, offline: F, ended: I },
    });
  });

  it("lets an agent serve, transfer, requeue and end along the diagram's edges but never set offline", () => {
    expect(outcomes("agent")).toEqual({
      queued: { queued: I, serving: "ok", transferring: I, offline: F, ended: "ok" },
      serving: { queued: "ok", serving: I, transferring: "ok", offline: F, ended: "ok" },
      transferring: { queued: "ok", serving: "ok", transferring: I, offline: F, ended: "ok" },
      offline: { queued: "ok", serving: "ok", transferring: I, offline: F, ended: "ok" },
      ended: { queued: I, serving: I, transferring: I, offline: F, ended: I },
    });
  });

  for (const role of ["supervisor", "bot", "system"] as const) {
    it(`lets a ${role} take every edge of the diagram and nothing else`, () => {
      expect(outcomes(role)).toEqual({
        queued: { queued: I, serving: "ok", transferring: I, offline: "ok", ended: "ok" },
        serving: { queued: "ok", serving: I, transferring: "ok", offline: I, ended: "ok" },
        transferring: { queued: "ok", serving: "ok", transferring: I, offline: I, ended: "ok" },
        offline: { queued: "ok", serving: "ok", transferring: I, offline: I, ended: "ok" },
        ended: { queued: I, serving: I, transferring: I, offline: I, ended: I },
      });
    });
  }

  it("answers canTransition with exactly the diagram's edges", () => {
    const edges = STATES.flatMap((from) => STATES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`));
    expect(edges).toEqual([
      "queued>serving",
      "queued>offline",
      "queued>ended",
      "serving>queued",
      "serving>transferring",
      "serving>ended",
      "transferring>queued",
      "transferring>serving",
      "transferring>ended",
      "offline>queued",
      "offline>serving",
      "offline>ended",
    ]);
  });

  it("explains a refused transition with the states that may follow", () => {
    try {
      assertTransition("agent", "serving", "serving");
      expect.unreachable("serving > serving must be refused");
    } catch (err) {
      expect(err).toBeInstanceOf(SwitchboardError);
      expect((err as SwitchboardError).status).toBe(409);
      expect((err as SwitchboardError).details).toEqual({ from: "serving", to: "serving", allowed: ["transferring", "queued", "ended"] });
    }
  });

  it("checks the role before the edge, so a visitor asking for serving is forbidden even where the edge exists", () => {
    expect(() => assertTransition("visitor", "queued", "serving")).toThrow(expect.objectContaining({ code: "forbidden" }));
  });

  it("accepts messages in every state but ended", () => {
    const refused = STATES.filter((state) => {
      try {
        assertAcceptsMessages(state);
        return false;
      } catch (err) {
        expect(err).toMatchObject({ code: "conversation_ended" });
        return true;
      }
    });
    expect(refused).toEqual(["ended"]);
  });
});
