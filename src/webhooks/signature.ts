/**
 * Delivery signatures (docs/webhooks.md): HMAC-SHA256 with the subscription's secret over
 * `<timestamp>.<body>`, hex-encoded, sent as `Switchboard-Signature: t=<timestamp>,v1=<hex>`.
 * WebCrypto only, so a receiver on any runtime can do the same.
 */
export const SIGNATURE_HEADER = "Switchboard-Signature";

export async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The header value for a body sent at `timestamp` (Unix seconds). */
export async function signatureHeader(secret: string, timestamp: number, body: string): Promise<string> {
  return `t=${timestamp},v1=${await hmacHex(secret, `${timestamp}.${body}`)}`;
}
