import { type Context, Hono } from "hono";
import { CommentBody, CreateTicketBody, SlaPoliciesBody, SwitchboardError, TicketId, TicketListQuery, TicketPatch } from "../../../src/model/index.ts";
import { DEFAULT_SLA, policyFor } from "../../../src/tickets/index.ts";
import { database, schema } from "../../db.ts";
import { visibleTo } from "../../directory/visibility.ts";
import { addComment, createTicket, getTicket, listTickets, putSlaPolicies, slaPolicies, ticketComments, ticketHistory, type TicketViewer, updateTicket } from "../../tickets/tickets.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson, readQuery } from "../errors.ts";

/** The signed-in user's view: their workspace, narrowed to the owners they may see. */
function viewer(c: Context<AppEnv>): TicketViewer {
  const user = c.get("user")!;
  return { workspaceId: user.workspace_id, owners: visibleTo(database(c.env.DB), user, schema.tickets.ownerId) };
}

function ticketId(id: string | undefined): string {
  if (!id || !TicketId.safeParse(id).success) throw new SwitchboardError("not_found", "no such ticket");
  return id;
}

/**
 * Tickets for staff (docs/tickets.md): agents see unowned tickets and their own, supervisors also
 * their groups', admins all; admins set the SLA policies.
 */
export const ticketRoutes = new Hono<AppEnv>()
  .use("*", authenticate, requireUser())
  .get("/sla-policies", async (c) => {
    const configured = await slaPolicies(database(c.env.DB), c.get("caller").workspace_id);
    return c.json({ items: Object.keys(DEFAULT_SLA).map((p) => policyFor(p as keyof typeof DEFAULT_SLA, configured)) });
  })
  .put("/sla-policies", requireUser("admin"), async (c) => {
    const body = await readJson(c, SlaPoliciesBody);
    const db = database(c.env.DB);
    await putSlaPolicies(db, c.get("caller").workspace_id, body.policies);
    const configured = await slaPolicies(db, c.get("caller").workspace_id);
    return c.json({ items: Object.keys(DEFAULT_SLA).map((p) => policyFor(p as keyof typeof DEFAULT_SLA, configured)) });
  })
  .get("/", async (c) => c.json(await listTickets(database(c.env.DB), viewer(c), readQuery(c, TicketListQuery))))
  .post("/", async (c) => {
    const body = await readJson(c, CreateTicketBody);
    const caller = c.get("caller");
    return c.json(await createTicket(c.env, caller.workspace_id, caller.actor, body), 201);
  })
  .get("/:id", async (c) => {
    const db = database(c.env.DB);
    const id = ticketId(c.req.param("id"));
    const v = viewer(c);
    return c.json({ ...(await getTicket(db, v, id)), comments: await ticketComments(db, v.workspaceId, id) });
  })
  .patch("/:id", async (c) => {
    const body = await readJson(c, TicketPatch);
    const caller = c.get("caller");
    return c.json((await updateTicket(c.env, viewer(c), caller.actor, ticketId(c.req.param("id")), body)).ticket);
  })
  .post("/:id/comments", async (c) => {
    const body = await readJson(c, CommentBody);
    const caller = c.get("caller");
    return c.json((await addComment(c.env, viewer(c), caller.actor, ticketId(c.req.param("id")), body)).comment, 201);
  })
  .get("/:id/events", async (c) =>
    c.json({ items: await ticketHistory(database(c.env.DB), viewer(c), ticketId(c.req.param("id"))) }),
  );
