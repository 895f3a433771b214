import { z } from "zod";
import { SwitchboardError } from "../model/index.ts";

/** How a contact is recognised on each channel; one contact may hold many. */
export const IdentityKind = z.enum(["visitor", "device", "openid", "unionid", "email", "phone", "external"]);
export type IdentityKind = z.infer<typeof IdentityKind>;

export interface Identity {
  kind: IdentityKind;
  value: string;
}

/**
 * One spelling per identity, so the same person is found whatever the channel wrote: email
 * addresses lower-cased, phone numbers reduced to `+` and digits. Anything else is kept as given.
 */
export function normalizeIdentity(identity: Identity): Identity {
  const value = identity.value.trim();
  switch (identity.kind) {
    case "email":
      return { kind: "email", value: value.toLowerCase() };
    case "phone":
      return { kind: "phone", value: value.replace(/[^\d+]/g, "") };
    default:
      return { kind: identity.kind, value };
  }
}

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The identity-verification hash a customer's own server computes for a signed-in user:
 * lower-case hex HMAC-SHA256 of the user ID with the workspace's identity secret (docs/channels.md).
 */
export function userHash(userId: string, secret: string): Promise<string> {
  return hmacHex(secret, userId);
}

/**
 * Checks a claimed user ID against its hash; a visitor who does not hold the workspace secret
 * cannot produce one, so cannot claim another user's contact and history.
 */
export async function verifyUserHash(userId: string, hash: string, secret: string): Promise<void> {
  const expected = await userHash(userId, secret);
  const given = hash.toLowerCase();
  let diff = expected.length ^ given.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (given.charCodeAt(i) || 0);
  if (diff !== 0) throw new SwitchboardError("signature_invalid", "user_hash is not the HMAC-SHA256 of user_id with this workspace's identity secret");
}
