import type { D1Migration } from "cloudflare:test";
import type { Env as SwitchboardEnv } from "../workers/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends SwitchboardEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof import("../workers/index.ts");
      durableNamespaces: "ConversationDO" | "SkillGroupDO" | "AgentDO";
    }
  }
}
export {};
