import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { CommentBody, CreateTicketBody, pageOf, Ticket, TicketComment, TicketDetail, TicketEvent, TicketId, TicketListQuery, TicketPatch } from "../../../src/model/index.ts";
import { database } from "../../db.ts";
import { addComment, createTicket, getTicket, listTickets, ticketComments, ticketHistory, updateTicket } from "../../tickets/tickets.ts";
import { idempotent, requireScope } from "../middleware.ts";
import { errors, IdempotencyHeaders, jsonBody, ok, security, v1Router } from "../openapi.ts";
import { keyCaller } from "./conversations.ts";

const IdParam = z.object({ id: TicketId });

/** Tickets for integrations; changes are made as the key (a bot actor) and recorded so. */
export const ticketsV1 = v1Router()
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets",
      tags: ["Tickets"],
      summary: "List tickets, newest first, with SLA state (`due_at`, `breached`)",
      security,
      middleware: [requireScope("tickets:read")] as const,
      request: { query: TicketListQuery },
      responses: { 200: ok(pageOf(Ticket)), ...errors },
    }),
    async (c) => c.json(await listTickets(database(c.env.DB), { workspaceId: c.get("key").workspace_id }, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tickets",
      tags: ["Tickets"],
      summary: "Create a ticket, directly or from a conversation",
      security,
      middleware: [requireScope("tickets:write"), idempotent] as const,
      request: { headers: IdempotencyHeaders, body: jsonBody(CreateTicketBody) },
      responses: { 201: ok(Ticket, "Created"), ...errors },
    }),
    async (c) => {
      const key = c.get("key");
      return c.json(await createTicket(c.env, key.workspace_id, keyCaller(key).actor, c.req.valid("json")), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets/{id}",
      tags: ["Tickets"],
      summary: "A ticket with its comments",
      security,
      middleware: [requireScope("tickets:read")] as const,
      request: { params: IdParam },
      responses: { 200: ok(TicketDetail), ...errors },
    }),
    async (c) => {
      const db = database(c.env.DB);
      const ws = c.get("key").workspace_id;
      const { id } = c.req.valid("param");
      return c.json({ ...(await getTicket(db, ws, id)), comments: await ticketComments(db, ws, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/tickets/{id}",
      tags: ["Tickets"],
      summary: "Change status (validated transitions), priority, owner or text",
      security,
      middleware: [requireScope("tickets:write")] as const,
      request: { params: IdParam, body: jsonBody(TicketPatch) },
      responses: { 200: ok(Ticket), ...errors },
    }),
    async (c) => {
      const key = c.get("key");
      return c.json((await updateTicket(c.env, { workspaceId: key.workspace_id }, keyCaller(key).actor, c.req.valid("param").id, c.req.valid("json"))).ticket, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tickets/{id}/comments",
      tags: ["Tickets"],
      summary: "Add an internal note, or a public reply (posted into the linked conversation)",
      security,
      middleware: [requireScope("tickets:write"), idempotent] as const,
      request: { params: IdParam, headers: IdempotencyHeaders, body: jsonBody(CommentBody) },
      responses: { 201: ok(TicketComment, "Created"), ...errors },
    }),
    async (c) => {
      const key = c.get("key");
      return c.json((await addComment(c.env, { workspaceId: key.workspace_id }, keyCaller(key).actor, c.req.valid("param").id, c.req.valid("json"))).comment, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets/{id}/events",
      tags: ["Tickets"],
      summary: "The ticket's append-only history",
      security,
      middleware: [requireScope("tickets:read")] as const,
      request: { params: IdParam },
      responses: { 200: ok(z.object({ items: z.array(TicketEvent) })), ...errors },
    }),
    async (c) => c.json({ items: await ticketHistory(database(c.env.DB), { workspaceId: c.get("key").workspace_id }, c.req.valid("param").id) }, 200),
  );
