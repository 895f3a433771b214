// The context panel's lower half: the conversation's tickets (and creating one), the contact's
// previous conversations, and what the company's own systems know about the contact (lookups).
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { ContactContextT, ConversationPage, Directory, Ticket, TicketPriority } from "../../shared/wire.ts";
import { api, ApiError } from "../api.ts";
import { useT } from "../app.tsx";
import { Choice } from "./choice.tsx";

const PRIORITIES: TicketPriority[] = ["low", "normal", "high", "urgent"];

export function TicketsSection({ conversationId, contactId, directory }: { conversationId: string; contactId: string; directory: Directory | null }) {
  const t = useT();
  const [tickets, setTickets] = useState<Ticket[] | null>(null);
  const [creating, setCreating] = useState(false);
  const load = () => void api<{ items: Ticket[] }>(`/api/tickets?conversation_id=${conversationId}`).then((r) => setTickets(r.items), () => setTickets([]));
  useEffect(load, [conversationId]);
  const person = (id: string | null) => (id ? (directory?.users.find((u) => u.id === id)?.name ?? id) : "—");
  return (
    <section data-testid="tickets">
      <h4>
        {t("tickets")}{" "}
        <button class="link" data-testid="create-ticket" onClick={() => setCreating(true)}>
          + {t("create_ticket")}
        </button>
      </h4>
      {tickets?.length === 0 && <p class="muted">{t("no_tickets")}</p>}
      <ul class="plain">
        {tickets?.map((k) => (
          <li key={k.id} class="ticket" data-ticket={k.id}>
            <div class="ticket-summary">{k.summary}</div>
            <div class="muted small">
              <span class={`pill prio-${k.priority}`}>{t(`prio_${k.priority}`)}</span> <span class="pill">{t(`ticket_${k.status}`)}</span>
              {k.problem_type && ` · ${k.problem_type}`} · {person(k.owner_id)}
              {k.expected_reply_at && ` · ${t("promised", { at: new Date(k.expected_reply_at).toLocaleString() })}`}
              {k.due_at && ` · ${t("due", { at: new Date(k.due_at).toLocaleString() })}`}
              {k.breached && <span class="pill breached"> {t("breached")}</span>}
            </div>
          </li>
        ))}
      </ul>
      {creating && (
        <TicketDialog
          conversationId={conversationId}
          contactId={contactId}
          directory={directory}
          onClose={(created) => {
            setCreating(false);
            if (created) load();
          }}
        />
      )}
    </section>
  );
}

function TicketDialog({ conversationId, directory, onClose }: { conversationId: string; contactId: string; directory: Directory | null; onClose(created: boolean): void }) {
  const t = useT();
  const [summary, setSummary] = useState("");
  const [problemType, setProblemType] = useState("");
  const [priority, setPriority] = useState<TicketPriority>("normal");
  const [owner, setOwner] = useState("");
  const [expected, setExpected] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && onClose(false)}>
      <form
        class="dialog"
        aria-label={t("create_ticket")}
        data-testid="ticket-dialog"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api("/api/tickets", {
              body: {
                summary,
                conversation_id: conversationId,
                priority,
                ...(problemType.trim() ? { problem_type: problemType.trim() } : {}),
                ...(owner ? { owner_id: owner } : {}),
                ...(expected ? { expected_reply_at: new Date(expected).getTime() } : {}),
                ...(description.trim() ? { description } : {}),
              },
            });
            onClose(true);
          } catch (err) {
            setError(err instanceof ApiError ? `${err.message}${err.details.length ? `: ${err.details.map((d) => `${d.path} ${d.message}`).join("; ")}` : ""}` : String(err));
          }
        }}
      >
        <h2>{t("create_ticket")}</h2>
        <label class="field">
          {t("summary")}
          <input name="summary" required maxLength={300} value={summary} onInput={(e) => setSummary((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          {t("problem_type")}
          <input name="problem_type" maxLength={100} value={problemType} onInput={(e) => setProblemType((e.target as HTMLInputElement).value)} />
        </label>
        <div class="field-row">
          <label class="field">
            {t("priority")}
            <Choice name="priority" value={priority} values={PRIORITIES} label={(p) => t(`prio_${p}`)} onChange={(p) => p && setPriority(p)} />
          </label>
          <label class="field">
            {t("owner")}
            <select name="owner" value={owner} onChange={(e) => setOwner((e.target as HTMLSelectElement).value)}>
              <option value="">—</option>
              {(directory?.users ?? []).map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label class="field">
          {t("expected_reply")}
          <input name="expected_reply_at" type="datetime-local" value={expected} onInput={(e) => setExpected((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          {t("description")}
          <textarea name="description" rows={3} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
        </label>
        {error && <p class="error">{error}</p>}
        <div class="dialog-actions">
          <button type="button" onClick={() => onClose(false)}>
            {t("cancel")}
          </button>
          <button class="primary" type="submit" disabled={!summary.trim()}>
            {t("create")}
          </button>
        </div>
      </form>
    </div>
  );
}

export function PreviousConversations({ contactId, current, onOpen }: { contactId: string; current: string; onOpen(id: string): void }) {
  const t = useT();
  const [items, setItems] = useState<ConversationPage["items"] | null>(null);
  useEffect(() => {
    void api<ConversationPage>(`/api/conversations?contact_id=${contactId}&limit=20`).then((r) => setItems(r.items.filter((c) => c.id !== current)), () => setItems([]));
  }, [contactId, current]);
  return (
    <section data-testid="previous">
      <h4>{t("previous_conversations")}</h4>
      {items?.length === 0 && <p class="muted">{t("none")}</p>}
      <ul class="plain">
        {items?.map((c) => (
          <li key={c.id}>
            <button class="link previous" data-conversation={c.id} onClick={() => onOpen(c.id)}>
              {new Date(c.created_at).toLocaleDateString()} · {c.channel} · {t(`state_${c.state}`)}
            </button>
            {c.last_message_preview && <div class="muted small clip">{c.last_message_preview}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Lookups({ contactId }: { contactId: string }) {
  const t = useT();
  const [ctx, setCtx] = useState<ContactContextT | null>(null);
  useEffect(() => {
    void api<ContactContextT>(`/api/contacts/${contactId}/context`).then(setCtx, () => setCtx(null));
  }, [contactId]);
  if (!ctx?.lookups.length) return null;
  return (
    <>
      {ctx.lookups.map((l) => (
        <section key={l.lookup_id} data-testid="lookup" data-status={l.status}>
          <h4>{l.name}</h4>
          {l.status === "ok" ? <LookupData data={l.data} /> : <p class="muted">{t("unavailable", { reason: l.reason })}</p>}
        </section>
      ))}
    </>
  );
}

/** A business system's JSON, readable: top-level fields as a list, nested values as compact JSON. */
function LookupData({ data }: { data: unknown }) {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return <pre class="lookup">{JSON.stringify(data, null, 1)}</pre>;
  return (
    <dl>
      {Object.entries(data as Record<string, unknown>).map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === "object" && v !== null ? <pre class="lookup">{JSON.stringify(v, null, 1)}</pre> : String(v)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
