/**
 * The reply address of a conversation: the inbox's address with `+<conversation id>.<mac>` in the
 * local part, so a reply that lost its threading headers still finds its conversation. The MAC
 * (HMAC-SHA256 of the conversation ID, first 10 hex digits) keeps strangers from writing into a
 * conversation by guessing its address.
 */
async function mac(conversationId: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`reply:${conversationId}`)));
  return [...sig.slice(0, 5)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function replyAddress(inbox: string, conversationId: string, secret: string): Promise<string> {
  const [local, domain] = splitAddress(inbox);
  return `${local}+${conversationId}.${await mac(conversationId, secret)}@${domain}`;
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf("@");
  return [address.slice(0, at), address.slice(at + 1)];
}

/** The inbox an address belongs to, and the conversation its reply token names if the token is genuine. */
export async function parseRecipient(address: string, secret: string): Promise<{ inbox: string; conversationId: string | null }> {
  const [local, domain] = splitAddress(address.trim().toLowerCase());
  const plus = local.indexOf("+");
  if (plus < 0) return { inbox: `${local}@${domain}`, conversationId: null };
  const inbox = `${local.slice(0, plus)}@${domain}`;
  const token = local.slice(plus + 1);
  const dot = token.lastIndexOf(".");
  if (dot < 0) return { inbox, conversationId: null };
  const conversationId = token.slice(0, dot);
  const ok = token.slice(dot + 1) === (await mac(conversationId, secret));
  return { inbox, conversationId: ok ? conversationId : null };
}
