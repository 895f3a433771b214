import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ConversationLink, type LinkStatus, type OutgoingMessage } from "../shared/conversation-link.ts";
import type { Locale } from "../shared/i18n.ts";
import { translator } from "../shared/i18n.ts";
import type { Actor, Content, ConversationEvent, ConversationState, QueueStatus } from "../shared/wire.ts";
import { ClipIcon, ContentView, keepAtEnd, uploadAttachment } from "../shared/content.tsx";
import { en, zhCN } from "./messages.ts";
import { SessionStore } from "./session.ts";

export interface WidgetOptions {
  api: string;
  widgetKey: string;
  locale: Locale;
  title?: string;
  prechat: boolean;
}

/** One line of the transcript: a stored message (by seq), one of ours still on its way, or a notice. */
interface Line {
  key: string;
  seq?: number;
  mine: boolean;
  sender?: Actor;
  content?: Content;
  notice?: string;
  failed?: string;
}

const STAFF = new Set(["agent", "supervisor", "bot"]);

export function Widget({ options }: { options: WidgetOptions }) {
  const t = useMemo(() => translator({ en, "zh-CN": zhCN }, options.locale), [options.locale]);
  const store = useMemo(() => {
    const s = new SessionStore(options.api, options.widgetKey);
    s.recordPageView();
    return s;
  }, [options]);
  const [open, setOpen] = useState(false);
  const [hasSession, setHasSession] = useState(() => !!store.load().session);
  const [profile, setProfile] = useState<{ name?: string; email?: string }>({});
  const [stored, setStored] = useState<Map<number, Line>>(new Map());
  const [pending, setPending] = useState<Map<string, Line>>(new Map());
  const [state, setState] = useState<ConversationState | null>(null);
  const [queue, setQueue] = useState<QueueStatus | null>(null);
  const [agent, setAgent] = useState<string | null>(null);
  const [typing, setTyping] = useState<string | null>(null);
  const [link, setLink] = useState<ConversationLink | null>(null);
  const [status, setStatus] = useState<LinkStatus>("connecting");
  const [delivered, setDelivered] = useState(0);
  const [read, setRead] = useState(0);
  const [draft, setDraft] = useState("");
  const [unread, setUnread] = useState(0);
  const [prechatDone, setPrechatDone] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const lastTyping = useRef(0);
  const me = useRef<string | null>(null);
  /** What we sent, by client_msg_id: an ack turns it into a transcript line. */
  const sent = useRef(new Map<string, Content>());
  const openRef = useRef(open);
  openRef.current = open;

  // One link per conversation: connects on load when a conversation is stored (replies show up as
  // unread on the launcher), otherwise once the visitor writes.
  useEffect(() => {
    if (!hasSession) return;
    const typingTimer = { id: undefined as ReturnType<typeof setTimeout> | undefined };
    const l: ConversationLink = new ConversationLink(() => store.socketUrl(profile), {
      welcome(w) {
        me.current = w.you.id;
        setState(w.state);
        watermarks(w.participants);
      },
      event(e) {
        apply(e);
        if (e.type === "message" && e.sender.id !== me.current) {
          acknowledge(l, openRef.current);
          if (!openRef.current) setUnread((n) => n + 1);
        }
      },
      ack(a) {
        const content = sent.current.get(a.client_msg_id);
        setPending((p) => withoutKey(p, a.client_msg_id));
        if (content) setStored((s) => new Map(s).set(a.seq, { key: `s${a.seq}`, seq: a.seq, mine: true, content }));
        store.save({ outbox: [...l.outbox.values()] });
      },
      error(err) {
        if (!err.client_msg_id) return;
        const id = err.client_msg_id;
        setPending((p) => (p.has(id) ? new Map(p).set(id, { ...p.get(id)!, failed: err.message }) : p));
        store.save({ outbox: [...l.outbox.values()] });
      },
      delivery(d) {
        if (!STAFF.has(d.by.role)) return;
        if (d.status === "read") setRead((r) => Math.max(r, d.up_to_seq));
        setDelivered((r) => Math.max(r, d.up_to_seq));
      },
      typing(f) {
        if (!STAFF.has(f.participant.role)) return;
        clearTimeout(typingTimer.id);
        setTyping(f.active ? (f.participant.name ?? t("someone")) : null);
        if (f.active) typingTimer.id = setTimeout(() => setTyping(null), 8000);
      },
      queue: (q) => setQueue(q),
      status: setStatus,
      synced: () => acknowledge(l, openRef.current),
    });
    // Messages typed before a reload are still ours to deliver, with their original ids.
    for (const m of store.load().outbox ?? []) {
      l.outbox.set(m.client_msg_id, m);
      setPending((p) => new Map(p).set(m.client_msg_id, mineLine(m)));
    }
    l.start();
    setLink(l);
    return () => {
      clearTimeout(typingTimer.id);
      l.close();
    };

    function watermarks(participants: { role: string; delivered_seq: number; read_seq: number }[]) {
      for (const p of participants) {
        if (!STAFF.has(p.role)) continue;
        setDelivered((r) => Math.max(r, p.delivered_seq));
        setRead((r) => Math.max(r, p.read_seq));
      }
    }

    function apply(e: ConversationEvent) {
      switch (e.type) {
        case "message": {
          const mine = e.sender.id === me.current;
          if (mine) setPending((p) => (p.has(e.client_msg_id) ? withoutKey(p, e.client_msg_id) : p));
          setStored((s) => new Map(s).set(e.seq, { key: `s${e.seq}`, seq: e.seq, mine, sender: e.sender, content: e.content }));
          if (!mine && STAFF.has(e.sender.role)) setTyping(null);
          break;
        }
        case "participant_joined":
          if (STAFF.has(e.participant.role)) {
            setAgent(e.participant.name ?? null);
            setStored((s) => new Map(s).set(e.seq, { key: `s${e.seq}`, seq: e.seq, mine: false, notice: t("joined", { name: e.participant.name ?? t("someone") }) }));
          }
          break;
        case "state_changed":
          setState(e.to);
          if (e.to !== "queued") setQueue(null);
          if (e.to === "serving" && e.by.name && STAFF.has(e.by.role)) setAgent(e.by.name);
          break;
      }
    }
    // `profile` is read when a token is renewed; it does not restart the link.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hasSession, store]);

  // Opening the panel reads what is there.
  useEffect(() => {
    if (!open) return;
    setUnread(0);
    if (link) acknowledge(link, true);
  }, [open, link, stored]);

  const lines = [...stored.values()].sort((a, b) => a.seq! - b.seq!).concat([...pending.values()]);

  async function send() {
    const text = draft.trim();
    if (!text) return;
    setDraft("");
    let l = link;
    if (!hasSession || state === "ended") {
      // The conversation starts with the first message; the link picks the message up from the stored outbox.
      const m: OutgoingMessage = { client_msg_id: crypto.randomUUID(), content: { kind: "text", text }, visibility: "public" };
      if (state === "ended") resetConversation();
      setPending((p) => new Map(p).set(m.client_msg_id, mineLine(m)));
      store.save({ outbox: [...(store.load().outbox ?? []), m] });
      await startSession();
      return;
    }
    const m = l!.send({ kind: "text", text });
    setPending((p) => new Map(p).set(m.client_msg_id, mineLine(m)));
    store.save({ outbox: [...l!.outbox.values()] });
    l!.sendFrame({ type: "typing", active: false });
    lastTyping.current = 0;
  }

  /** Uploads the chosen file to the conversation, then sends it as an image or file message. */
  async function attach(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = "";
    const session = store.load().session;
    if (!file || !link || !session) return;
    setUploading(true);
    setUploadError(null);
    try {
      const up = await uploadAttachment(options.api, session.conversation_id, session.token, file);
      const m = link.send(up.content);
      setPending((p) => new Map(p).set(m.client_msg_id, mineLine(m)));
      store.save({ outbox: [...link.outbox.values()] });
    } catch (err) {
      const code = (err as { code?: string }).code;
      const vars = { name: file.name, message: (err as Error).message };
      setUploadError(code === "payload_too_large" ? t("too_large", vars) : code === "unsupported_media_type" ? t("bad_type", vars) : t("upload_failed", vars));
    } finally {
      setUploading(false);
    }
  }

  async function startSession() {
    try {
      await store.open(profile);
      setHasSession(true);
    } catch (err) {
      setPending((p) => new Map([...p].map(([k, v]) => [k, { ...v, failed: String((err as Error).message) }])));
    }
  }

  function resetConversation() {
    link?.close();
    setLink(null);
    store.save({ session: undefined, outbox: [] });
    setHasSession(false);
    setStored(new Map());
    setPending(new Map());
    setState(null);
    setAgent(null);
    setQueue(null);
    setDelivered(0);
    setRead(0);
  }

  function onInput(value: string) {
    setDraft(value);
    if (link && value && Date.now() - lastTyping.current > 3000) {
      lastTyping.current = Date.now();
      link.sendFrame({ type: "typing", active: true });
    }
  }

  const showPrechat = options.prechat && !hasSession && !prechatDone;

  return (
    <div class={`sb ${open ? "sb-open" : ""}`}>
      {open && (
        <section class="sb-panel" role="dialog" aria-label={options.title ?? t("title")}>
          <header class="sb-head">
            <div>
              <div class="sb-title">{options.title ?? t("title")}</div>
              <div class="sb-sub" data-testid="status-line">
                {statusLine()}
              </div>
            </div>
            <button class="sb-x" aria-label={t("close")} onClick={() => setOpen(false)}>
              ×
            </button>
          </header>
          {status === "offline" && hasSession && <div class="sb-banner">{navigator.onLine ? t("reconnecting") : t("no_network")}</div>}
          {state === "offline" && <div class="sb-banner sb-leave">{t("offline")}</div>}
          {showPrechat ? (
            <PreChat
              t={t}
              onStart={(p) => {
                setProfile(p);
                setPrechatDone(true);
              }}
            />
          ) : (
            <>
              <Transcript lines={lines} t={t} delivered={delivered} read={read} greeting={t("greeting")} typing={typing} token={store.load().session?.token} />
              {uploadError && (
                <div class="sb-banner sb-upload-error" role="alert" data-testid="upload-error" onClick={() => setUploadError(null)}>
                  {uploadError}
                </div>
              )}
              {state === "ended" ? (
                <div class="sb-ended">
                  <p>{t("ended")}</p>
                  <button class="sb-primary" onClick={resetConversation}>
                    {t("new_conversation")}
                  </button>
                </div>
              ) : (
                <form
                  class="sb-compose"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void send();
                  }}
                >
                  <textarea
                    rows={1}
                    value={draft}
                    placeholder={t("placeholder")}
                    aria-label={t("placeholder")}
                    onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
                    onKeyDown={(e) => {
                      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                        e.preventDefault();
                        void send();
                      }
                    }}
                  />
                  {link && (
                    <>
                      <input ref={fileInput} type="file" hidden onChange={(e) => void attach(e.target as HTMLInputElement)} />
                      <button type="button" class="sb-attach" aria-label={t("attach")} title={t("attach")} disabled={uploading} onClick={() => fileInput.current?.click()}>
                        <ClipIcon />
                      </button>
                    </>
                  )}
                  <button class="sb-send" type="submit" disabled={!draft.trim()}>
                    {t("send")}
                  </button>
                </form>
              )}
            </>
          )}
        </section>
      )}
      <button class="sb-launcher" aria-label={open ? t("close") : t("open")} onClick={() => setOpen(!open)}>
        {open ? (
          <span class="sb-icon">×</span>
        ) : (
          <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
            <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z" />
          </svg>
        )}
        {!open && unread > 0 && <span class="sb-badge">{unread}</span>}
      </button>
    </div>
  );

  function statusLine(): string {
    if (state === "ended") return t("ended");
    if (state === "serving" || state === "transferring") return agent ? t("serving", { name: agent }) : t("serving_anon");
    if (state === "queued" && queue) {
      const vars = { position: queue.position, minutes: Math.max(1, Math.round((queue.estimated_wait_seconds ?? 0) / 60)) };
      return queue.estimated_wait_seconds === null ? t("queued", vars) : t("queued_wait", vars);
    }
    if (state === "queued") return t("waiting");
    return t("greeting");
  }

  function mineLine(m: OutgoingMessage): Line {
    sent.current.set(m.client_msg_id, m.content);
    return { key: `c${m.client_msg_id}`, mine: true, content: m.content };
  }
}

