import { createContext } from "preact";
import { useContext, useEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import { pickLocale, translator, type Locale } from "../shared/i18n.ts";
import type { AgentStatus, CannedReply, Directory } from "../shared/wire.ts";
import { AgentSocket } from "./agent-socket.ts";
import { api, loadSession, saveSession, whenUnauthorized, type Session } from "./api.ts";
import { ConversationStore } from "./conversation-store.ts";
import { en, zhCN } from "./messages.ts";
import { Admin } from "./views/admin.tsx";
import { Audit } from "./views/audit.tsx";
import { ConversationView } from "./views/conversation.tsx";
import { Inbox, type InboxView } from "./views/inbox.tsx";
import { Login } from "./views/login.tsx";
import { Metrics } from "./views/metrics.tsx";
import { Monitor } from "./views/monitor.tsx";
import { Quality } from "./views/quality.tsx";

export type T = ReturnType<typeof translator<typeof en>>;
export const I18n = createContext<T>(translator({ en, "zh-CN": zhCN }, "en"));
export const useT = () => useContext(I18n);

export interface Toast {
  id: number;
  text: string;
  conversation_id?: string;
}

type Section = InboxView | "monitor" | "metrics" | "audit" | "quality" | "admin";
/** Sections that take the whole width: no conversation list or conversation beside them. */
const wide = (s: Section) => s === "admin" || s === "metrics" || s === "audit" || s === "quality";

export function App() {
  const [locale, setLocale] = useState<Locale>(() => pickLocale(localStorage.getItem("switchboard:locale")));
  const t = useMemo(() => translator({ en, "zh-CN": zhCN }, locale), [locale]);
  const [session, setSession] = useState<Session | null>(loadSession);
  useEffect(() => {
    document.documentElement.lang = locale;
    whenUnauthorized(() => signOut());
  }, [locale]);

  function signOut() {
    void api("/api/auth/logout", { method: "POST" }).catch(() => {});
    saveSession(null);
    setSession(null);
  }

  return (
    <I18n.Provider value={t}>
      {session ? (
        <Shell
          key={session.token}
          session={session}
          signOut={signOut}
          toggleLocale={() => {
            const next = locale === "en" ? "zh-CN" : "en";
            localStorage.setItem("switchboard:locale", next);
            setLocale(next);
          }}
        />
      ) : (
        <Login
          onSignedIn={(s) => {
            saveSession(s);
            setSession(s);
          }}
        />
      )}
    </I18n.Provider>
  );
}

function Shell({ session, signOut, toggleLocale }: { session: Session; signOut: () => void; toggleLocale: () => void }) {
  const t = useT();
  const staff = session.user.role !== "agent";
  const [section, setSection] = useState<Section>(() => (location.hash.slice(2).split("/")[0] as Section) || "mine");
  const [selected, setSelected] = useState<string | null>(() => location.hash.slice(2).split("/")[1] ?? null);
  const [status, setStatus] = useState<AgentStatus | null>(null);
  /** What we serve: from `status`, then kept current by `assigned` and `released`. */
  const [mine, setMine] = useState<string[]>([]);
  const [connected, setConnected] = useState(true);
  const [online, setOnline] = useState(true);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [sound, setSound] = useState(() => localStorage.getItem("switchboard:sound") === "on");
  const [directory, setDirectory] = useState<Directory | null>(null);
  const [canned, setCanned] = useState<CannedReply[]>([]);
  const loadCanned = () => void api<{ items: CannedReply[] }>("/api/canned-replies").then((r) => setCanned(r.items), () => {});
  const [, rerender] = useReducer((n: number, _: unknown) => n + 1, 0);
  const stores = useRef(new Map<string, ConversationStore>());
  const socket = useRef<AgentSocket | null>(null);
  const listOrder = useRef<string[]>([]);
  const soundRef = useRef(sound);
  soundRef.current = sound;

  /** Open conversations: every one we serve (for live unread counts), plus the one on screen. */
  function store(id: string): ConversationStore {
    let s = stores.current.get(id);
    if (!s) {
      s = new ConversationStore(id);
      s.subscribe(() => rerender(undefined));
      stores.current.set(id, s);
    }
    return s;
  }

  function toast(text: string, conversation_id?: string) {
    const id = Date.now() + Math.random();
    setToasts((ts) => [...ts, { id, text, ...(conversation_id ? { conversation_id } : {}) }]);
    setTimeout(() => setToasts((ts) => ts.filter((x) => x.id !== id)), 15_000);
  }

  useEffect(() => {
    const s = new AgentSocket({
      status: (st) => {
        setStatus(st);
        setMine(st.conversations.map((c) => c.conversation_id));
        for (const c of st.conversations) store(c.conversation_id);
      },
      assigned: (f) => {
        store(f.conversation_id);
        setMine((m) => (m.includes(f.conversation_id) ? m : [f.conversation_id, ...m]));
        toast(t("new_assignment"), f.conversation_id);
        if (soundRef.current) beep();
      },
      released: (f) => {
        setMine((m) => m.filter((id) => id !== f.conversation_id));
      },
      assist: (f) => {
        toast(t("assist_requested", { name: f.by.name ?? f.by.id, note: f.note ? `: ${f.note}` : "" }), f.conversation_id);
        if (soundRef.current) beep();
      },
      breached: (f) => {
        // The frame names the ticket; its conversation (if any) is what Open shows.
        const text = t(`ticket_breached_${f.breach}`, { summary: f.summary });
        void api<{ conversation_id: string | null }>(`/api/tickets/${f.ticket_id}`).then(
          (k) => toast(text, k.conversation_id ?? undefined),
          () => toast(text),
        );
        if (soundRef.current) beep();
      },
      connection: setConnected,
    });
    socket.current = s;
    s.start();
    void api<Directory>("/api/directory").then(setDirectory, () => {});
    loadCanned();
    return () => {
      s.stop();
      for (const st of stores.current.values()) st.close();
      stores.current.clear();
    };
  }, []);

  useEffect(() => {
    location.hash = `#/${section}${selected ? `/${selected}` : ""}`;
  }, [section, selected]);

  // Conversations no longer ours (and not on screen) are closed.
  for (const [id, s] of stores.current) {
    if (!mine.includes(id) && id !== selected) {
      s.close();
      stores.current.delete(id);
    }
  }
  const unread = mine.reduce((n, id) => n + (stores.current.get(id)?.unread() ?? 0), 0);
  useEffect(() => {
    document.title = `${unread > 0 ? `(${unread}) ` : ""}${t("app")}`;
  }, [unread, t]);

  // Alt+↑ / Alt+↓ switch between the conversations of the list on screen. Read through a ref:
  // a key pressed right after a click must see that click's selection.
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      const list = listOrder.current;
      if (!list.length) return;
      e.preventDefault();
      const at = selectedRef.current ? list.indexOf(selectedRef.current) : -1;
      const next = e.key === "ArrowDown" ? Math.min(list.length - 1, at + 1) : Math.max(0, at - 1);
      selectedRef.current = list[next]!;
      setSelected(list[next]!);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  function setPresence(p: "online" | "away" | "offline") {
    if (p === "offline") {
      socket.current?.stop();
      setOnline(false);
      setStatus((s) => (s ? { ...s, presence: "offline" } : s));
      return;
    }
    if (!online) {
      socket.current?.start();
      setOnline(true);
    }
    socket.current?.presence(p);
  }

  const current = selected ? store(selected) : null;
  const nav: [Section, string, number?][] = [
    ["mine", t("mine"), unread],
    ["queued", t("queued")],
    ["all", t("all")],
    ...(staff ? ([["monitor", t("monitor")], ["metrics", t("metrics")], ["audit", t("audit")]] as [Section, string][]) : []),
    ["quality", t("quality")],
    ...(session.user.role === "admin" ? ([["admin", t("admin")]] as [Section, string][]) : []),
  ];

  return (
    <div class="ws">
      <header class="top">
        <strong class="brand">{t("app")}</strong>
        <nav class="sections">
          {nav.map(([id, label, badge]) => (
            <button
              key={id}
              class={section === id ? "active" : ""}
              data-section={id}
              onClick={() => {
                setSection(id);
                if (wide(id)) setSelected(null);
              }}
            >
              {label}
              {badge ? <span class="badge">{badge}</span> : null}
            </button>
          ))}
        </nav>
        <div class="me">
          <select
            aria-label="presence"
            data-testid="presence"
            class={`presence ${status?.presence ?? "offline"}`}
            value={online ? (status?.presence ?? "online") : "offline"}
            onChange={(e) => setPresence((e.target as HTMLSelectElement).value as "online")}
          >
            <option value="online">● {t("online")}</option>
            <option value="away">● {t("away")}</option>
            <option value="offline">● {t("offline")}</option>
          </select>
          {status && (
            <span class="load" data-testid="load">
              {t("load", { load: mine.length, max: status.max_concurrent })}
              {!status.in_shift && ` · ${t("off_shift")}`}
            </span>
          )}
          <label class="sound">
            <input
              type="checkbox"
              checked={sound}
              onChange={(e) => {
                const on = (e.target as HTMLInputElement).checked;
                localStorage.setItem("switchboard:sound", on ? "on" : "off");
                setSound(on);
              }}
            />{" "}
            {t("sound")}
          </label>
          <button class="link" onClick={toggleLocale}>
            {t("language")}
          </button>
          <span class="who" title={session.user.email}>
            {session.user.name} · {session.user.role}
          </span>
          <button class="link" onClick={signOut}>
            {t("sign_out")}
          </button>
        </div>
      </header>
      {!connected && online && <div class="banner">{t("connection_lost")}</div>}
      <main class={`body ${wide(section) ? "wide" : ""}`}>
        {section === "audit" ? (
          <Audit directory={directory} admin={session.user.role === "admin"} />
        ) : section === "quality" ? (
          <Quality directory={directory} role={session.user.role} />
        ) : section === "metrics" ? (
          <Metrics directory={directory} />
        ) : section === "admin" ? (
          <Admin
            directory={directory}
            reloadDirectory={() => void api<Directory>("/api/directory").then(setDirectory)}
            canned={canned}
            reloadCanned={loadCanned}
          />
        ) : (
          <>
            {section === "monitor" ? (
              <Monitor directory={directory} selected={selected} onSelect={setSelected} onList={(ids) => (listOrder.current = ids)} />
            ) : (
              <Inbox
                view={section as InboxView}
                mine={mine}
                stores={stores.current}
                directory={directory}
                selected={selected}
                onSelect={setSelected}
                onList={(ids) => (listOrder.current = ids)}
              />
            )}
            {current ? (
              <ConversationView key={current.id} store={current} directory={directory} canned={canned} staff={staff} mine={mine.includes(current.id)} onOpen={setSelected} />
            ) : (
              <div class="empty">{t("pick_conversation")}</div>
            )}
          </>
        )}
      </main>
      <div class="toasts" aria-live="assertive">
        {toasts.map((x) => (
          <div class="toast" key={x.id} data-testid="toast">
            <span>{x.text}</span>
            {x.conversation_id && (
              <button
                onClick={() => {
                  if (wide(section)) setSection(staff && !mine.includes(x.conversation_id!) ? "monitor" : "mine");
                  setSelected(x.conversation_id!);
                  setToasts((ts) => ts.filter((y) => y.id !== x.id));
                }}
              >
                {t("open")}
              </button>
            )}
            <button class="link" onClick={() => setToasts((ts) => ts.filter((y) => y.id !== x.id))}>
              {t("dismiss")}
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

/** A short two-tone chime, made on the spot: no audio file to ship. */
function beep() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.connect(gain).connect(ctx.destination);
    gain.gain.value = 0.08;
    osc.frequency.setValueAtTime(880, ctx.currentTime);
    osc.frequency.setValueAtTime(1320, ctx.currentTime + 0.12);
    osc.start();
    osc.stop(ctx.currentTime + 0.25);
    osc.onended = () => void ctx.close();
  } catch {
    // no audio allowed before a user gesture: the title badge still shows it
  }
}
