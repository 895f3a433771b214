import { useEffect, useRef, useState } from "preact/hooks";
import type { CannedReply, Content, ConversationEvent, Directory, TransferTarget } from "../../shared/wire.ts";
import { ContentView, keepAtEnd } from "../../shared/content.tsx";
import { api, ApiError, loadSession } from "../api.ts";
import { Attach } from "./attach.tsx";
import { useT, type T } from "../app.tsx";
import type { ConversationStore } from "../conversation-store.ts";
import { ContextPanel } from "./context-panel.tsx";
import { visitorLabel } from "./inbox.tsx";

interface Props {
  store: ConversationStore;
  directory: Directory | null;
  canned: CannedReply[];
  /** Supervisors and admins: watching a conversation they do not serve is monitoring (whisper, barge in). */
  staff: boolean;
  mine: boolean;
  /** Opens another conversation (a previous one of this contact). */
  onOpen(id: string): void;
}

export function ConversationView({ store, directory, canned, staff, mine, onOpen }: Props) {
  const t = useT();
  const [draft, setDraft] = useState("");
  const [internal, setInternal] = useState(false);
  const [transferOpen, setTransferOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const log = useRef<HTMLDivElement>(null);
  const events = store.ordered();
  const pending = [...store.pending.values()];
  const participant = store.participants.some((p) => p.id === store.me?.id && !p.left_at);
  const watching = staff && !mine && !participant;
  const progress = store.visitorProgress();
  const ended = store.state === "ended";

  // What is on screen while the tab is visible has been read.
  useEffect(() => {
    if (document.visibilityState === "visible") store.markRead();
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [events.length, pending.length, store]);
  useEffect(() => {
    const onVisible = () => document.visibilityState === "visible" && store.markRead();
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [store]);
  useEffect(() => setInternal(watching), [store.id, watching]);

  function send() {
    const text = draft.trim();
    if (!text) return;
    store.send(text, internal);
    setDraft("");
  }

  const name = (id: string, fallback?: string) => directory?.users.find((u) => u.id === id)?.name ?? fallback ?? id;

  return (
    <>
      <section class="conversation" data-conversation-view={store.id}>
        <header class="conv-head">
          <div>
            <div class="conv-title">{store.snapshot ? visitorLabel(t("visitor"), store.snapshot.contact.name, store.snapshot.contact.id, store.snapshot.context.channel) : t("visitor")}</div>
            <div class="muted small">
              {store.id} {store.state && <span class={`pill ${store.state}`}>{t(`state_${store.state}`)}</span>}
            </div>
          </div>
          <div class="actions">
            {!ended && (
              <>
                <button onClick={() => setTransferOpen(true)}>{t("transfer")}</button>
                <button
                  onClick={() => {
                    store.assist();
                    setNotice(t("assist_sent"));
                  }}
                >
                  {t("assist")}
                </button>
                <button class="danger" onClick={() => store.setState("ended", "resolved")}>
                  {t("end")}
                </button>
              </>
            )}
          </div>
        </header>
        {store.status !== "online" && <div class="banner">{t("connection_lost")}</div>}
        {watching && !ended && <div class="banner info">{t("barge_in")}</div>}
        {notice && (
          <div class="banner info" data-testid="notice" onClick={() => setNotice(null)}>
            {notice}
          </div>
        )}
        {store.lastError && (
          <div class="banner error" data-testid="conversation-error">
            {store.lastError.code === "reply_window_closed" ? t("reply_window_closed") : store.lastError.message}
          </div>
        )}
        <div class="log" ref={log} data-testid="transcript" onLoadCapture={keepAtEnd}>
          {events.map((e) => (
            <EventLine key={e.seq} e={e} me={store.me?.id} progress={progress} t={t} name={name} />
          ))}
          {pending.map((m) => (
            <div key={m.client_msg_id} class={`msg mine ${m.visibility === "internal" ? "internal" : ""}`}>
              <div class="bubble">
                <Body c={m.content} />
              </div>
              <div class={`mark ${m.failed ? "failed" : ""}`}>{m.failed ? t("failed", { reason: m.failed }) : t("pending")}</div>
            </div>
          ))}
          {store.typing && <div class="typing">{t("typing", { name: store.typing.name ?? t("visitor") })}</div>}
        </div>
        {!ended && (
          <form
            class={`composer ${internal ? "internal" : ""}`}
            onSubmit={(e) => {
              e.preventDefault();
              send();
            }}
          >
            <textarea
              value={draft}
              rows={3}
              data-testid="composer"
              placeholder={internal ? t("composer_internal") : t("composer")}
              onInput={(e) => {
                setDraft((e.target as HTMLTextAreaElement).value);
                if (!internal) store.typingNow();
              }}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                  e.preventDefault();
                  send();
                }
              }}
            />
            <div class="composer-bar">
              {canned.length > 0 && (
                <select
                  data-testid="canned"
                  value=""
                  aria-label={t("canned")}
                  onChange={(e) => {
                    const reply = canned.find((r) => r.id === (e.target as HTMLSelectElement).value);
                    if (reply) setDraft((d) => (d.trim() ? `${d.trimEnd()} ${reply.body}` : reply.body));
                  }}
                >
                  <option value="">{t("canned")}</option>
                  {canned.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.title}
                    </option>
                  ))}
                </select>
              )}
              <Attach store={store} internal={internal} onError={setNotice} />
              <label class="grow">
                <input type="checkbox" data-testid="internal" checked={internal} onChange={(e) => setInternal((e.target as HTMLInputElement).checked)} />{" "}
                {t("internal_note")}
              </label>
              <button class="primary" type="submit" disabled={!draft.trim()}>
                {t("send")}
              </button>
            </div>
          </form>
        )}
      </section>
      <ContextPanel store={store} directory={directory} onOpen={onOpen} />
      {transferOpen && <TransferDialog store={store} directory={directory} onClose={() => setTransferOpen(false)} />}
    </>
  );
}

