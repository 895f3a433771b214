import { useEffect, useState } from "preact/hooks";
import type { CannedReply, Directory } from "../../shared/wire.ts";
import { api } from "../api.ts";
import { useT } from "../app.tsx";
import { ChannelsAdmin } from "./channels-admin.tsx";
import { describe, useLoad } from "./load.ts";

type Tab = "groups" | "people" | "schedules" | "rules" | "canned_replies" | "channels";

/** Routing administration: what docs/api.md's /api/admin endpoints change, with their errors shown as they come. */
export function Admin({
  directory,
  reloadDirectory,
  canned,
  reloadCanned,
}: {
  directory: Directory | null;
  reloadDirectory(): void;
  canned: CannedReply[];
  reloadCanned(): void;
}) {
  const t = useT();
  const [tab, setTab] = useState<Tab>("groups");
  return (
    <div class="admin">
      <nav class="subtabs">
        {(["groups", "people", "schedules", "rules", "canned_replies", "channels"] as Tab[]).map((x) => (
          <button key={x} class={tab === x ? "active" : ""} data-tab={x} onClick={() => setTab(x)}>
            {t(x)}
          </button>
        ))}
      </nav>
      {tab === "groups" && <Groups directory={directory} changed={reloadDirectory} />}
      {tab === "people" && <People directory={directory} changed={reloadDirectory} />}
      {tab === "schedules" && <Schedules />}
      {tab === "rules" && <Rules />}
      {tab === "canned_replies" && <CannedReplies items={canned} changed={reloadCanned} />}
      {tab === "channels" && <ChannelsAdmin />}
    </div>
  );
}

interface Group {
  id: string;
  name: string;
  policy: "least_loaded" | "round_robin";
  requeue: "front" | "back";
  member_ids: string[];
}

function Groups({ directory, changed }: { directory: Directory | null; changed(): void }) {
  const t = useT();
  const [data, reload, loadError] = useLoad<{ items: Group[] }>("/api/admin/skill-groups");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setError(null);
      reload();
      changed();
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <div class="panel">
      {(error ?? loadError) && <pre class="error">{error ?? loadError}</pre>}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => api("/api/admin/skill-groups", { body: { name } })).then(() => setName(""));
        }}
      >
        <input placeholder={t("name")} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button class="primary">{t("create")}</button>
      </form>
      {data?.items.map((g) => (
        <div class="card" key={g.id}>
          <div class="inline">
            <strong>{g.name}</strong>
            <span class="muted small">{g.id}</span>
            <label>
              {t("policy")}{" "}
              <select value={g.policy} onChange={(e) => void act(() => api(`/api/admin/skill-groups/${g.id}`, { method: "PATCH", body: { policy: (e.target as HTMLSelectElement).value } }))}>
                <option value="least_loaded">least_loaded</option>
                <option value="round_robin">round_robin</option>
              </select>
            </label>
            <label>
              {t("requeue")}{" "}
              <select value={g.requeue} onChange={(e) => void act(() => api(`/api/admin/skill-groups/${g.id}`, { method: "PATCH", body: { requeue: (e.target as HTMLSelectElement).value } }))}>
                <option value="front">front</option>
                <option value="back">back</option>
              </select>
            </label>
          </div>
          <div class="members">
            {t("members")}:
            {directory?.users.map((u) => (
              <label key={u.id}>
                <input
                  type="checkbox"
                  checked={g.member_ids.includes(u.id)}
                  onChange={(e) => {
                    const on = (e.target as HTMLInputElement).checked;
                    const ids = on ? [...g.member_ids, u.id] : g.member_ids.filter((x) => x !== u.id);
                    void act(() => api(`/api/admin/skill-groups/${g.id}/members`, { method: "PUT", body: { user_ids: ids } }));
                  }}
                />{" "}
                {u.name}
              </label>
            ))}
          </div>
        </div>
      ))}
    </div>
  );
}

