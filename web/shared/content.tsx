// How every message content kind looks, the same in the widget and the workstation. Attachment
// URLs (`/api/attachments/{id}`) need the reader's credentials: `withToken` adds `?token=`, which
// the server answers with a redirect to a short-lived signed link (docs/protocol.md §2).
import type { Content } from "./wire.ts";

export interface ContentLabels {
  /** "Open image", "Download" */
  open_image: string;
  download: string;
}

export function withToken(url: string, token: string | undefined): string {
  if (!token || !/\/api\/attachments\/[^/?]+$/.test(url)) return url;
  return `${url}?token=${encodeURIComponent(token)}`;
}

export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `cls` prefixes class names (`sb-` in the widget's shadow root, none in the workstation). */
export function ContentView({ c, token, labels, cls = "" }: { c: Content; token?: string | undefined; labels: ContentLabels; cls?: string }) {
  switch (c.kind) {
    case "text":
      return <span class={`${cls}text`}>{c.text}</span>;
    case "image": {
      const href = withToken(c.url, token);
      return (
        <a class={`${cls}image`} href={href} target="_blank" rel="noopener noreferrer" title={labels.open_image} data-kind="image">
          <img src={href} alt={c.caption ?? c.name ?? ""} loading="lazy" />
          {c.caption && <span class={`${cls}caption`}>{c.caption}</span>}
        </a>
      );
    }
    case "file":
      return (
        <a class={`${cls}file`} href={withToken(c.url, token)} target="_blank" rel="noopener noreferrer" download={c.name} data-kind="file" title={labels.download}>
          <FileIcon cls={cls} />
          <span class={`${cls}file-name`}>{c.name}</span>
          {c.size !== undefined && <span class={`${cls}file-size`}>{formatSize(c.size)}</span>}
        </a>
      );
    case "card":
      return (
        <span class={`${cls}rich-card`} data-kind="card">
          {c.image_url && <img src={c.image_url} alt="" />}
          <strong class={`${cls}rich-card-title`}>{c.url ? <a href={c.url} target="_blank" rel="noopener noreferrer">{c.title}</a> : c.title}</strong>
          {c.text && <span class={`${cls}rich-card-text`}>{c.text}</span>}
          {c.buttons?.length ? (
            <span class={`${cls}rich-card-buttons`}>
              {c.buttons.map((b, i) =>
                b.url ? (
                  <a key={i} href={b.url} target="_blank" rel="noopener noreferrer">
                    {b.label}
                  </a>
                ) : (
                  <span key={i}>{b.label}</span>
                ),
              )}
            </span>
          ) : null}
        </span>
      );
    case "channel":
      return (
        <span class={`${cls}channel-msg`} data-kind="channel">
          <span class={`${cls}channel-label`}>
            {c.channel} · {c.type}
          </span>
          <span class={`${cls}text`}>{c.text}</span>
        </span>
      );
  }
}

function FileIcon({ cls }: { cls: string }) {
  return (
    <svg class={`${cls}file-icon`} viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
      <path fill="currentColor" d="M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm7 1.5V9h5.5L13 3.5z" />
    </svg>
  );
}

/** The composer's paperclip. */
export function ClipIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" style="vertical-align: -4px">
      <path
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
        d="M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"
      />
    </svg>
  );
}

/**
 * For a transcript's `onLoadCapture`: a picture that finishes loading grows the log, so keep the
 * log pinned to its end when the reader was at the end (and leave them alone when scrolled up).
 */
export function keepAtEnd(e: Event): void {
  const log = e.currentTarget as HTMLElement;
  const img = e.target as HTMLElement;
  if (img.tagName !== "IMG") return;
  if (log.scrollHeight - log.scrollTop - log.clientHeight <= img.offsetHeight + 80) log.scrollTop = log.scrollHeight;
}

/** One line for inbox rows. */
export function preview(c: Content): string {
  switch (c.kind) {
    case "text":
      return c.text;
    case "image":
      return c.caption || `[image] ${c.name ?? ""}`.trim();
    case "file":
      return `[file] ${c.name}`;
    case "card":
      return c.title;
    case "channel":
      return `[${c.type}] ${c.text}`;
  }
}

export interface Uploaded {
  id: string;
  name: string;
  mime: string;
  size: number;
  url: string;
  content: Content;
}

/** Uploads a file to a conversation; a refusal (413, 415…) comes back as an Error with the server's message. */
export async function uploadAttachment(api: string, conversationId: string, token: string, file: File): Promise<Uploaded> {
  const res = await fetch(`${api}/api/attachments?conversation_id=${encodeURIComponent(conversationId)}&name=${encodeURIComponent(file.name)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": file.type || "application/octet-stream" },
    body: file,
  });
  const body = (await res.json().catch(() => null)) as (Uploaded & { error?: { code: string; message: string } }) | null;
  if (!res.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), { code: body?.error?.code ?? "http_error" });
  return body!;
}
