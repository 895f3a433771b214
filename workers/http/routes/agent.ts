import { Hono } from "hono";
import { SwitchboardError } from "../../../src/model/index.ts";
import { database } from "../../db.ts";
import { agentProfile } from "../../directory/routing-config.ts";
import { agentStub } from "../../stubs.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";

/**
 * The workstation's own connection: while it is open the user is present (online or away) and
 * is offered conversations; assignments and assistance requests arrive on it.
 */
export const agentRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser())
  .get("/ws", async (c) => {
    const user = c.get("user")!;
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new SwitchboardError("upgrade_required", "this endpoint speaks WebSocket only");
    }
    const profile = await agentProfile(database(c.env.DB), user.workspace_id, user.id);
    if (!profile) throw new SwitchboardError("unauthorized", "the user no longer exists");
    const stub = agentStub(c.env, user.workspace_id, user.id);
    // Every connection refreshes the profile (groups, capacity, shift) from D1: admins' changes apply on reconnect at the latest.
    await stub.configure(profile);
    return stub.fetch("https://agent/ws", { headers: { Upgrade: "websocket" } });
  })
  .get("/status", async (c) => {
    const user = c.get("user")!;
    return c.json(await agentStub(c.env, user.workspace_id, user.id).status());
  });