function withoutKey<K, V>(map: Map<K, V>, key: K): Map<K, V> {
  const next = new Map(map);
  next.delete(key);
  return next;
}

/** Receipts are cumulative: one `delivered` for everything received, `read` while the panel is open and visible. */
function acknowledge(link: ConversationLink, panelOpen: boolean) {
  if (link.lastSeq === 0) return;
  const seen = panelOpen && document.visibilityState === "visible";
  link.sendFrame({ type: "receipt", status: seen ? "read" : "delivered", up_to_seq: link.lastSeq });
}

function Transcript(props: {
  lines: Line[];
  t: (k: keyof typeof en, v?: Record<string, string | number>) => string;
  delivered: number;
  read: number;
  greeting: string;
  typing: string | null;
  token: string | undefined;
}) {
  const { lines, t } = props;
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => end.current?.scrollIntoView({ block: "end" }), [lines.length, props.typing]);
  return (
    <div class="sb-log" aria-live="polite" onLoadCapture={keepAtEnd}>
      <div class="sb-msg sb-theirs">
        <div class="sb-bubble">{props.greeting}</div>
      </div>
      {lines.map((l) =>
        l.notice ? (
          <div key={l.key} class="sb-notice">
            {l.notice}
          </div>
        ) : (
          <div key={l.key} class={`sb-msg ${l.mine ? "sb-mine" : "sb-theirs"}`} data-seq={l.seq}>
            {!l.mine && l.sender?.name && <div class="sb-name">{l.sender.name}</div>}
            <div class="sb-bubble">
              <ContentView c={l.content!} token={props.token} labels={{ open_image: t("open_image"), download: t("download") }} cls="sb-" />
            </div>
            {l.mine && (
              <div class={`sb-mark ${l.failed ? "sb-failed" : ""}`} data-testid="mark">
                {l.failed
                  ? t("failed", { reason: l.failed })
                  : l.seq === undefined
                    ? t("pending")
                    : l.seq <= props.read
                      ? t("read")
                      : l.seq <= props.delivered
                        ? t("delivered")
                        : t("sent")}
              </div>
            )}
          </div>
        ),
      )}
      {props.typing && <div class="sb-typing">{t("typing", { name: props.typing })}</div>}
      <div ref={end} />
    </div>
  );
}

function PreChat({ t, onStart }: { t: (k: keyof typeof en) => string; onStart: (p: { name?: string; email?: string }) => void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  return (
    <form
      class="sb-prechat"
      onSubmit={(e) => {
        e.preventDefault();
        onStart({ ...(name.trim() ? { name: name.trim() } : {}), ...(email.trim() ? { email: email.trim() } : {}) });
      }}
    >
      <p>{t("prechat_intro")}</p>
      <label>
        {t("name")}
        <input value={name} maxLength={100} autocomplete="name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        {t("email")}
        <input type="email" value={email} maxLength={254} autocomplete="email" onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
      </label>
      <button class="sb-primary" type="submit">
        {t("start")}
      </button>
    </form>
  );
}
