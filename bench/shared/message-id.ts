const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * The peers' message ID: same format and cost as Switchboard's newId("message"), without
 * importing src/model (which would bring zod into a worker meant to do no validation).
 */
export function messageId(now: number): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let random = "";
  for (const b of crypto.getRandomValues(new Uint8Array(16))) random += ALPHABET[b % 32];
  return `msg_${time}${random}`;
}
