import type { Deliver } from "../conversation/channel-outbox.ts";
import type { Env } from "../env.ts";
import { sendEmailReply } from "./email-send.ts";
import { sendWechatMessage } from "./wechat-api.ts";

/** The conversation outbox's way out, per channel. */
export function deliverOutbound(env: Env): Deliver {
  return async (binding, content) => {
    switch (binding.channel) {
      case "wechat":
        return sendWechatMessage(env, binding, content);
      case "email":
        return sendEmailReply(env, binding, content);
    }
  };
}
