import type { Context } from "hono";
import { ConversationId, SwitchboardError } from "../../src/model/index.ts";
import { conversationStub } from "../stubs.ts";
import type { AppEnv } from "./app-env.ts";

/** The caller's conversation named in the path; the name is scoped by the caller's own workspace. */
export function stubFromPath(c: Context<AppEnv>) {
  const id = c.req.param("id");
  if (!id || !ConversationId.safeParse(id).success) throw new SwitchboardError("not_found", "no such conversation");
  return conversationStub(c.env, c.get("caller").workspace_id, id);
}
