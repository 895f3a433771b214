/** Routing policy as data: rule sets, schedules, and the pure decision with its explanation. */
export { Action, Condition, IntentLevel, Priority, Rule, RuleSet } from "./rule-set.ts";
export { Schedule, Weekday, localTime, isValidTimezone, scheduleOpen } from "./schedule.ts";
export { decide, intentOf, type Decision, type RoutingInput, type RuleTrace, type Target } from "./evaluate.ts";
export { globMatch } from "./glob.ts";
export { pickAgent, hasCapacity, estimateWait, ewma, type AgentSlot, type AssignmentPolicy } from "./assignment.ts";
export { references, diffRuleSets, type References, type RuleSetDiff } from "./references.ts";
export { WaitingQueue, type WaitingEntry } from "./waiting-queue.ts";
export { positionPush, type PushedPosition } from "./position-push.ts";
