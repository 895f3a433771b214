import { z } from "zod";
import { ContactId, VisitorId, WorkspaceId } from "../model/index.ts";
import { fromBase64Url, toBase64Url } from "./encoding.ts";

/** What a visitor token vouches for: this browser/device is this contact in this workspace. */
export const VisitorClaims = z.object({
  ws: WorkspaceId,
  ct: ContactId,
  vid: VisitorId,
  exp: z.int(),
});
export type VisitorClaims = z.infer<typeof VisitorClaims>;

const PREFIX = "vt1";

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

export function isVisitorToken(token: string): boolean {
  return token.startsWith(`${PREFIX}.`);
}

/** `vt1.<claims>.<HMAC-SHA256 of "vt1.<claims>">`, both parts base64url. */
export async function signVisitorToken(claims: VisitorClaims, secret: string): Promise<string> {
  const body = `${PREFIX}.${toBase64Url(new TextEncoder().encode(JSON.stringify(claims)))}`;
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(body));
  return `${body}.${toBase64Url(new Uint8Array(sig))}`;
}

/** The claims of a genuine, unexpired token; null for anything else. */
export async function verifyVisitorToken(token: string, secret: string, now = Date.now()): Promise<VisitorClaims | null> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  const [prefix, payload, sig] = parts as [string, string, string];
  let ok: boolean;
  try {
    ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), fromBase64Url(sig), new TextEncoder().encode(`${prefix}.${payload}`));
  } catch {
    return null;
  }
  if (!ok) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
  } catch {
    return null;
  }
  const parsed = VisitorClaims.safeParse(claims);
  if (!parsed.success || parsed.data.exp * 1000 <= now) return null;
  return parsed.data;
}
