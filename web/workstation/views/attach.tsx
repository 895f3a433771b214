import { useRef, useState } from "preact/hooks";
import { ClipIcon, uploadAttachment } from "../../shared/content.tsx";
import { API_BASE, loadSession } from "../api.ts";
import { useT } from "../app.tsx";
import type { ConversationStore } from "../conversation-store.ts";

/** The composer's paperclip: uploads the chosen file, then sends it as an image or file message. */
export function Attach({ store, internal, onError }: { store: ConversationStore; internal: boolean; onError(text: string | null): void }) {
  const t = useT();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <input
        ref={input}
        type="file"
        hidden
        data-testid="attach-input"
        onChange={async (e) => {
          const el = e.target as HTMLInputElement;
          const file = el.files?.[0];
          el.value = "";
          if (!file) return;
          setBusy(true);
          onError(null);
          try {
            const up = await uploadAttachment(API_BASE, store.id, loadSession()?.token ?? "", file);
            store.sendContent(up.content, internal);
          } catch (err) {
            const code = (err as { code?: string }).code;
            onError(code === "payload_too_large" || code === "unsupported_media_type" ? t(code, { name: file.name, message: (err as Error).message }) : t("upload_failed", { message: (err as Error).message }));
          } finally {
            setBusy(false);
          }
        }}
      />
      <button type="button" data-testid="attach" title={t("attach")} disabled={busy} onClick={() => input.current?.click()}>
        <ClipIcon /> {busy ? t("uploading") : t("attach")}
      </button>
    </>
  );
}
