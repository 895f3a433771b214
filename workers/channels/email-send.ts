import { replyAddress, threadHeaders } from "../../src/channels/index.ts";
import type { ChannelBinding, DeliveryOutcome } from "../../src/channels/index.ts";
import type { MessageContent } from "../../src/model/index.ts";
import { database, schema } from "../db.ts";
import type { Env } from "../env.ts";
import { secretOf } from "../http/authenticate.ts";

function plainText(content: MessageContent): string {
  switch (content.kind) {
    case "text":
      return content.text;
    case "image":
      return [content.caption, content.url].filter(Boolean).join("\n");
    case "file":
      return `${content.name}: ${content.url}`;
    case "card":
      return [content.title, content.text, content.url].filter(Boolean).join("\n");
    case "channel":
      return content.text;
  }
}

/**
 * An agent's reply as an email in the customer's thread: In-Reply-To and References name the
 * thread's messages so mail clients keep it together, Reply-To carries the conversation's reply
 * token in case the customer's client drops those headers. The Message-ID the binding assigns is
 * recorded, so the customer's answer to this reply threads back by its headers.
 */
export async function sendEmailReply(env: Env, binding: Extract<ChannelBinding, { channel: "email" }>, content: MessageContent): Promise<DeliveryOutcome> {
  const subject = /^re:/i.test(binding.subject) ? binding.subject : `Re: ${binding.subject || "your message"}`;
  let sent: EmailSendResult;
  try {
    sent = await env.EMAIL.send({
      from: binding.inbox,
      to: binding.address,
      replyTo: await replyAddress(binding.inbox, binding.conversation_id, secretOf(env)),
      subject,
      text: plainText(content),
      headers: threadHeaders(binding.message_ids),
    });
  } catch (err) {
    return { status: "retry", error: `send_email: ${String(err)}` };
  }
  await database(env.DB)
    .insert(schema.emailMessages)
    .values({ workspaceId: binding.workspace_id, messageId: sent.messageId.startsWith("<") ? sent.messageId : `<${sent.messageId}>`, conversationId: binding.conversation_id, createdAt: Date.now() })
    .onConflictDoNothing();
  return { status: "sent", external_id: sent.messageId };
}
