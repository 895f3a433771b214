import { env } from "cloudflare:workers";
import worker from "../../workers/index.ts";
import { call, json, waitUntil } from "./api.ts";

/** What the Email Routing rule hands the Worker, as far as the handler uses it. */
export interface DeliveredEmail {
  rejected: string | null;
}

/** Delivers a raw MIME message to the Worker's email() handler, as Email Routing does. */
export async function deliverEmail(from: string, to: string, raw: string): Promise<DeliveredEmail> {
  const outcome: DeliveredEmail = { rejected: null };
  const bytes = new TextEncoder().encode(raw);
  const message = {
    from,
    to,
    raw: new Response(bytes).body!,
    rawSize: bytes.byteLength,
    headers: new Headers(),
    canBeForwarded: false,
    setReject: (reason: string) => {
      outcome.rejected = reason;
    },
    forward: () => Promise.reject(new Error("not forwarded in tests")),
    reply: () => Promise.reject(new Error("not replied in tests")),
  } as unknown as ForwardableEmailMessage;
  await worker.email(message, env);
  return outcome;
}

let serial = 0;

/** A real-looking MIME message with threading headers. */
export function mime(options: {
  from: string;
  to: string;
  subject: string;
  text?: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
}): { raw: string; messageId: string } {
  const messageId = options.messageId ?? `<m${Date.now()}.${++serial}@mail.customer.test>`;
  const lines = [
    `Return-Path: <${options.from}>`,
    `From: "Li Wei" <${options.from}>`,
    `To: ${options.to}`,
    `Subject: ${options.subject}`,
    `Date: Thu, 26 Nov 2026 10:00:00 +0800`,
    `Message-ID: ${messageId}`,
    ...(options.inReplyTo ? [`In-Reply-To: ${options.inReplyTo}`] : []),
    ...(options.references ? [`References: ${options.references.join(" ")}`] : []),
    ...Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    "MIME-Version: 1.0",
  ];
  if (options.html && options.text) {
    lines.push(
      'Content-Type: multipart/alternative; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      options.text,
      "--b1",
      "Content-Type: text/html; charset=utf-8",
      "",
      options.html,
      "--b1--",
    );
  } else if (options.html) {
    lines.push("Content-Type: text/html; charset=utf-8", "", options.html);
  } else {
    lines.push("Content-Type: text/plain; charset=utf-8", "", options.text ?? "");
  }
  return { raw: lines.join("\r\n"), messageId };
}

/** A new support inbox for the workspace, through the admin API. */
export async function createInbox(adminToken: string): Promise<string> {
  const address = `support-${crypto.randomUUID().slice(0, 8)}@help.shop.test`;
  await json(await call("/api/admin/channels/email", { method: "POST", token: adminToken, json: { address } }), 201);
  return address;
}

/** The contact behind an email address and its conversations' visitor messages, once `count` arrived. */
export async function emailThread(staffToken: string, address: string, count = 1): Promise<{ contact: any; conversations: any[]; messages: any[] }> {
  return waitUntil(`${count} email message(s) from ${address}`, async () => {
    const res = await call(`/api/contacts?kind=email&value=${encodeURIComponent(address)}`, { token: staffToken });
    if (res.status !== 200) return undefined;
    const contact = await res.json<any>();
    const messages: any[] = [];
    for (const c of contact.conversations) {
      const events = await json(await call(`/api/conversations/${c.id}/events`, { token: staffToken }), 200);
      messages.push(...events.events.filter((e: any) => e.type === "message").map((e: any) => ({ ...e, conversation_id: c.id })));
    }
    return messages.filter((m) => m.sender.role === "visitor").length >= count ? { contact, conversations: contact.conversations, messages } : undefined;
  });
}
