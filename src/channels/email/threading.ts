/** At most this many referenced Message-IDs are looked up (D1 binds at most 100 parameters). */
export const MAX_THREAD_REFERENCES = 50;

/** A Message-ID in one spelling: `<local@domain>`, trimmed. */
export function normalizeMessageId(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, "");
  return `<${bare}>`;
}

/** The Message-IDs an email answers: In-Reply-To first, then References newest first. */
export function referencedIds(inReplyTo: string | undefined, references: string | undefined): string[] {
  const ids: string[] = [];
  const add = (text: string | undefined, reverse: boolean) => {
    const found = (text ?? "").match(/<[^<>\s]+>/g) ?? [];
    for (const id of reverse ? found.reverse() : found) {
      const n = normalizeMessageId(id);
      if (!ids.includes(n)) ids.push(n);
    }
  };
  add(inReplyTo, false);
  add(references, true);
  return ids.slice(0, MAX_THREAD_REFERENCES);
}

/** The thread as a reply states it: References = the thread's IDs, oldest first, capped to the newest ones. */
export function threadHeaders(messageIds: string[]): { "In-Reply-To": string; References: string } | Record<string, never> {
  const last = messageIds[messageIds.length - 1];
  if (!last) return {};
  return { "In-Reply-To": last, References: messageIds.slice(-20).join(" ") };
}
