import { canonicalJson } from "./canonical.ts";

/** The hash before a conversation's first event. */
export const GENESIS_HASH = "0".repeat(64);

const encoder = new TextEncoder();

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 over the previous hash, a newline and the event's canonical text, as lowercase hex. */
export async function chainHash(prevHash: string, event: unknown): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(`${prevHash}\n${canonicalJson(event)}`)));
}

/** The hashes of consecutive events following `prevHash`, in order. */
export async function chainHashes(prevHash: string, events: readonly unknown[]): Promise<string[]> {
  const out: string[] = [];
  let prev = prevHash;
  for (const event of events) {
    prev = await chainHash(prev, event);
    out.push(prev);
  }
  return out;
}
