import { fromBase64Url, timingSafeEqual, toBase64Url } from "../../auth/encoding.ts";

/** How long a download link works: long enough to load an image, short enough that a leaked link dies soon. */
export const DOWNLOAD_LINK_SECONDS = 300;

async function mac(secret: string, text: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
}

/** `exp` (seconds) and `sig` = HMAC-SHA256 of `att:<id>:<exp>`, base64url. */
export async function signDownload(attachmentId: string, expiresAt: number, secret: string): Promise<string> {
  return toBase64Url(await mac(secret, `att:${attachmentId}:${expiresAt}`));
}

export async function verifyDownload(attachmentId: string, exp: string | undefined, sig: string | undefined, secret: string, nowMs: number): Promise<"ok" | "expired" | "invalid"> {
  const expiresAt = Number(exp);
  if (!sig || !Number.isInteger(expiresAt)) return "invalid";
  let given: Uint8Array;
  try {
    given = fromBase64Url(sig);
  } catch {
    return "invalid";
  }
  if (!timingSafeEqual(given, await mac(secret, `att:${attachmentId}:${expiresAt}`))) return "invalid";
  return expiresAt * 1000 < nowMs ? "expired" : "ok";
}
