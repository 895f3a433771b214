import { z } from "zod";
import { MessageContent } from "./content.ts";
import { ConversationContext } from "./context.ts";
import { ContactId } from "./ids.ts";

/** A customer's own user ID, vouched for by `user_hash` (docs/channels.md, "Identity verification"). */
export const VerifiedUser = z.object({
  user_id: z.string().min(1).max(128),
  user_hash: z.string().regex(/^[0-9a-fA-F]{64}$/, "user_hash is 64 hex characters (HMAC-SHA256)"),
});

export const MergeContactsBody = z.object({
  /** This contact's identities and conversations move to the contact in the path. */
  from_contact_id: ContactId,
});

export const WechatAccountBody = z.object({
  kind: z.enum(["official_account", "mini_program"]).default("official_account"),
  app_id: z.string().regex(/^wx[0-9a-zA-Z]{8,30}$/, "a WeChat app ID starts with wx"),
  app_secret: z.string().min(16).max(64),
  /** The server-configuration Token: 3–32 letters and digits. */
  token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, "the token is 3–32 letters or digits"),
  /** 43 characters; required in compatible and safe mode. */
  encoding_aes_key: z.string().regex(/^[A-Za-z0-9]{43}$/, "EncodingAESKey is 43 letters or digits").optional(),
  mode: z.enum(["plain", "compatible", "safe"]).default("safe"),
});
export type WechatAccountBody = z.infer<typeof WechatAccountBody>;

/** What the API says about a WeChat account: never its secrets. */
export const WechatAccountView = z.object({
  id: z.string(),
  kind: z.enum(["official_account", "mini_program"]),
  app_id: z.string(),
  mode: z.enum(["plain", "compatible", "safe"]),
  has_encoding_aes_key: z.boolean(),
  webhook_url: z.string(),
  created_at: z.int(),
  updated_at: z.int(),
});
export type WechatAccountView = z.infer<typeof WechatAccountView>;

/** A support address whose mail the Email Routing rule sends to this Worker. */
export const EmailInboxBody = z.object({
  address: z.email().max(254).refine((a) => !a.split("@")[0]!.includes("+"), "the inbox address must not contain '+': it is where reply tokens go"),
  name: z.string().max(100).optional(),
});

/** An inbound message from any system, through the signed API channel (docs/api.md). */
export const ApiInboundBody = z.object({
  /** Unique per message for the sending system: a retry with the same key is the same message. */
  idempotency_key: z.string().regex(/^[A-Za-z0-9._:-]{1,60}$/, "idempotency_key: 1–60 letters, digits or . _ : -"),
  contact: z
    .object({
      /** The sending system's own ID for the person. */
      external_id: z.string().min(1).max(128).optional(),
      email: z.email().max(254).optional(),
      phone: z.string().regex(/^\+?[0-9 ()-]{5,32}$/).optional(),
      name: z.string().max(100).optional(),
    })
    .refine((c) => c.external_id || c.email || c.phone, "contact needs external_id, email or phone"),
  content: MessageContent,
  context: ConversationContext.omit({ channel: true }).partial().optional(),
});
export type ApiInboundBody = z.infer<typeof ApiInboundBody>;

/** A leave-a-message form submission (JSON, or the same fields form-encoded). */
export const FormSubmission = z
  .object({
    name: z.string().trim().max(100).optional(),
    email: z.email().max(254).optional(),
    phone: z.string().regex(/^\+?[0-9 ()-]{5,32}$/, "phone: digits, spaces, ( ) - and a leading +").optional(),
    subject: z.string().trim().max(200).optional(),
    message: z.string().trim().min(1, "message must not be empty").max(8000),
    /** The page the form is on (else the Referer). */
    page: z.url().max(2048).optional(),
    /** The honeypot: a hidden field people leave empty. */
    website: z.string().max(2048).optional(),
    "cf-turnstile-response": z.string().max(4096).optional(),
    /** For HTML forms: where to send the browser after a successful submission. */
    _redirect: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  })
  .refine((f) => f.email || f.phone, { message: "leave an email address or a phone number so the team can answer", path: ["email"] });
export type FormSubmission = z.infer<typeof FormSubmission>;

export const FormSettingsBody = z.object({
  /** The Turnstile secret key; null turns verification off. */
  turnstile_secret: z.string().min(10).max(200).nullable(),
});
