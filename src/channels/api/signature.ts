import { SwitchboardError } from "../../model/index.ts";

/** How far `X-Switchboard-Timestamp` may be from now before a request is refused as a possible replay. */
export const API_TIMESTAMP_WINDOW_SECONDS = 300;

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `sha256=` + hex HMAC-SHA256 of `<timestamp>.<raw body>` with the workspace's API secret. */
export async function apiSignature(secret: string, timestamp: string, body: string): Promise<string> {
  return `sha256=${await hmacHex(secret, `${timestamp}.${body}`)}`;
}

/** Refuses a request whose signature does not match its body and timestamp, or whose timestamp is stale. */
export async function verifyApiSignature(secret: string, timestamp: string | undefined, signature: string | undefined, body: string, nowMs: number): Promise<void> {
  if (!timestamp || !signature) {
    throw new SwitchboardError("signature_invalid", "sign the request: X-Switchboard-Timestamp and X-Switchboard-Signature are required");
  }
  const expected = await apiSignature(secret, timestamp, body);
  let diff = expected.length ^ signature.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (signature.charCodeAt(i) || 0);
  if (diff !== 0) throw new SwitchboardError("signature_invalid", "X-Switchboard-Signature is not sha256=HMAC-SHA256(api secret, '<timestamp>.<body>')");
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowMs / 1000 - ts) > API_TIMESTAMP_WINDOW_SECONDS) {
    throw new SwitchboardError("timestamp_out_of_window", `X-Switchboard-Timestamp ${timestamp} is more than ${API_TIMESTAMP_WINDOW_SECONDS} s from now: refused as a possible replay`);
  }
}
