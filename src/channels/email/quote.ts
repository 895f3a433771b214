const ATTRIBUTION = [/^On .+wrote:\s*$/i, /^-{2,}\s*Original Message\s*-{2,}\s*$/i, /^在.+写道[:：]\s*$/, /^From: .+$/];

/**
 * A reply without the thread it quotes: the conversation already holds the earlier messages.
 * Cuts at the first attribution line ("On … wrote:", "-----Original Message-----", "在…写道：")
 * or at a trailing block of `>` lines; a message that is nothing but quote is kept whole.
 */
export function stripQuotedReply(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (ATTRIBUTION.some((re) => re.test(line)) && lines.slice(i + 1).some((l) => l.trim().startsWith(">") || l.trim().length > 0)) {
      cut = i;
      break;
    }
  }
  let end = cut;
  while (end > 0 && (lines[end - 1]!.trim().startsWith(">") || lines[end - 1]!.trim() === "")) end--;
  const kept = lines.slice(0, end).join("\n").trim();
  return kept.length > 0 ? kept : text.trim();
}
