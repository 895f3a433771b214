import { z } from "zod";
import { LIMITS } from "./limits.ts";

export const Channel = z.enum(["web", "h5", "app", "wechat", "form", "email", "api"]);
export type Channel = z.infer<typeof Channel>;

const Text = (max: number) => z.string().max(max);

export const Utm = z.object({
  source: Text(200).optional(),
  medium: Text(200).optional(),
  campaign: Text(200).optional(),
  term: Text(200).optional(),
  content: Text(200).optional(),
});

export const TrailEntry = z.object({
  url: Text(LIMITS.urlChars),
  title: Text(300).optional(),
  at: z.int().nonnegative().optional(),
});

export const Device = z.object({
  type: z.enum(["desktop", "mobile", "tablet", "other"]).optional(),
  user_agent: Text(512).optional(),
  os: Text(100).optional(),
  browser: Text(100).optional(),
  language: Text(35).optional(),
  timezone: Text(64).optional(),
  screen: Text(32).optional(),
});

/** Where a conversation came from: what routing rules and the agent's context panel read. */
export const ConversationContext = z.object({
  channel: Channel,
  entry_page: Text(LIMITS.urlChars).optional(),
  referrer: Text(LIMITS.urlChars).optional(),
  utm: Utm.optional(),
  trail: z.array(TrailEntry).max(LIMITS.trailEntries).optional(),
  device: Device.optional(),
  tags: z.array(Text(50)).max(20).optional(),
});
export type ConversationContext = z.infer<typeof ConversationContext>;
