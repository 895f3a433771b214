import { z } from "zod";
import { Channel } from "./context.ts";
import { ConversationId } from "./ids.ts";
import { ConversationState } from "./state.ts";

/** A time in milliseconds since the Unix epoch, from a query string. */
const Millis = z.coerce.number().pipe(z.int().nonnegative());

/**
 * Filters over the conversation index, shared by the inbox list (`GET /api/conversations`) and the
 * audit search (`GET /api/archive/conversations`). All given filters must match.
 */
export const ConversationFilters = z.object({
  id: ConversationId.optional(),
  state: ConversationState.optional(),
  channel: Channel.optional(),
  /** The skill group it is, or was last, queued in. */
  group_id: z.string().min(1).max(64).optional(),
  /** The agent last assigned (its serving agent while state is serving). */
  owner_id: z.string().min(1).max(64).optional(),
  /** Any staff member who was assigned or joined it, across transfers. */
  agent_id: z.string().min(1).max(64).optional(),
  contact_id: z.string().min(1).max(64).optional(),
  tag: z.string().min(1).max(50).optional(),
  /** Started at or after (ms). */
  from: Millis.optional(),
  /** Started before (ms). */
  to: Millis.optional(),
  /** Full text over every message (public and internal): all words must occur, in any order. */
  q: z.string().trim().min(1).max(200).optional(),
});
export type ConversationFilters = z.infer<typeof ConversationFilters>;

const Limit = (max: number, fallback: number) => z.coerce.number().pipe(z.int().min(1).max(max)).default(fallback);
const Flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const ArchiveSearchQuery = ConversationFilters.extend({
  limit: Limit(100, 50),
  cursor: z.string().max(300).optional(),
});

export const TranscriptQuery = z.object({
  /** Admins only: the unmasked copy. */
  raw: Flag.default(false),
});

export const ExportQuery = ConversationFilters.extend({
  format: z.enum(["ndjson", "csv"]).default("ndjson"),
  /** How many conversations one export covers, newest first; continue with the `x-next-cursor` header. */
  limit: Limit(500, 100),
  cursor: z.string().max(300).optional(),
  raw: Flag.default(false),
});

export const AuditLogQuery = z.object({
  limit: Limit(200, 50),
  cursor: z.string().max(300).optional(),
});
