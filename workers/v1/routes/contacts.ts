import { createRoute } from "@hono/zod-openapi";
import { and, desc, eq, lt, or } from "drizzle-orm";
import { z } from "zod";
import { Contact, ContactId, ContactPatch, PageQuery, pageOf, SwitchboardError } from "../../../src/model/index.ts";
import { database, type Database, schema } from "../../db.ts";
import { webhookEvents } from "../../webhooks/notify.ts";
import { outboxInsert, publishNow } from "../../webhooks/outbox.ts";
import { decodeCursor, page } from "../cursor.ts";
import { requireScope } from "../middleware.ts";
import { errors, jsonBody, ok, security, v1Router } from "../openapi.ts";

const IdParam = z.object({ id: ContactId });
const ContactQuery = PageQuery.extend({ email: z.string().max(254).optional() });

function toContact(r: typeof schema.contacts.$inferSelect): Contact {
  return { id: r.id, workspace_id: r.workspaceId, name: r.name, email: r.email, created_at: r.createdAt, updated_at: r.updatedAt };
}

export async function findContact(db: Database, workspaceId: string, id: string) {
  const t = schema.contacts;
  const row = (await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", "no such contact");
  return toContact(row);
}

export const contactsV1 = v1Router()
    .openapi(
      createRoute({
        method: "get",
        path: "/contacts",
        tags: ["Contacts"],
        summary: "List contacts, newest first",
        security,
        middleware: [requireScope("contacts:read")] as const,
        request: { query: ContactQuery },
        responses: { 200: ok(pageOf(Contact)), ...errors },
      }),
      async (c) => {
        const q = c.req.valid("query");
        const after = q.cursor ? decodeCursor(q.cursor) : undefined;
        const t = schema.contacts;
        const rows = await database(c.env.DB)
          .select()
          .from(t)
          .where(
            and(
              eq(t.workspaceId, c.get("key").workspace_id),
              q.email ? eq(t.email, q.email) : undefined,
              after ? or(lt(t.createdAt, after.k), and(eq(t.createdAt, after.k), lt(t.id, after.id))) : undefined,
            ),
          )
          .orderBy(desc(t.createdAt), desc(t.id))
          .limit(q.limit + 1);
        return c.json(page(rows, q.limit, toContact, (r) => ({ k: r.createdAt, id: r.id })), 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/contacts/{id}",
        tags: ["Contacts"],
        summary: "A contact",
        security,
        middleware: [requireScope("contacts:read")] as const,
        request: { params: IdParam },
        responses: { 200: ok(Contact), ...errors },
      }),
      async (c) => c.json(await findContact(database(c.env.DB), c.get("key").workspace_id, c.req.valid("param").id), 200),
    )
    .openapi(
      createRoute({
        method: "patch",
        path: "/contacts/{id}",
        tags: ["Contacts"],
        summary: "Change a contact's name or email (emits contact.updated)",
        security,
        middleware: [requireScope("contacts:write")] as const,
        request: { params: IdParam, body: jsonBody(ContactPatch) },
        responses: { 200: ok(Contact), ...errors },
      }),
      async (c) => {
        const ws = c.get("key").workspace_id;
        const id = c.req.valid("param").id;
        const patch = c.req.valid("json");
        const db = database(c.env.DB);
        const before = await findContact(db, ws, id);
        const t = schema.contacts;
        const now = Date.now();
        const set = {
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.email === undefined ? {} : { email: patch.email }),
          updatedAt: now,
        };
        const contact: Contact = { ...before, ...(set.name === undefined ? {} : { name: set.name }), ...(set.email === undefined ? {} : { email: set.email }), updated_at: now };
        const event = webhookEvents.contactUpdated(contact, now);
        // The change and its webhook event are stored together (workers/webhooks/outbox.ts).
        await db.batch([db.update(t).set(set).where(and(eq(t.workspaceId, ws), eq(t.id, id))), outboxInsert(db, event)]);
        await publishNow(c.env, [event]);
        return c.json(await findContact(db, ws, id), 200);
      },
    );
