/** The conversation's rules: which states follow which, who may do what, how delivery is read. */
export { assertAcceptsMessages, assertTransition, canTransition } from "./state-machine.ts";
export { assertMaySend, canSee, isStaff } from "./permissions.ts";
export { deliveryStatus } from "./delivery.ts";
export { clientMsgIdOf, describeIssues, parseClientFrame, parseClientValue } from "./parse-frame.ts";
