/** Channel adapters: each channel's protocol in, standard events out, replies rendered back. */
export { IdentityKind, type Identity, normalizeIdentity, userHash, verifyUserHash } from "./identity.ts";
export { ChannelBinding, type DeliveryOutcome, isOutbound, type OutboundBinding, replyWindowMs, WECHAT_REPLY_WINDOW_MS } from "./binding.ts";
export { WECHAT_TIMESTAMP_WINDOW_SECONDS, wechatSignature, verifyWechatSignature } from "./wechat/signature.ts";
export { decryptWechat, wechatAesKey } from "./wechat/cipher.ts";
export { parseWechatXml } from "./wechat/xml.ts";
export { type WechatInbound, wechatInbound } from "./wechat/message.ts";
export { WECHAT_RETRY_ERRORS, WECHAT_TOKEN_ERRORS, WECHAT_WINDOW_ERRORS, wechatCustomMessage } from "./wechat/outbound.ts";
export { automatedReason, type MailHeader } from "./email/automated.ts";
export { MAX_THREAD_REFERENCES, normalizeMessageId, referencedIds, threadHeaders } from "./email/threading.ts";
export { parseRecipient, replyAddress } from "./email/reply-token.ts";
export { htmlToText } from "./email/html.ts";
export { stripQuotedReply } from "./email/quote.ts";
export { AttachmentPolicy, DEFAULT_ATTACHMENT_POLICY, isAllowedType, sanitizeFilename, sniffMime } from "./attachments/sniff.ts";
export { DOWNLOAD_LINK_SECONDS, signDownload, verifyDownload } from "./attachments/signed-url.ts";
export { API_TIMESTAMP_WINDOW_SECONDS, apiSignature, verifyApiSignature } from "./api/signature.ts";
