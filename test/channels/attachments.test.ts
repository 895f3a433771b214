import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { signDownload } from "../../src/channels/index.ts";
import { call, json, messageLog, startVisitor } from "../support/api.ts";
import { createInbox, deliverEmail, emailThread } from "../support/email.ts";
import { createTeam, type Team } from "../support/fixture.ts";

let team: Team;

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);
const PDF = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n");
const EXE = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00]);

function upload(conversationId: string, token: string, bytes: Uint8Array, name: string, type = "application/octet-stream") {
  return call(`/api/attachments?conversation_id=${conversationId}&name=${encodeURIComponent(name)}`, {
    method: "POST",
    token,
    body: bytes,
    headers: { "content-type": type },
  });
}

/** Follows the participant's link to the signed, short-lived download. */
async function download(attachmentId: string, token: string): Promise<Response> {
  const res = await call(`/api/attachments/${attachmentId}`, { token, redirect: "manual" });
  if (res.status !== 302) throw new Error(`expected a redirect to the signed link, got ${res.status}: ${await res.text()}`);
  return exports.default.fetch(new Request(res.headers.get("location")!));
}

beforeAll(async () => {
  team = await createTeam();
});

describe("attachments", () => {
  it("lets a visitor upload an image and post it as a message", async () => {
    const visitor = await startVisitor(team.seed);
    const stored = await json(await upload(visitor.conversation_id, visitor.token, PNG, "screenshot.png", "image/png"), 201);
    expect(stored).toMatchObject({ mime: "image/png", name: "screenshot.png", size: PNG.byteLength, content: { kind: "image", mime: "image/png" } });
    await json(await call(`/api/conversations/${visitor.conversation_id}/messages`, { method: "POST", token: visitor.token, json: { client_msg_id: "img1", content: stored.content } }), 201);
    const [message] = await messageLog(visitor.conversation_id, team.agent);
    expect(message.content.url).toBe(stored.url);
  });

  it("serves the bytes to an agent through a signed link, typed by their content", async () => {
    const visitor = await startVisitor(team.seed);
    const stored = await json(await upload(visitor.conversation_id, visitor.token, PNG, "a.png"), 201);
    const res = await download(stored.id, team.agent);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
  });

  it("refuses another visitor's request for the link", async () => {
    const owner = await startVisitor(team.seed);
    const stranger = await startVisitor(team.seed);
    const stored = await json(await upload(owner.conversation_id, owner.token, PDF, "invoice.pdf"), 201);
    const res = await call(`/api/attachments/${stored.id}`, { token: stranger.token, redirect: "manual" });
    expect(res.status).toBe(403);
  });

  it("refuses a download link with a forged signature", async () => {
    const visitor = await startVisitor(team.seed);
    const stored = await json(await upload(visitor.conversation_id, visitor.token, PDF, "invoice.pdf"), 201);
    const exp = Math.floor(Date.now() / 1000) + 300;
    const res = await call(`/api/attachments/${stored.id}/content?exp=${exp}&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
    expect((await json(res, 401)).error.code).toBe("signature_invalid");
  });

  it("refuses an expired download link", async () => {
    const visitor = await startVisitor(team.seed);
    const stored = await json(await upload(visitor.conversation_id, visitor.token, PDF, "invoice.pdf"), 201);
    const link = await json(await call(`/api/attachments/${stored.id}?redirect=false`, { token: visitor.token }), 200);
    expect(link.expires_at).toBeLessThanOrEqual(Date.now() + 300_000);
    // A genuine link whose time is up, signed as the Worker signs (the test knows the test secret).
    const exp = Math.floor(Date.now() / 1000) - 10;
    const sig = await signDownload(stored.id, exp, "test-only-token-secret-0123456789abcdef");
    const res = await call(`/api/attachments/${stored.id}/content?exp=${exp}&sig=${sig}`);
    expect((await json(res, 401)).error.message).toMatch(/expired/);
  });

  it("judges the type by the bytes, not by the name or the declared type", async () => {
    const visitor = await startVisitor(team.seed);
    const res = await upload(visitor.conversation_id, visitor.token, EXE, "cute-cat.png", "image/png");
    const body = await json(res, 415);
    expect(body.error.code).toBe("unsupported_media_type");
    expect(body.error.message).toMatch(/application\/octet-stream/);
  });

  it("sanitises the filename", async () => {
    const visitor = await startVisitor(team.seed);
    const stored = await json(await upload(visitor.conversation_id, visitor.token, PDF, "../../etc/\u202einvoice\u0000.pdf"), 201);
    expect(stored.name).toBe("invoice.pdf");
  });

  it("applies the workspace's size and type limits", async () => {
    const other = await createTeam();
    await json(await call("/api/admin/channels/attachments", { method: "PUT", token: other.admin, json: { max_bytes: 2048, allowed_types: ["image/*"] } }), 200);
    const visitor = await startVisitor(other.seed);
    const big = new Uint8Array(4096);
    big.set(PNG);
    expect((await json(await upload(visitor.conversation_id, visitor.token, big, "big.png"), 413)).error.code).toBe("payload_too_large");
    expect((await json(await upload(visitor.conversation_id, visitor.token, PDF, "doc.pdf"), 415)).error.code).toBe("unsupported_media_type");
    expect((await upload(visitor.conversation_id, visitor.token, PNG, "ok.png")).status).toBe(201);
  });
});

describe("email attachments", () => {
  it("keeps an emailed image as an image message, downloadable by staff", async () => {
    const inbox = await createInbox(team.admin);
    const from = `photo.${crypto.randomUUID().slice(0, 6)}@customer.test`;
    const b64 = btoa(String.fromCharCode(...PNG));
    const raw = [
      `From: Zhang San <${from}>`,
      `To: ${inbox}`,
      "Subject: Broken screen",
      "Message-ID: <att-1@customer.test>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="mix"',
      "",
      "--mix",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Photo attached.",
      "--mix",
      'Content-Type: image/png; name="screen.png"',
      'Content-Disposition: attachment; filename="screen.png"',
      "Content-Transfer-Encoding: base64",
      "",
      b64,
      "--mix--",
    ].join("\r\n");
    await deliverEmail(from, inbox, raw);
    const { messages } = await emailThread(team.agent, from, 2);
    const image = messages.find((m) => m.content.kind === "image");
    expect(image.content).toMatchObject({ name: "screen.png", mime: "image/png" });
    const id = image.content.url.split("/").pop();
    const res = await download(id, team.agent);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
  });
});