/** A read-only transcript with each event's seq, type and time: audit search and quality review. */
export function EventTimeline({ events, t, name }: { events: ConversationEvent[]; t: T; name: (id: string, fallback?: string) => string }) {
  return (
    <div class="log timeline">
      {events.map((e) => (
        <div key={e.seq} class="timeline-row" data-type={e.type}>
          <span class="muted small timeline-at">
            #{e.seq} · {e.type} · {new Date(e.at).toLocaleString()}
          </span>
          <EventLine e={e} me={undefined} progress={{ delivered: 0, read: 0 }} t={t} name={name} />
        </div>
      ))}
    </div>
  );
}

export function EventLine({
  e,
  me,
  progress,
  t,
  name,
}: {
  e: ConversationEvent;
  me: string | undefined;
  progress: { delivered: number; read: number };
  t: T;
  name: (id: string, fallback?: string) => string;
}) {
  const internal = e.visibility === "internal";
  switch (e.type) {
    case "message": {
      const mine = e.sender.id === me;
      const fromVisitor = e.sender.role === "visitor";
      return (
        <div class={`msg ${mine ? "mine" : fromVisitor ? "theirs" : "staff"} ${internal ? "internal" : ""}`} data-seq={e.seq}>
          {!mine && <div class="sender">{e.sender.name ?? (fromVisitor ? t("visitor") : name(e.sender.id))}</div>}
          <div class="bubble">
            {internal && <span class="tag">{t("internal")}</span>}
            <Body c={e.content} />
          </div>
          <div class="mark">
            {new Date(e.at).toLocaleTimeString()}
            {mine && !internal && ` · ${e.seq <= progress.read ? t("read") : e.seq <= progress.delivered ? t("delivered") : t("sent")}`}
          </div>
        </div>
      );
    }
    case "participant_joined":
      return <Note text={t("joined", { name: e.participant.name ?? e.participant.id })} />;
    case "participant_left":
      return <Note text={t("left", { name: e.participant.name ?? e.participant.id })} />;
    case "state_changed":
      return <Note text={`${t(`state_${e.from}`)} → ${t(`state_${e.to}`)}${e.by.name ? ` · ${e.by.name}` : ""}${e.reason ? ` (${e.reason})` : ""}`} />;
    case "routed":
      return <Note internal text={t("routed", { rule: e.decided_by ?? "fallback", version: e.version ?? "—" })} />;
    case "assigned":
      return <Note internal text={t("assigned_to", { name: e.agent.name ?? name(e.agent.id) })} />;
    case "transferred":
      return (
        <Note
          internal
          text={`${t("transferred", { note: e.note ? `: ${e.note}` : "" })} → ${e.to.kind === "agent" ? name(e.to.agent_id) : e.to.group_id}`}
        />
      );
    case "rerouted":
      return <Note internal text={t("rerouted", { reason: e.reason })} />;
    case "assist_requested":
      return <Note internal text={t("assist_requested", { name: e.by.name ?? e.by.id, note: e.note ? `: ${e.note}` : "" })} />;
    case "ticket_linked":
      return <Note internal text={t("ticket_linked", { name: e.by.name ?? name(e.by.id), summary: e.summary, priority: t(`prio_${e.priority}`) })} />;
    case "rated":
      return <Note text={t("rated", { score: e.score, comment: e.comment ? ` · “${e.comment}”` : "" })} />;
    default:
      return null;
  }
}

