import { Hono } from "hono";
import { z } from "zod";
import { DOWNLOAD_LINK_SECONDS, signDownload, verifyDownload } from "../../../src/channels/index.ts";
import { ConversationId, SwitchboardError } from "../../../src/model/index.ts";
import { attachmentIn, attachmentPolicy, findAttachment, putAttachmentBytes, recordAttachment } from "../../channels/attachments.ts";
import { unwrap } from "../../conversation/rpc.ts";
import { database } from "../../db.ts";
import { conversationStub } from "../../stubs.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, secretOf } from "../authenticate.ts";
import { readQuery } from "../errors.ts";

const UploadQuery = z.object({ conversation_id: ConversationId, name: z.string().max(255).optional() });
/** Bodies above this are refused before they are read, whatever the workspace allows. */
const HARD_LIMIT_BYTES = 25 * 1024 * 1024;

/**
 * Attachments: upload into a conversation, then download through a short-lived signed link.
 * Who may upload or get a link is who may read the conversation (its visitor, the workspace's staff).
 */
export const attachmentRoutes = new Hono<AppEnv>()
  .post("/", authenticate, async (c) => {
    const query = readQuery(c, UploadQuery);
    const caller = c.get("caller");
    // The conversation says whether this caller is one of its participants (or staff).
    unwrap(await conversationStub(c.env, caller.workspace_id, query.conversation_id).snapshot(caller));
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > HARD_LIMIT_BYTES) throw new SwitchboardError("payload_too_large", `uploads are limited to ${HARD_LIMIT_BYTES} bytes`);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > HARD_LIMIT_BYTES) throw new SwitchboardError("payload_too_large", `uploads are limited to ${HARD_LIMIT_BYTES} bytes`);
    const db = database(c.env.DB);
    const policy = await attachmentPolicy(db, caller.workspace_id);
    const file = await putAttachmentBytes(c.env, caller.workspace_id, bytes, query.name ?? c.req.header("x-filename") ?? undefined, policy);
    const stored = await recordAttachment(db, new URL(c.req.url).origin, caller.workspace_id, query.conversation_id, caller.actor.id, file);
    return c.json(stored, 201);
  })
  .get("/:id", authenticate, async (c) => {
    const caller = c.get("caller");
    const row = await attachmentIn(database(c.env.DB), caller.workspace_id, c.req.param("id"));
    unwrap(await conversationStub(c.env, caller.workspace_id, row.conversationId).snapshot(caller));
    const expiresAt = Math.floor(Date.now() / 1000) + DOWNLOAD_LINK_SECONDS;
    const sig = await signDownload(row.id, expiresAt, secretOf(c.env));
    const url = `${new URL(c.req.url).origin}/api/attachments/${row.id}/content?exp=${expiresAt}&sig=${sig}`;
    if (c.req.query("redirect") === "false") return c.json({ url, expires_at: expiresAt * 1000 });
    return c.redirect(url, 302);
  })
  .get("/:id/content", async (c) => {
    const id = c.req.param("id");
    const verdict = await verifyDownload(id, c.req.query("exp"), c.req.query("sig"), secretOf(c.env), Date.now());
    if (verdict === "invalid") throw new SwitchboardError("signature_invalid", "this download link is not one Switchboard signed");
    if (verdict === "expired") throw new SwitchboardError("unauthorized", "this download link has expired; ask for a new one at /api/attachments/:id");
    const row = await findAttachment(database(c.env.DB), id);
    const object = row ? await c.env.ATTACHMENTS.get(row.r2Key) : null;
    if (!row || !object) throw new SwitchboardError("not_found", "no such attachment");
    const inline = row.mime.startsWith("image/");
    return new Response(object.body, {
      headers: {
        "content-type": row.mime,
        "content-length": String(row.size),
        "content-disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(row.name)}`,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cache-control": "private, max-age=300",
      },
    });
  });
