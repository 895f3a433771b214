import { z } from "zod";
import { ConversationSummary } from "./http.ts";

/** How many waiting conversations of each group `GET /api/queues` lists, from the head of its queue. */
export const QUEUE_LIST_LIMIT = 100;

/** One waiting conversation, at its place in its skill group's queue. */
export const QueueEntry = z.object({
  /** 1 = next to be served. */
  position: z.int().positive(),
  priority: z.int(),
  waiting_since: z.int(),
  /** The conversation as the inbox lists it; null while the index has not caught up with it. */
  conversation: ConversationSummary.nullable(),
});
export type QueueEntry = z.infer<typeof QueueEntry>;

/** `GET /api/queues`: every skill group's waiting conversations in the order they will be served. */
export const QueueList = z.object({
  items: z.array(
    z.object({
      group_id: z.string(),
      /** All waiting, even beyond the first QUEUE_LIST_LIMIT listed. */
      waiting: z.int().nonnegative(),
      entries: z.array(QueueEntry),
    }),
  ),
});
export type QueueList = z.infer<typeof QueueList>;
