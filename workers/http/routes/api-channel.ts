import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { verifyApiSignature } from "../../../src/channels/index.ts";
import type { Identity } from "../../../src/channels/index.ts";
import { ApiInboundBody, LIMITS, SwitchboardError } from "../../../src/model/index.ts";
import { resolveContact } from "../../channels/contacts.ts";
import { deliverInbound } from "../../channels/inbound.ts";
import { channelSecret } from "../../channels/secrets.ts";
import { database, schema } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";

/**
 * The open API channel: any system posts a message for a contact, signed with the workspace's API
 * secret. The message lands in the contact's open API conversation; the idempotency key makes a
 * retry the same message. Replies leave through the webhooks (docs/channels.md, "API channel").
 */
export const apiChannelRoutes = new Hono<AppEnv>().post("/:workspaceId/messages", async (c) => {
  const workspaceId = c.req.param("workspaceId");
  const db = database(c.env.DB);
  const body = await c.req.text();
  if (new TextEncoder().encode(body).byteLength > LIMITS.maxFrameBytes) throw new SwitchboardError("frame_too_large", `bodies are limited to ${LIMITS.maxFrameBytes} bytes`);
  const workspace = (await db.select({ id: schema.workspaces.id }).from(schema.workspaces).where(eq(schema.workspaces.id, workspaceId)).limit(1))[0];
  const secret = workspace ? await channelSecret(db, workspaceId, "api") : undefined;
  // An unknown workspace and one without an API secret look alike: nothing to sign against.
  if (!secret) throw new SwitchboardError("signature_invalid", "this workspace has no API channel secret (an admin creates it)");
  await verifyApiSignature(secret, c.req.header("x-switchboard-timestamp"), c.req.header("x-switchboard-signature"), body, Date.now());
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new SwitchboardError("invalid_json", "the request body is not valid JSON");
  }
  const parsed = ApiInboundBody.safeParse(json);
  if (!parsed.success) throw new SwitchboardError("invalid_request", "invalid request body", parsed.error.issues);
  const message = parsed.data;
  const identities: Identity[] = [
    ...(message.contact.external_id ? [{ kind: "external" as const, value: message.contact.external_id }] : []),
    ...(message.contact.email ? [{ kind: "email" as const, value: message.contact.email }] : []),
    ...(message.contact.phone ? [{ kind: "phone" as const, value: message.contact.phone }] : []),
  ];
  const contactId = await resolveContact(db, workspaceId, identities, { name: message.contact.name, email: message.contact.email });
  const result = await deliverInbound(c.env, {
    workspaceId,
    channel: "api",
    threadKey: `api:${contactId}`,
    contactId,
    contactName: message.contact.name,
    clientMsgId: `api:${message.idempotency_key}`,
    content: message.content,
    context: message.context,
    binding: { channel: "api", contact_ref: message.contact.external_id ?? message.contact.email ?? message.contact.phone! },
  });
  return c.json(
    { conversation_id: result.conversation_id, contact_id: contactId, created: result.created, ...result.ack },
    result.ack.duplicate ? 200 : 201,
  );
});
