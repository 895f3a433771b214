import type { KeyCaller } from "../auth/api-keys.ts";
import type { Env } from "../env.ts";

/** The open API's view of the Worker: the bindings and the API key that authenticated the call. */
export interface V1Env {
  Bindings: Env;
  Variables: { key: KeyCaller };
}
