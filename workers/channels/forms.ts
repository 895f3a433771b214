import { and, eq } from "drizzle-orm";
import type { FormSubmission } from "../../src/model/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { sha256Base64Url } from "../../src/auth/index.ts";
import { unwrap } from "../conversation/rpc.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { conversationStub } from "../stubs.ts";
import { resolveContact } from "./contacts.ts";
import { createConversation } from "./inbound.ts";
import { channelSecret } from "./secrets.ts";

const DEFAULT_TURNSTILE_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/** The same submission within this window (a double click, a resent form) is one message. */
const RESUBMIT_WINDOW_MS = 10 * 60 * 1000;

/** Asks Turnstile whether the widget's token is genuine; a workspace without a Turnstile secret skips this. */
async function verifyTurnstile(env: Env, secret: string, token: string | undefined, remoteIp: string | undefined): Promise<void> {
  if (!token) throw new SwitchboardError("forbidden", "this form needs a Turnstile token (cf-turnstile-response)");
  const body = new URLSearchParams({ secret, response: token, ...(remoteIp ? { remoteip: remoteIp } : {}) });
  const res = await fetch(env.TURNSTILE_VERIFY_URL ?? DEFAULT_TURNSTILE_URL, { method: "POST", body });
  const outcome = res.ok ? ((await res.json()) as { success?: boolean; "error-codes"?: string[] }) : null;
  if (!outcome?.success) {
    throw new SwitchboardError("forbidden", `Turnstile did not accept the token (${outcome?.["error-codes"]?.join(", ") || `HTTP ${res.status}`})`);
  }
}

export type FormOutcome = { kind: "dropped" } | { kind: "accepted"; conversation_id: string; duplicate: boolean };

/**
 * A leave-a-message submission: a new conversation in `offline` state holding the message, for
 * the team to answer later (by email, when the workspace has a support inbox and the sender left
 * an address). A filled honeypot is answered as a success and dropped, so bots learn nothing.
 */
export async function submitForm(env: Env, widgetKey: string, form: FormSubmission, meta: { referer?: string | undefined; ip?: string | undefined }): Promise<FormOutcome> {
  const db = database(env.DB);
  const workspace = (await db.select({ id: schema.workspaces.id }).from(schema.workspaces).where(eq(schema.workspaces.widgetKey, widgetKey)).limit(1))[0];
  if (!workspace) throw new SwitchboardError("not_found", "no form at this address");
  if (form.website) return { kind: "dropped" };
  const turnstile = await channelSecret(db, workspace.id, "turnstile");
  if (turnstile) await verifyTurnstile(env, turnstile, form["cf-turnstile-response"], meta.ip);

  const now = Date.now();
  const contactId = await resolveContact(
    db,
    workspace.id,
    [...(form.email ? [{ kind: "email" as const, value: form.email }] : []), ...(form.phone ? [{ kind: "phone" as const, value: form.phone }] : [])],
    { name: form.name, email: form.email },
    now,
  );
  // A resubmission claims the same thread and finishes (or repeats harmlessly) what the first one did.
  const fingerprint = await sha256Base64Url(JSON.stringify([form.email, form.phone, form.subject, form.message]));
  const threadKey = `form:${fingerprint}:${Math.floor(now / RESUBMIT_WINDOW_MS)}`;
  const t = schema.channelThreads;
  const candidate = newId("conversation", now);
  await db.insert(t).values({ workspaceId: workspace.id, threadKey, conversationId: candidate, contactId, channel: "form", updatedAt: now }).onConflictDoNothing();
  const conversationId = (await db.select({ id: t.conversationId }).from(t).where(and(eq(t.workspaceId, workspace.id), eq(t.threadKey, threadKey))).limit(1))[0]!.id;
  const page = form.page ?? (meta.referer && /^https?:\/\//.test(meta.referer) ? meta.referer.slice(0, 2048) : undefined);
  const created = await createConversation(env, db, { workspaceId: workspace.id, channel: "form", contactId, contactName: form.name, context: page ? { entry_page: page } : {} }, conversationId, now);
  const stub = conversationStub(env, workspace.id, conversationId);
  // Offline before the message: nobody is live on the other end, so it is not queued for a chat.
  if (created.state === "queued") {
    unwrap(await stub.changeState({ workspace_id: workspace.id, actor: { role: "system", id: "system", name: "Switchboard" } }, { to: "offline", reason: "left a message through a form" }));
  }
  const inbox = form.email ? (await db.select({ address: schema.emailInboxes.address }).from(schema.emailInboxes).where(eq(schema.emailInboxes.workspaceId, workspace.id)).limit(1))[0] : undefined;
  const text = form.subject ? `${form.subject}\n\n${form.message}` : form.message;
  const caller = { workspace_id: workspace.id, actor: { role: "visitor" as const, id: contactId, ...(form.name ? { name: form.name } : {}) } };
  const body = { client_msg_id: `form:${fingerprint.slice(0, 40)}`, content: { kind: "text" as const, text }, visibility: "public" as const };
  unwrap(
    inbox && form.email
      ? await stub.postFromChannel(caller, body, {
          channel: "email",
          workspace_id: workspace.id,
          conversation_id: conversationId,
          inbox: inbox.address,
          address: form.email,
          subject: form.subject ?? "Your message",
          message_ids: [],
        })
      : await stub.postMessage(caller, body),
  );
  const duplicate = conversationId !== candidate;
  // The rules choose the team whose offline list it joins (a `routed` event, and `routing.group_id`).
  if (!duplicate) unwrap(await stub.routeOffline(text));
  return { kind: "accepted", conversation_id: conversationId, duplicate };
}
