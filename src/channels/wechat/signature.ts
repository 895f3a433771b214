import { SwitchboardError } from "../../model/index.ts";

/** How far a request's timestamp may be from now before it is treated as a replay. */
export const WECHAT_TIMESTAMP_WINDOW_SECONDS = 300;

async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * WeChat's signature: SHA-1 (hex) of the parts sorted as strings and concatenated. The parts are
 * token, timestamp and nonce for the URL's `signature`, plus the Encrypt field for `msg_signature`.
 */
export function wechatSignature(parts: string[]): Promise<string> {
  return sha1Hex([...parts].sort().join(""));
}

export interface SignedQuery {
  signature: string;
  timestamp: string;
  nonce: string;
}

/** Refuses a request whose signature is wrong or whose timestamp is outside the replay window. */
export async function verifyWechatSignature(
  given: string | undefined,
  parts: string[],
  timestamp: string,
  nowMs: number,
  what = "signature",
): Promise<void> {
  const expected = await wechatSignature(parts);
  if (!given || given.toLowerCase() !== expected) {
    throw new SwitchboardError("signature_invalid", `the WeChat ${what} does not match: check the account's Token (and EncodingAESKey)`);
  }
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowMs / 1000 - ts) > WECHAT_TIMESTAMP_WINDOW_SECONDS) {
    throw new SwitchboardError(
      "timestamp_out_of_window",
      `the WeChat timestamp ${timestamp} is more than ${WECHAT_TIMESTAMP_WINDOW_SECONDS} s from now: refused as a possible replay`,
    );
  }
}
