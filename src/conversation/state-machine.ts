import type { ConversationState, Role } from "../model/index.ts";
import { SwitchboardError } from "../model/index.ts";

/** Which state may follow which. `ended` is final: a returning visitor starts a new conversation. */
const NEXT: Record<ConversationState, readonly ConversationState[]> = {
  queued: ["serving", "offline", "ended"],
  serving: ["transferring", "queued", "ended"],
  transferring: ["serving", "queued", "ended"],
  offline: ["queued", "serving", "ended"],
  ended: [],
};

/** Which targets each role may move a conversation to; a visitor can only leave. */
const ALLOWED_TARGETS: Record<Role, readonly ConversationState[]> = {
  visitor: ["ended"],
  agent: ["serving", "transferring", "queued", "ended"],
  supervisor: ["queued", "serving", "transferring", "offline", "ended"],
  bot: ["queued", "serving", "transferring", "offline", "ended"],
  system: ["queued", "serving", "transferring", "offline", "ended"],
};

export function canTransition(from: ConversationState, to: ConversationState): boolean {
  return NEXT[from].includes(to);
}

/** Throws the error a client gets when `role` asks to move the conversation from `from` to `to`. */
export function assertTransition(role: Role, from: ConversationState, to: ConversationState): void {
  if (!ALLOWED_TARGETS[role].includes(to)) {
    throw new SwitchboardError("forbidden", `a ${role} may not move a conversation to ${to}`);
  }
  if (!canTransition(from, to)) {
    throw new SwitchboardError("invalid_transition", `a ${from} conversation cannot become ${to}`, {
      from,
      to,
      allowed: NEXT[from],
    });
  }
}

/** Messages are accepted in every state but `ended`. */
export function assertAcceptsMessages(state: ConversationState): void {
  if (state === "ended") throw new SwitchboardError("conversation_ended", "this conversation has ended; start a new one");
}
