// Audit search (supervisors and admins; docs/archive.md): filter archived conversations, read one
// as its whole event timeline, export the selection as NDJSON or CSV. Supervisors always get the
// masked copy; an admin may tick "Unmasked", which the server records in the audit log.
import { useState } from "preact/hooks";
import type { ConversationEvent, ConversationPage, Directory } from "../../shared/wire.ts";
import { api, API_BASE, ApiError, loadSession } from "../api.ts";
import { useT } from "../app.tsx";
import { EventTimeline } from "./conversation.tsx";
import { Choice } from "./choice.tsx";

const CHANNELS = ["web", "h5", "app", "wechat", "form", "email", "api"];
const STATES = ["queued", "serving", "transferring", "offline", "ended"] as const;

interface Transcript {
  conversation: ConversationPage["items"][number];
  contact: { id: string; name: string | null; email: string | null } | null;
  events: ConversationEvent[];
  masked: boolean;
}

type Filters = Record<"agent_id" | "contact_id" | "from" | "to" | "channel" | "group_id" | "state" | "tag" | "q", string>;
const EMPTY: Filters = { agent_id: "", contact_id: "", from: "", to: "", channel: "", group_id: "", state: "", tag: "", q: "" };

/** The filters as the API's query: dates become ms at local midnight (`to` is inclusive of its day). */
function query(f: Filters): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (!v.trim()) continue;
    if (k === "from") p.set(k, String(new Date(`${v}T00:00`).getTime()));
    else if (k === "to") p.set(k, String(new Date(`${v}T00:00`).getTime() + 86_400_000));
    else p.set(k, v.trim());
  }
  return p;
}

export function Audit({ directory, admin }: { directory: Directory | null; admin: boolean }) {
  const t = useT();
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [raw, setRaw] = useState(false);
  const [results, setResults] = useState<ConversationPage | null>(null);
  const [open, setOpen] = useState<Transcript | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pick = (k: keyof Filters) => (value: string) => setFilters((f) => ({ ...f, [k]: value }));
  const set = (k: keyof Filters) => (e: Event) => pick(k)((e.target as HTMLInputElement).value);
  const fail = (err: unknown) => setError(err instanceof ApiError ? `${err.message}${err.details.map((d) => ` (${d.path}: ${d.message})`).join("")}` : String(err));

  async function search(cursor?: string) {
    setError(null);
    const p = query(filters);
    if (cursor) p.set("cursor", cursor);
    try {
      const page = await api<ConversationPage>(`/api/archive/conversations?${p}`);
      setResults((r) => (cursor && r ? { items: [...r.items, ...page.items], next_cursor: page.next_cursor } : page));
    } catch (err) {
      fail(err);
    }
  }

  async function show(id: string) {
    try {
      setOpen(await api<Transcript>(`/api/archive/conversations/${id}${raw ? "?raw=true" : ""}`));
    } catch (err) {
      fail(err);
    }
  }

  /** The export needs the bearer token, so it is fetched and handed to the browser as a file. */
  async function exportAs(format: "ndjson" | "csv") {
    setError(null);
    const p = query(filters);
    p.set("format", format);
    if (raw) p.set("raw", "true");
    const res = await fetch(`${API_BASE}/api/archive/export?${p}`, { headers: { authorization: `Bearer ${loadSession()?.token ?? ""}` } });
    if (!res.ok) return fail(new ApiError(res.status, "export_failed", ((await res.json().catch(() => null)) as { error?: { message: string } } | null)?.error?.message ?? `HTTP ${res.status}`));
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await res.blob());
    a.download = `switchboard-export.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  const person = (id: string | null) => (id ? (directory?.users.find((u) => u.id === id)?.name ?? id) : "—");
  const group = (id: string | null) => (id ? (directory?.groups.find((g) => g.id === id)?.name ?? id) : "—");

  return (
    <section class="admin audit" data-testid="audit">
      <h2>{t("audit")}</h2>
      <form
        class="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setOpen(null);
          void search();
        }}
      >
        <label class="field wide">
          {t("full_text")}
          <input name="q" value={filters.q} onInput={set("q")} />
        </label>
        <label class="field">
          {t("agent")}
          <select name="agent_id" value={filters.agent_id} onChange={set("agent_id")}>
            <option value="">{t("anyone")}</option>
            {(directory?.users ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          {t("contact_id")}
          <input name="contact_id" value={filters.contact_id} onInput={set("contact_id")} />
        </label>
        <label class="field">
          {t("from")}
          <input type="date" name="from" value={filters.from} onInput={set("from")} />
        </label>
        <label class="field">
          {t("to")}
          <input type="date" name="to" value={filters.to} onInput={set("to")} />
        </label>
        <label class="field">
          {t("channel")}
          <Choice name="channel" value={filters.channel} values={CHANNELS} any={t("anyone")} onChange={pick("channel")} />
        </label>
        <label class="field">
          {t("group")}
          <select name="group_id" value={filters.group_id} onChange={set("group_id")}>
            <option value="">{t("anyone")}</option>
            {(directory?.groups ?? []).map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          {t("state")}
          <Choice name="state" value={filters.state as (typeof STATES)[number] | ""} values={STATES} label={(s) => t(`state_${s}`)} any={t("any_state")} onChange={pick("state")} />
        </label>
        <label class="field">
          {t("tags")}
          <input name="tag" value={filters.tag} onInput={set("tag")} />
        </label>
        <div class="audit-actions">
          <button class="primary" type="submit">
            {t("search")}
          </button>
          <button type="button" data-testid="export-ndjson" onClick={() => void exportAs("ndjson")}>
            {t("export")} NDJSON
          </button>
          <button type="button" data-testid="export-csv" onClick={() => void exportAs("csv")}>
            {t("export")} CSV
          </button>
          {admin && (
            <label>
              <input type="checkbox" name="raw" checked={raw} onChange={(e) => setRaw((e.target as HTMLInputElement).checked)} /> {t("unmasked")}
            </label>
          )}
        </div>
      </form>
      {error && <p class="error">{error}</p>}
      <div class="audit-body">
        <div class="audit-results" data-testid="audit-results">
          {results?.items.length === 0 && <p class="muted">{t("no_conversations")}</p>}
          {results?.items.map((c) => (
            <button key={c.id} class={`row audit-row ${open?.conversation.id === c.id ? "active" : ""}`} data-conversation={c.id} onClick={() => void show(c.id)}>
              <div class="row-title">
                {new Date(c.created_at).toLocaleString()} · {c.channel}
              </div>
              <div class="muted small clip">{c.last_message_preview}</div>
              <div class="row-meta">
                <span class={`pill ${c.state}`}>{t(`state_${c.state}`)}</span>
                <span class="muted">
                  {group(c.group_id)} · {person(c.owner_id)}
                </span>
              </div>
            </button>
          ))}
          {results?.next_cursor && (
            <button class="link" onClick={() => void search(results.next_cursor!)}>
              {t("load_more")}
            </button>
          )}
        </div>
        {open && (
          <div class="audit-transcript" data-testid="audit-transcript">
            <h3>
              {open.contact?.name ?? open.conversation.contact_id} · {open.conversation.id}{" "}
              <span class={`pill ${open.masked ? "" : "breached"}`} data-testid="masked">
                {open.masked ? t("masked") : t("unmasked")}
              </span>
            </h3>
            {open.contact?.email && <div class="muted small">{open.contact.email}</div>}
            <EventTimeline events={open.events} t={t} name={person} />
          </div>
        )}
      </div>
    </section>
  );
}
