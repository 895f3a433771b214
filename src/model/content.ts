import { z } from "zod";
import { Channel } from "./context.ts";
import { LIMITS } from "./limits.ts";

const HttpUrl = z
  .url({ protocol: /^https?$/ })
  .max(LIMITS.urlChars);

export const TextContent = z.object({
  kind: z.literal("text"),
  text: z.string().trim().min(1, "text must not be empty").max(LIMITS.textChars),
});

export const ImageContent = z.object({
  kind: z.literal("image"),
  url: HttpUrl,
  name: z.string().max(255).optional(),
  mime: z.string().max(100).optional(),
  size: z.int().nonnegative().optional(),
  width: z.int().positive().optional(),
  height: z.int().positive().optional(),
  caption: z.string().max(LIMITS.textChars).optional(),
});

export const FileContent = z.object({
  kind: z.literal("file"),
  url: HttpUrl,
  name: z.string().min(1).max(255),
  mime: z.string().max(100).optional(),
  size: z.int().nonnegative().optional(),
});

export const CardButton = z.object({
  label: z.string().min(1).max(40),
  url: HttpUrl.optional(),
  value: z.string().max(200).optional(),
});

export const CardContent = z.object({
  kind: z.literal("card"),
  title: z.string().min(1).max(200),
  text: z.string().max(2000).optional(),
  image_url: HttpUrl.optional(),
  url: HttpUrl.optional(),
  buttons: z.array(CardButton).max(5).optional(),
});

/**
 * A channel message with no standard form (a WeChat voice note, a menu click, a type Switchboard
 * does not know yet): a readable summary for agents, the channel's fields, and the raw payload kept whole.
 */
export const ChannelContent = z.object({
  kind: z.literal("channel"),
  channel: Channel,
  /** The channel's own type name, e.g. `voice`, `event:subscribe`. */
  type: z.string().min(1).max(64),
  text: z.string().max(LIMITS.textChars),
  data: z.record(z.string().max(64), z.string().max(2048)).optional(),
  raw: z.string().max(32 * 1024).optional(),
});

/** What a message says: text, an image, a file, a rich card or a channel-specific message. */
export const MessageContent = z.discriminatedUnion("kind", [TextContent, ImageContent, FileContent, CardContent, ChannelContent]);
export type MessageContent = z.infer<typeof MessageContent>;

/** One line for lists and notifications. */
export function contentPreview(content: MessageContent): string {
  switch (content.kind) {
    case "text":
      return content.text.slice(0, 140);
    case "image":
      return content.caption?.slice(0, 140) || "[image]";
    case "file":
      return `[file] ${content.name}`.slice(0, 140);
    case "card":
      return `[card] ${content.title}`.slice(0, 140);
    case "channel":
      return `[${content.type}] ${content.text}`.slice(0, 140);
  }
}
