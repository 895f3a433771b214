import type { ConversationEvent, ConversationState, Role } from "../model/index.ts";
import { SwitchboardError } from "../model/index.ts";

/**
 * How many of the newest events are searched for an earlier rating. After the end only a few
 * events can follow (participants leaving, the rating), so a rating is always among them.
 */
export const RATING_WINDOW = 16;

/** Throws unless this caller may rate now: the visitor, once, after the conversation ended. */
export function assertCanRate(role: Role, state: ConversationState, newest: readonly ConversationEvent[]): void {
  if (role !== "visitor") throw new SwitchboardError("forbidden", "only the visitor rates a conversation");
  if (state !== "ended") throw new SwitchboardError("conversation_open", "a conversation is rated after it ends");
  if (newest.some((e) => e.type === "rated")) throw new SwitchboardError("already_rated", "this conversation has been rated already");
}
