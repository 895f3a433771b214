import type { Actor, Role, Visibility } from "../model/index.ts";
import { SwitchboardError } from "../model/index.ts";

const STAFF: readonly Role[] = ["agent", "supervisor", "bot", "system"];

export function isStaff(role: Role): boolean {
  return STAFF.includes(role);
}

/** Internal notes are for the team; the visitor never receives or replays them. */
export function canSee(role: Role, visibility: Visibility): boolean {
  return visibility === "public" || isStaff(role);
}

export function assertMaySend(actor: Actor, visibility: Visibility): void {
  if (visibility === "internal" && !isStaff(actor.role)) {
    throw new SwitchboardError("forbidden", "only agents and supervisors may write internal notes");
  }
}
