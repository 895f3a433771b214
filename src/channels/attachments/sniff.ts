import { z } from "zod";

/** What a workspace accepts as attachments (admin API: /api/admin/channels/attachments). */
export const AttachmentPolicy = z.object({
  max_bytes: z.int().min(1024).max(25 * 1024 * 1024),
  /** MIME types as sniffed from the content (never as declared), e.g. `image/png`; `image/*` allows a family. */
  allowed_types: z.array(z.string().regex(/^[a-z]+\/([a-z0-9.+-]+|\*)$/)).min(1).max(50),
});
export type AttachmentPolicy = z.infer<typeof AttachmentPolicy>;

export const DEFAULT_ATTACHMENT_POLICY: AttachmentPolicy = {
  max_bytes: 10 * 1024 * 1024,
  allowed_types: ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip", "audio/mpeg", "audio/amr", "video/mp4"],
};

const ascii = (bytes: Uint8Array, from: number, text: string) => [...text].every((c, i) => bytes[from + i] === c.charCodeAt(0));

/**
 * The content type the bytes prove, from their magic numbers; the declared type is not trusted
 * (a script renamed `.png` is not an image). Text is valid UTF-8 without control bytes; anything
 * unrecognised is `application/octet-stream`.
 */
export function sniffMime(bytes: Uint8Array): string {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, "PNG\r\n\x1a\n")) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) return "image/gif";
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) return "image/webp";
  if (ascii(b, 0, "%PDF-")) return "application/pdf";
  if (b.length >= 4 && ascii(b, 0, "PK") && b[2] === 3 && b[3] === 4) return "application/zip";
  if (ascii(b, 0, "#!AMR")) return "audio/amr";
  if (ascii(b, 0, "ID3") || (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0)) return "audio/mpeg";
  if (ascii(b, 4, "ftyp")) return "video/mp4";
  if (isText(b)) return "text/plain";
  return "application/octet-stream";
}

function isText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  const sample = bytes.subarray(0, 4096);
  for (const c of sample) if (c < 0x09 || (c > 0x0d && c < 0x20 && c !== 0x1b) || c === 0x7f) return false;
  try {
    // A sample may end inside a multi-byte character: decode only whole bytes up to the last ASCII.
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(sample.length === bytes.length ? sample : sample.subarray(0, sample.length - 4));
    return true;
  } catch {
    return false;
  }
}

export function isAllowedType(policy: AttachmentPolicy, mime: string): boolean {
  return policy.allowed_types.some((t) => t === mime || (t.endsWith("/*") && mime.startsWith(t.slice(0, -1))));
}

const EXTENSIONS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "application/pdf": "pdf",
  "text/plain": "txt",
  "application/zip": "zip",
  "audio/mpeg": "mp3",
  "audio/amr": "amr",
  "video/mp4": "mp4",
};

/**
 * A filename safe to show and to put in Content-Disposition: no directories, no control or
 * reserved characters, no leading dots, at most 120 characters with its extension kept.
 */
export function sanitizeFilename(name: string | undefined, mime: string): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  let clean = base
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/\s+/g, " ")
    .replace(/^[.\s]+/, "")
    .trim();
  if (!clean) clean = `file.${EXTENSIONS[mime] ?? "bin"}`;
  if (clean.length > 120) {
    const dot = clean.lastIndexOf(".");
    const ext = dot > 0 && clean.length - dot <= 10 ? clean.slice(dot) : "";
    clean = clean.slice(0, 120 - ext.length) + ext;
  }
  return clean;
}
