import type { MessageContent } from "../../model/index.ts";
import { SwitchboardError } from "../../model/index.ts";

/** A WeChat push turned into a standard message, with the keys that make its retries harmless. */
export interface WechatInbound {
  /** Unique per push across retries: MsgId for messages, FromUserName + CreateTime + Event for events (WeChat's own advice). */
  dedupKey: string;
  /** The message's client_msg_id in its conversation. */
  clientMsgId: string;
  openid: string;
  unionid: string | undefined;
  /** The official account or mini-program (its original ID, `gh_…`). */
  to: string;
  createdAt: number;
  msgType: string;
  content: MessageContent;
}

const RAW_LIMIT = 32 * 1024;

const EVENT_TEXT: Record<string, string> = {
  subscribe: "Followed the official account",
  unsubscribe: "Unfollowed the official account",
  CLICK: "Clicked a menu item",
  VIEW: "Opened a menu link",
  SCAN: "Scanned a QR code",
  LOCATION: "Reported a location",
  user_enter_tempsession: "Opened the customer-service chat from the mini-program",
};

function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9._:-]/g, "_");
}

function isHttpUrl(text: string | undefined): text is string {
  return !!text && /^https?:\/\//i.test(text) && text.length <= 2048;
}

/** Fields worth showing beside the summary; the raw XML holds everything. */
function dataOf(fields: Record<string, string>, names: string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const n of names) if (fields[n]) out[n] = fields[n]!.slice(0, 2048);
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Maps one push to a standard message. Types with a standard form become text, image or card;
 * the rest (voice, video, events, and any type WeChat adds later) become `channel` content with a
 * summary for agents and the raw XML kept, so nothing WeChat delivered is dropped.
 */
export function wechatInbound(fields: Record<string, string>, rawXml: string): WechatInbound {
  const openid = fields.FromUserName;
  const to = fields.ToUserName;
  const msgType = fields.MsgType;
  if (!openid || !to || !msgType) throw new SwitchboardError("invalid_request", "a WeChat message needs ToUserName, FromUserName and MsgType");
  const createTime = Number(fields.CreateTime ?? "0");
  const event = msgType === "event" ? (fields.Event ?? "unknown") : null;
  const msgId = fields.MsgId ?? fields.MsgID;
  const clientMsgId = msgId && !event ? `wx:${safeId(msgId)}` : `wx:${safeId(event ?? msgType)}:${safeId(String(createTime))}`.slice(0, 64);
  const dedupKey = msgId && !event ? `wx:${to}:${msgId}` : `wx:${to}:${openid}:${createTime}:${event ?? msgType}`;
  return {
    dedupKey,
    clientMsgId,
    openid,
    unionid: fields.UnionId || fields.unionid || undefined,
    to,
    createdAt: createTime * 1000,
    msgType: event ? `event:${event}` : msgType,
    content: contentOf(fields, msgType, event, rawXml),
  };
}

function contentOf(f: Record<string, string>, msgType: string, event: string | null, raw: string): MessageContent {
  const channel = (type: string, text: string, data?: Record<string, string>): MessageContent => ({
    kind: "channel",
    channel: "wechat",
    type,
    text: text.slice(0, 8000),
    ...(data ? { data } : {}),
    raw: raw.slice(0, RAW_LIMIT),
  });
  if (event) {
    const key = f.EventKey ? ` (${f.EventKey.slice(0, 200)})` : "";
    return channel(`event:${event}`.slice(0, 64), `${EVENT_TEXT[event] ?? `WeChat event "${event}"`}${key}`, dataOf(f, ["Event", "EventKey", "Ticket", "SessionFrom", "Latitude", "Longitude"]));
  }
  switch (msgType) {
    case "text":
      return f.Content?.trim() ? { kind: "text", text: f.Content.slice(0, 8000) } : channel("text", "(empty text message)");
    case "image":
      return isHttpUrl(f.PicUrl) ? { kind: "image", url: f.PicUrl } : channel("image", "Image", dataOf(f, ["MediaId", "PicUrl"]));
    case "voice":
      return channel("voice", f.Recognition ? `Voice message: “${f.Recognition}”` : "Voice message", dataOf(f, ["MediaId", "Format", "Recognition"]));
    case "video":
    case "shortvideo":
      return channel(msgType, msgType === "video" ? "Video" : "Short video", dataOf(f, ["MediaId", "ThumbMediaId"]));
    case "location":
      return {
        kind: "card",
        title: (f.Label?.trim() || "Shared a location").slice(0, 200),
        text: `Latitude ${f.Location_X ?? "?"}, longitude ${f.Location_Y ?? "?"} (map scale ${f.Scale ?? "?"})`,
      };
    case "link":
      return {
        kind: "card",
        title: (f.Title?.trim() || "Shared a link").slice(0, 200),
        ...(f.Description ? { text: f.Description.slice(0, 2000) } : {}),
        ...(isHttpUrl(f.Url) ? { url: f.Url } : {}),
      };
    default:
      return channel(msgType.slice(0, 64), `Unsupported WeChat message type "${msgType}": kept as received`);
  }
}
