import { z } from "zod";
import { ConversationEvent } from "./event.ts";
import { ConversationSummary } from "./http.ts";
import { Seq } from "./ids.ts";

/** `GET /v1/conversations/{id}/transcript`: a page of the archived events after a seq. */
export const ArchivedTranscriptQuery = z.object({
  /** The last seq you hold; the page starts after it. */
  after: z.coerce.number().pipe(Seq).default(0),
  limit: z.coerce.number().pipe(z.int().min(1).max(500)).default(100),
  /** The unmasked copy (脱敏 is the default); recorded in the audit log either way. */
  raw: z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1").default(false),
});
export type ArchivedTranscriptQuery = z.infer<typeof ArchivedTranscriptQuery>;

export const ArchivedTranscriptPage = z.object({
  conversation: ConversationSummary,
  /** Everything up to this seq is in the archive (R2) and in the index. */
  archived_seq: Seq,
  /** In seq order, each seq once, none above `archived_seq`. */
  events: z.array(ConversationEvent),
  /** Pass as `after` for the next page. */
  next_after: Seq,
  /** true: nothing archived after this page (yet: a live conversation keeps growing). */
  complete: z.boolean(),
  masked: z.boolean(),
});
export type ArchivedTranscriptPage = z.infer<typeof ArchivedTranscriptPage>;
