import { z } from "zod";
import { ContactId } from "./ids.ts";

/** The contact fields a URL template may use, as `{contact.id}`, `{contact.email}`, `{contact.name}`. */
export const TEMPLATE_FIELDS = ["id", "email", "name"] as const;

export const LookupUrlTemplate = z
  .string()
  .max(2048)
  .regex(/^https?:\/\//, "the URL template starts with https:// (or http://)")
  .refine((t) => [...t.matchAll(/\{([^}]*)\}/g)].every((m) => TEMPLATE_FIELDS.some((f) => m[1] === `contact.${f}`)), {
    message: `placeholders are ${TEMPLATE_FIELDS.map((f) => `{contact.${f}}`).join(", ")}`,
  });

export const CreateLookupBody = z.object({
  /** Shown as the panel's heading, e.g. "Orders" or "Membership". */
  name: z.string().trim().min(1).max(100),
  url_template: LookupUrlTemplate,
  /** Sent with every request, e.g. `Authorization` / `Bearer …`; write-only. */
  auth_header: z.object({ name: z.string().regex(/^[A-Za-z0-9-]{1,64}$/), value: z.string().min(1).max(2048) }).optional(),
  timeout_ms: z.int().min(100).max(10_000).default(3000),
  cache_ttl_seconds: z.int().min(0).max(24 * 60 * 60).default(300),
  active: z.boolean().default(true),
});

/** Without the create defaults: a patch that names only `name` must not re-enable a lookup or reset its timeout and cache. */
export const LookupPatch = CreateLookupBody.extend({
  timeout_ms: CreateLookupBody.shape.timeout_ms.removeDefault(),
  cache_ttl_seconds: CreateLookupBody.shape.cache_ttl_seconds.removeDefault(),
  active: CreateLookupBody.shape.active.removeDefault(),
})
  .partial()
  .extend({ auth_header: CreateLookupBody.shape.auth_header.nullable() });

export const ContextLookup = z.object({
  id: z.string(),
  name: z.string(),
  url_template: z.string(),
  /** The header's name only; its value is never shown again. */
  auth_header_name: z.string().nullable(),
  timeout_ms: z.int(),
  cache_ttl_seconds: z.int(),
  active: z.boolean(),
  updated_at: z.int(),
});

/** One panel section: the system's answer, or "unavailable" with why. Chat never waits on it. */
export const LookupResult = z.discriminatedUnion("status", [
  z.object({ lookup_id: z.string(), name: z.string(), status: z.literal("ok"), data: z.unknown(), fetched_at: z.int(), cached: z.boolean() }),
  z.object({ lookup_id: z.string(), name: z.string(), status: z.literal("unavailable"), reason: z.string() }),
]);
export type LookupResult = z.infer<typeof LookupResult>;

export const ContactContext = z.object({ contact_id: ContactId, lookups: z.array(LookupResult) });