function People({ directory, changed }: { directory: Directory | null; changed(): void }) {
  const t = useT();
  const [schedules] = useLoad<{ items: { id: string; name: string }[] }>("/api/admin/schedules");
  const [error, setError] = useState<string | null>(null);
  const patch = async (id: string, body: object) => {
    try {
      await api(`/api/admin/users/${id}/routing`, { method: "PATCH", body });
      setError(null);
      changed();
    } catch (e) {
      setError(describe(e));
    }
  };
  return (
    <div class="panel">
      {error && <pre class="error">{error}</pre>}
      <table class="grid">
        <thead>
          <tr>
            <th>{t("name")}</th>
            <th>{t("email")}</th>
            <th>{t("role")}</th>
            <th>{t("capacity")}</th>
            <th>{t("shift")}</th>
          </tr>
        </thead>
        <tbody>
          {directory?.users.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>{u.role}</td>
              <td>
                <input
                  type="number"
                  min={0}
                  max={100}
                  value={u.max_concurrent}
                  onChange={(e) => void patch(u.id, { max_concurrent: Number((e.target as HTMLInputElement).value) })}
                />
              </td>
              <td>
                <select value={u.shift_schedule_id ?? ""} onChange={(e) => void patch(u.id, { shift_schedule_id: (e.target as HTMLSelectElement).value || null })}>
                  <option value="">{t("no_shift")}</option>
                  {schedules?.items.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const NEW_SCHEDULE = {
  timezone: "Asia/Shanghai",
  weekly: [{ day: "mon", start: "09:00", end: "18:00" }],
  closures: [],
  extra_openings: [],
};

function Schedules() {
  const t = useT();
  const [data, reload] = useLoad<{ items: { id: string; name: string; schedule: unknown }[] }>("/api/admin/schedules");
  return (
    <div class="panel">
      {data?.items.map((s) => <ScheduleEditor key={s.id} id={s.id} name={s.name} body={s.schedule} saved={reload} />)}
      <h3>{t("new_schedule")}</h3>
      <ScheduleEditor id={null} name="" body={NEW_SCHEDULE} saved={reload} />
    </div>
  );
}

function ScheduleEditor({ id, name: initialName, body, saved }: { id: string | null; name: string; body: unknown; saved(): void }) {
  const t = useT();
  const [name, setName] = useState(initialName);
  const [text, setText] = useState(JSON.stringify(body, null, 2));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <form
      class="card"
      onSubmit={async (e) => {
        e.preventDefault();
        let schedule: unknown;
        try {
          schedule = JSON.parse(text);
        } catch (err) {
          setMessage({ ok: false, text: t("invalid_json", { message: (err as Error).message }) });
          return;
        }
        try {
          await api(id ? `/api/admin/schedules/${id}` : "/api/admin/schedules", { method: id ? "PUT" : "POST", body: { name, schedule } });
          setMessage({ ok: true, text: t("saved") });
          saved();
        } catch (err) {
          setMessage({ ok: false, text: describe(err) });
        }
      }}
    >
      <div class="inline">
        <input placeholder={t("name")} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        {id && <span class="muted small">{id}</span>}
        <button class="primary">{id ? t("save") : t("create")}</button>
      </div>
      <textarea class="code" rows={8} value={text} spellcheck={false} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      {message && <pre class={message.ok ? "ok" : "error"}>{message.text}</pre>}
    </form>
  );
}

interface Version {
  version: number;
  note: string | null;
  published_at: number;
  restored_from: number | null;
}

/** The rule set as JSON: validated by the server on dry-run (explain with the draft) and on publish. */
function Rules() {
  const t = useT();
  const [live, reloadLive] = useLoad<{ version: number; body: unknown }>("/api/admin/routing/rules");
  const [versions, reloadVersions] = useLoad<{ items: Version[] }>("/api/admin/routing/rules/versions");
  const [text, setText] = useState("");
  const [note, setNote] = useState("");
  const [entry, setEntry] = useState("https://shop.example/pricing");
  const [tags, setTags] = useState("");
  const [first, setFirst] = useState("");
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    if (live && !text) setText(JSON.stringify(live.body, null, 2));
  }, [live]);

  function draft(): unknown | undefined {
    try {
      return JSON.parse(text);
    } catch (err) {
      setResult({ ok: false, text: t("invalid_json", { message: (err as Error).message }) });
      return undefined;
    }
  }
  const reload = () => {
    reloadLive();
    reloadVersions();
  };

  return (
    <div class="panel rules">
      <div class="rules-grid">
        <div>
          <h3>
            {t("rule_set")} {live && <span class="muted small">· {t("live")} v{live.version}</span>}
          </h3>
          <textarea class="code" rows={24} spellcheck={false} value={text} data-testid="rules-json" onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
          <div class="inline">
            <input placeholder={t("publish_note")} value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
            <button
              class="primary"
              onClick={async () => {
                const rule_set = draft();
                if (rule_set === undefined) return;
                try {
                  const v = await api<{ version: number }>("/api/admin/routing/rules", { body: { rule_set, ...(note ? { note } : {}) } });
                  setResult({ ok: true, text: t("published", { version: v.version }) });
                  reload();
                } catch (err) {
                  setResult({ ok: false, text: describe(err) });
                }
              }}
            >
              {t("publish")}
            </button>
          </div>
        </div>
        <div>
          <h3>{t("dry_run")}</h3>
          <p class="muted small">{t("dry_run_hint")}</p>
          <input placeholder={t("entry_page")} value={entry} onInput={(e) => setEntry((e.target as HTMLInputElement).value)} />
          <input placeholder={t("tags")} value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
          <input placeholder={t("first_message")} value={first} onInput={(e) => setFirst((e.target as HTMLInputElement).value)} />
          <button
            data-testid="dry-run"
            onClick={async () => {
              const rule_set = draft();
              if (rule_set === undefined) return;
              try {
                const decision = await api("/api/admin/routing/rules/explain", {
                  body: {
                    rule_set,
                    context: { channel: "web", ...(entry ? { entry_page: entry } : {}) },
                    contact_tags: tags.split(",").map((x) => x.trim()).filter(Boolean),
                    ...(first ? { first_message: first } : {}),
                  },
                });
                setResult({ ok: true, text: JSON.stringify(decision, null, 2) });
              } catch (err) {
                setResult({ ok: false, text: describe(err) });
              }
            }}
          >
            {t("dry_run")}
          </button>
          {result && (
            <pre class={result.ok ? "ok" : "error"} data-testid="rules-result">
              {result.text}
            </pre>
          )}
          <h3>{t("versions")}</h3>
          <ul class="versions">
            {versions?.items.map((v) => (
              <li key={v.version}>
                v{v.version} · {new Date(v.published_at).toLocaleString()} {v.note && `· ${v.note}`}
                {v.version === live?.version ? (
                  <span class="pill serving">{t("live")}</span>
                ) : (
                  <button
                    class="link"
                    onClick={async () => {
                      try {
                        const r = await api<{ version: number; body: unknown }>(`/api/admin/routing/rules/versions/${v.version}/restore`, { body: {} });
                        setText(JSON.stringify(r.body, null, 2));
                        setResult({ ok: true, text: t("published", { version: r.version }) });
                        reload();
                      } catch (err) {
                        setResult({ ok: false, text: describe(err) });
                      }
                    }}
                  >
                    {t("restore")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

function CannedReplies({ items, changed }: { items: CannedReply[]; changed(): void }) {
  const t = useT();
  return (
    <div class="panel">
      {items.map((r) => (
        <CannedEditor key={r.id} reply={r} changed={changed} />
      ))}
      <h3>{t("create")}</h3>
      <CannedEditor reply={null} changed={changed} />
    </div>
  );
}

function CannedEditor({ reply, changed }: { reply: CannedReply | null; changed(): void }) {
  const t = useT();
  const [title, setTitle] = useState(reply?.title ?? "");
  const [body, setBody] = useState(reply?.body ?? "");
  const [error, setError] = useState<string | null>(null);
  const run = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setError(null);
      if (!reply) (setTitle(""), setBody(""));
      changed();
    } catch (err) {
      setError(describe(err));
    }
  };
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => api(reply ? `/api/canned-replies/${reply.id}` : "/api/canned-replies", { method: reply ? "PUT" : "POST", body: { title, body } }));
      }}
    >
      <div class="inline">
        <input placeholder={t("title")} value={title} maxLength={100} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        <button class="primary">{reply ? t("save") : t("create")}</button>
        {reply && (
          <button type="button" class="danger" onClick={() => void run(() => api(`/api/canned-replies/${reply.id}`, { method: "DELETE" }))}>
            {t("delete")}
          </button>
        )}
      </div>
      <textarea rows={3} placeholder={t("text")} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
      {error && <pre class="error">{error}</pre>}
    </form>
  );
}
