import { verifyUserHash } from "../../src/channels/index.ts";
import type { VisitorSessionBody } from "../../src/model/index.ts";
import { SwitchboardError } from "../../src/model/index.ts";
import type { Database } from "../db.ts";
import { contactForVisitor } from "../directory/contacts.ts";
import { resolveContact } from "./contacts.ts";
import { channelSecret } from "./secrets.ts";

/**
 * The contact of a widget session. An anonymous visitor is its cookie/device ID; a signed-in user
 * (user_id with a valid user_hash) is the customer's own user ID first, so the same person on
 * another device, or on another channel that knows the ID, is one contact with one history.
 */
export async function widgetContact(db: Database, workspaceId: string, visitorId: string, body: VisitorSessionBody, now: number): Promise<string> {
  const profile = { name: body.name, email: body.email };
  if (body.user_id === undefined && body.user_hash === undefined) return contactForVisitor(db, workspaceId, visitorId, profile, now);
  if (!body.user_id || !body.user_hash) throw new SwitchboardError("invalid_request", "user_id and user_hash go together");
  const secret = await channelSecret(db, workspaceId, "identity");
  if (!secret) throw new SwitchboardError("forbidden", "identity verification is not set up for this workspace: an admin creates its secret first");
  await verifyUserHash(body.user_id, body.user_hash, secret);
  // The email a widget reports is not verified (user_hash signs the user ID only), so it is no identity.
  return resolveContact(db, workspaceId, [{ kind: "external", value: body.user_id }, { kind: "visitor", value: visitorId }], profile, now);
}