function Note({ text, internal }: { text: string; internal?: boolean }) {
  return <div class={`note ${internal ? "internal" : ""}`}>{text}</div>;
}

/** A message's content, attachments fetched with the signed-in user's token. */
function Body({ c }: { c: Content }) {
  const t = useT();
  return <ContentView c={c} token={loadSession()?.token} labels={{ open_image: t("open_image"), download: t("download") }} />;
}

function TransferDialog({ store, directory, onClose }: { store: ConversationStore; directory: Directory | null; onClose(): void }) {
  const t = useT();
  const [kind, setKind] = useState<"agent" | "group">("agent");
  const [target, setTarget] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const agents = (directory?.users ?? []).filter((u) => u.id !== store.me?.id);
  const groups = directory?.groups ?? [];
  const options = kind === "agent" ? agents.map((u) => ({ id: u.id, label: `${u.name} (${u.role})` })) : groups.map((g) => ({ id: g.id, label: g.name }));
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <form
        class="dialog"
        aria-label={t("transfer_title")}
        onSubmit={async (e) => {
          e.preventDefault();
          const to: TransferTarget = kind === "agent" ? { kind: "agent", agent_id: target } : { kind: "group", group_id: target };
          try {
            await api(`/api/conversations/${store.id}/transfer`, { body: { to, ...(note.trim() ? { note: note.trim() } : {}) } });
            void store.refreshSnapshot();
            onClose();
          } catch (err) {
            setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
          }
        }}
      >
        <h2>{t("transfer_title")}</h2>
        <div class="tabs">
          <label>
            <input type="radio" name="kind" checked={kind === "agent"} onChange={() => (setKind("agent"), setTarget(""))} /> {t("to_agent")}
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === "group"} onChange={() => (setKind("group"), setTarget(""))} /> {t("to_group")}
          </label>
        </div>
        <select required value={target} data-testid="transfer-target" onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
          <option value="" disabled>
            —
          </option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
        <textarea placeholder={t("note")} value={note} maxLength={1000} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        {error && <p class="error">{error}</p>}
        <div class="dialog-actions">
          <button type="button" onClick={onClose}>
            {t("cancel")}
          </button>
          <button class="primary" type="submit" disabled={!target}>
            {t("transfer")}
          </button>
        </div>
      </form>
    </div>
  );
}
