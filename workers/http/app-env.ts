import type { Env } from "../env.ts";
import type { Caller } from "../conversation/rpc.ts";
import type { SessionUser } from "../auth/sessions.ts";

/** Hono's view of the Worker: the bindings, and what middleware resolved for the request. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    caller: Caller;
    /** Set for signed-in users (not for visitors). */
    user: SessionUser | undefined;
    token: string;
  };
}
