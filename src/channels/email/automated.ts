/** A header as the MIME parser lists it: lower-case key. */
export interface MailHeader {
  key: string;
  value: string;
}

/**
 * Why an email was sent by a machine (an out-of-office reply, a bounce, a list digest), or null
 * for a person's email. Answering one of these would start a mail loop, and an agent has nothing
 * to do with it, so it is recorded but not routed (RFC 3834 and the headers common mailers set).
 */
export function automatedReason(headers: MailHeader[], from: string | undefined): string | null {
  const get = (key: string) => headers.find((h) => h.key === key)?.value.trim().toLowerCase();
  const autoSubmitted = get("auto-submitted");
  if (autoSubmitted && autoSubmitted !== "no") return `Auto-Submitted: ${autoSubmitted}`;
  if (get("x-autoreply") || get("x-autorespond") || get("x-auto-response-suppress")?.includes("all")) return "auto-reply header";
  const precedence = get("precedence");
  if (precedence && ["bulk", "junk", "list", "auto_reply"].includes(precedence)) return `Precedence: ${precedence}`;
  const contentType = get("content-type");
  if (contentType?.startsWith("multipart/report")) return "delivery report (multipart/report)";
  const sender = (from ?? "").toLowerCase();
  if (/^(mailer-daemon|postmaster)@/.test(sender)) return `sent by ${sender.split("@")[0]}`;
  if (get("return-path") === "<>") return "empty Return-Path (a bounce)";
  return null;
}
