import { Hono } from "hono";
import { decryptWechat, parseWechatXml, verifyWechatSignature, wechatInbound } from "../../../src/channels/index.ts";
import { SwitchboardError } from "../../../src/model/index.ts";
import { acceptIntoInbox, processInboxRow } from "../../channels/inbox.ts";
import { accountById } from "../../channels/wechat-accounts.ts";
import { database } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";

/** WeChat pushes are small; anything larger is not from WeChat. */
const MAX_PUSH_BYTES = 64 * 1024;

/**
 * The server URL a WeChat official account or mini-program is configured with:
 * GET verifies the URL, POST delivers messages and events (plaintext or encrypted).
 */
export const wechatRoutes = new Hono<AppEnv>()
  .get("/:accountId", async (c) => {
    const account = await accountById(database(c.env.DB), c.req.param("accountId"));
    const q = c.req.query();
    await verifyWechatSignature(q.signature, [account.token, q.timestamp ?? "", q.nonce ?? ""], q.timestamp ?? "", Date.now());
    return c.text(q.echostr ?? "");
  })
  .post("/:accountId", async (c) => {
    const db = database(c.env.DB);
    const account = await accountById(db, c.req.param("accountId"));
    const q = c.req.query();
    const timestamp = q.timestamp ?? "";
    const nonce = q.nonce ?? "";
    const body = await c.req.text();
    if (body.length > MAX_PUSH_BYTES) throw new SwitchboardError("payload_too_large", `WeChat pushes are limited to ${MAX_PUSH_BYTES} bytes here`);
    let xml: string;
    if (q.encrypt_type === "aes") {
      if (!account.encodingAesKey) throw new SwitchboardError("misconfigured", "an encrypted push arrived but the account has no EncodingAESKey");
      const encrypted = parseWechatXml(body).Encrypt;
      if (!encrypted) throw new SwitchboardError("invalid_request", "an encrypted push needs an <Encrypt> element");
      await verifyWechatSignature(q.msg_signature, [account.token, timestamp, nonce, encrypted], timestamp, Date.now(), "msg_signature");
      xml = await decryptWechat(encrypted, account.encodingAesKey, account.appId);
    } else {
      if (account.mode === "safe") throw new SwitchboardError("signature_invalid", "this account is in safe mode: plaintext pushes are refused");
      await verifyWechatSignature(q.signature, [account.token, timestamp, nonce], timestamp, Date.now());
      xml = body;
    }
    const message = wechatInbound(parseWechatXml(xml), xml);
    const payload = { kind: "wechat" as const, account_id: account.id, app_id: account.appId, account_kind: account.kind, message };
    // Stored before WeChat hears "success": from here on a crash only delays the message (the cron
    // sweep delivers it), and WeChat's retries of the same push find it and change nothing.
    const pending = await acceptIntoInbox(db, account.workspaceId, message.dedupKey, "wechat", payload);
    if (pending) c.executionCtx.waitUntil(processInboxRow(c.env, account.workspaceId, message.dedupKey, payload));
    return c.text("success");
  });
