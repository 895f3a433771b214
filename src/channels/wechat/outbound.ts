import type { MessageContent } from "../../model/index.ts";

/**
 * The body of a customer-service message (`/cgi-bin/message/custom/send`) for `openid`. A card
 * with a link is a `news` article for an official account and a `link` for a mini-program,
 * which has no `news`.
 */
export function wechatCustomMessage(openid: string, content: MessageContent, kind: "official_account" | "mini_program" = "official_account"): Record<string, unknown> {
  switch (content.kind) {
    case "text":
      return { touser: openid, msgtype: "text", text: { content: content.text } };
    case "card":
      if (content.url && kind === "mini_program") {
        return {
          touser: openid,
          msgtype: "link",
          link: { title: content.title, description: content.text ?? "", url: content.url, thumb_url: content.image_url ?? "" },
        };
      }
      if (content.url) {
        return {
          touser: openid,
          msgtype: "news",
          news: { articles: [{ title: content.title, description: content.text ?? "", url: content.url, ...(content.image_url ? { picurl: content.image_url } : {}) }] },
        };
      }
      return { touser: openid, msgtype: "text", text: { content: [content.title, content.text].filter(Boolean).join("\n") } };
    // Attachments of Switchboard are uploaded and sent as images (workers/channels/wechat-api.ts); other images go as a link.
    case "image":
      return { touser: openid, msgtype: "text", text: { content: [content.caption, content.url].filter(Boolean).join("\n") } };
    case "file":
      return { touser: openid, msgtype: "text", text: { content: `${content.name}\n${content.url}` } };
    case "channel":
      return { touser: openid, msgtype: "text", text: { content: content.text } };
  }
}

/** errcodes that mean the access token is invalid or expired: fetch a new one and try again. */
export const WECHAT_TOKEN_ERRORS = new Set([40001, 40014, 42001]);
/** errcodes worth retrying later: system busy, rate limited. */
export const WECHAT_RETRY_ERRORS = new Set([-1, 45009, 45011]);
/** The 48-hour window has closed (or the reply quota for it is used up). */
export const WECHAT_WINDOW_ERRORS = new Set([45015, 45047]);
