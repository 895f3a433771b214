import { Hono } from "hono";
import { z } from "zod";
import { AttachmentPolicy, IdentityKind } from "../../../src/channels/index.ts";
import { EmailInboxBody, FormSettingsBody, MergeContactsBody, SwitchboardError, WechatAccountBody } from "../../../src/model/index.ts";
import { contactByIdentity, contactDetails, mergeContacts } from "../../channels/contacts.ts";
import { attachmentPolicy, setAttachmentPolicy } from "../../channels/attachments.ts";
import { createInbox, deleteInbox, listInboxes } from "../../channels/email-inboxes.ts";
import { channelSecret, rotateSecret, setSecret } from "../../channels/secrets.ts";
import { accountView, createAccount, deleteAccount, listAccounts, requireAccount, updateAccount } from "../../channels/wechat-accounts.ts";
import { database } from "../../db.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, requireUser } from "../authenticate.ts";
import { readJson, readQuery } from "../errors.ts";

const IdentityQuery = z.object({ kind: IdentityKind, value: z.string().min(1).max(320) });

const origin = (url: string) => new URL(url).origin;

/** Without the create defaults: a patch that changes only the token must keep the account's mode and kind. */
const WechatAccountPatch = WechatAccountBody.extend({
  kind: WechatAccountBody.shape.kind.removeDefault(),
  mode: WechatAccountBody.shape.mode.removeDefault(),
}).partial();

/** Contacts across channels: any member of staff reads them; supervisors and admins merge them. */
export const contactRoutes = new Hono<AppEnv>()
  .use("*", authenticate)
  .get("/", requireUser(), async (c) => {
    const query = readQuery(c, IdentityQuery);
    return c.json(await contactByIdentity(database(c.env.DB), c.get("caller").workspace_id, query));
  })
  .get("/:id", requireUser(), async (c) => c.json(await contactDetails(database(c.env.DB), c.get("caller").workspace_id, c.req.param("id"))))
  .post("/:id/merge", requireUser("admin", "supervisor"), async (c) => {
    const body = await readJson(c, MergeContactsBody);
    return c.json(await mergeContacts(database(c.env.DB), c.get("caller").workspace_id, c.req.param("id"), body.from_contact_id));
  });

/** Channel settings, for workspace admins. Secrets are shown once, when created, and never again. */
export const channelAdminRoutes = new Hono<AppEnv>()
  .use("*", authenticate)
  .post("/secrets/:purpose", requireUser("admin"), async (c) => {
    const purpose = c.req.param("purpose");
    if (purpose !== "identity" && purpose !== "api") {
      throw new SwitchboardError("not_found", "channel secrets are 'identity' or 'api'");
    }
    const secret = await rotateSecret(database(c.env.DB), c.get("caller").workspace_id, purpose);
    return c.json({ purpose, secret }, 201);
  })
  .get("/attachments", requireUser("admin"), async (c) => c.json(await attachmentPolicy(database(c.env.DB), c.get("caller").workspace_id)))
  .put("/attachments", requireUser("admin"), async (c) => {
    const body = await readJson(c, AttachmentPolicy);
    return c.json(await setAttachmentPolicy(database(c.env.DB), c.get("caller").workspace_id, body));
  })
  /** Whether forms are checked with Turnstile; the secret key itself is never shown. */
  .get("/forms", requireUser("admin"), async (c) => c.json({ turnstile: (await channelSecret(database(c.env.DB), c.get("caller").workspace_id, "turnstile")) !== undefined }))
  .put("/forms", requireUser("admin"), async (c) => {
    const body = await readJson(c, FormSettingsBody);
    await setSecret(database(c.env.DB), c.get("caller").workspace_id, "turnstile", body.turnstile_secret);
    return c.json({ turnstile: body.turnstile_secret !== null });
  })
  .get("/email", requireUser("admin"), async (c) => c.json({ items: await listInboxes(database(c.env.DB), c.get("caller").workspace_id) }))
  .post("/email", requireUser("admin"), async (c) => {
    const body = await readJson(c, EmailInboxBody);
    return c.json(await createInbox(database(c.env.DB), c.get("caller").workspace_id, body), 201);
  })
  .delete("/email/:address", requireUser("admin"), async (c) => {
    await deleteInbox(database(c.env.DB), c.get("caller").workspace_id, c.req.param("address"));
    return c.body(null, 204);
  })
  .get("/wechat", requireUser("admin"), async (c) => {
    const rows = await listAccounts(database(c.env.DB), c.get("caller").workspace_id);
    return c.json({ items: rows.map((r) => accountView(r, origin(c.req.url))) });
  })
  .post("/wechat", requireUser("admin"), async (c) => {
    const body = await readJson(c, WechatAccountBody);
    const row = await createAccount(database(c.env.DB), c.get("caller").workspace_id, body);
    return c.json(accountView(row, origin(c.req.url)), 201);
  })
  .get("/wechat/:id", requireUser("admin"), async (c) => {
    const row = await requireAccount(database(c.env.DB), c.get("caller").workspace_id, c.req.param("id"));
    return c.json(accountView(row, origin(c.req.url)));
  })
  .patch("/wechat/:id", requireUser("admin"), async (c) => {
    const body = await readJson(c, WechatAccountPatch);
    const row = await updateAccount(database(c.env.DB), c.get("caller").workspace_id, c.req.param("id"), body);
    return c.json(accountView(row, origin(c.req.url)));
  })
  .delete("/wechat/:id", requireUser("admin"), async (c) => {
    await deleteAccount(database(c.env.DB), c.get("caller").workspace_id, c.req.param("id"));
    return c.body(null, 204);
  });
