import type { Actor, ErrorBody } from "../../src/model/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";

/** Who is calling a conversation, as the gateway authenticated them. */
export interface Caller {
  workspace_id: string;
  actor: Actor;
}

/**
 * RPC across a Durable Object boundary keeps an error's message but not its class, so the
 * conversation returns failures as values and the gateway renders them.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorBody["error"] };

export function toResult<T>(fn: () => T): Result<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    return { ok: false, error: asSwitchboardError(err).toBody().error };
  }
}

export function asSwitchboardError(err: unknown): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  console.error("unexpected error in conversation", err);
  return new SwitchboardError("internal", "internal error; nothing you sent before this was lost");
}

export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new SwitchboardError(result.error.code, result.error.message, result.error.details);
}

/** The header through which the gateway tells the conversation who opened a socket. */
export const CALLER_HEADER = "x-switchboard-caller";
