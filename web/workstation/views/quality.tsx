// Quality review (质检; supervisors and admins; docs/quality-review.md): the review queue, the
// masked transcript of a conversation scored against a scorecard, per-agent results, and for
// admins the scorecards, the sampling rule and sampling a day on demand.
import { useState } from "preact/hooks";
import type { ConversationEvent, Directory } from "../../shared/wire.ts";
import { api } from "../api.ts";
import { useT } from "../app.tsx";
import { EventTimeline } from "./conversation.tsx";
import { describe, useLoad } from "./load.ts";

// The /api/qa answers (workers/qa/reviews.ts). Their zod schemas live in src/qa, which the browser
// does not import, so the shapes are written down here.
interface Review {
  conversation_id: string;
  agent_id: string;
  group_id: string;
  day: string;
  reasons: ("sampled" | "transfer" | "low_rating")[];
  status: "pending" | "done";
  scorecard_id: string | null;
  scores: Record<string, number> | null;
  total: number | null;
  passed: boolean | null;
  comment: string | null;
  reviewer_id: string | null;
}
interface Criterion {
  id: string;
  label: string;
  weight: number;
}
interface Scorecard {
  id: string;
  name: string;
  criteria: Criterion[];
  pass_mark: number;
}
interface Transcript {
  review: Review;
  channel: string;
  masked: boolean;
  events: ConversationEvent[];
}
interface AgentResult {
  agent_id: string;
  reviewed: number;
  passed: number;
  pass_rate: number;
  avg_total: number;
}

type Tab = "review_queue" | "qa_results" | "scorecards" | "sampling";
const day = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);

/** Agents see their own results only (the server answers only their line); reviewers everything below. */
export function Quality({ directory, role }: { directory: Directory | null; role: "admin" | "supervisor" | "agent" }) {
  const person = (id: string | null) => (id ? (directory?.users.find((u) => u.id === id)?.name ?? id) : "—");
  if (role === "agent") {
    return (
      <section class="admin quality" data-testid="quality">
        <Results person={person} />
      </section>
    );
  }
  return <Review directory={directory} admin={role === "admin"} person={person} />;
}

function Review({ directory, admin, person }: { directory: Directory | null; admin: boolean; person(id: string | null): string }) {
  const t = useT();
  const [tab, setTab] = useState<Tab>("review_queue");
  const [cards, reloadCards] = useLoad<{ items: Scorecard[] }>("/api/qa/scorecards");
  const tabs: Tab[] = ["review_queue", "qa_results", ...(admin ? (["scorecards", "sampling"] as Tab[]) : [])];
  return (
    <section class="admin quality" data-testid="quality">
      <nav class="subtabs">
        {tabs.map((x) => (
          <button key={x} class={tab === x ? "active" : ""} data-tab={x} onClick={() => setTab(x)}>
            {t(x)}
          </button>
        ))}
      </nav>
      {tab === "review_queue" && <Queue cards={cards?.items ?? []} person={person} directory={directory} />}
      {tab === "qa_results" && <Results person={person} />}
      {tab === "scorecards" && <Scorecards cards={cards?.items ?? []} saved={reloadCards} />}
      {tab === "sampling" && <Sampling />}
    </section>
  );
}

function Queue({ cards, person, directory }: { cards: Scorecard[]; person(id: string | null): string; directory: Directory | null }) {
  const t = useT();
  const [status, setStatus] = useState<"pending" | "done">("pending");
  const [list, reload, listError] = useLoad<{ items: Review[] }>(`/api/qa/reviews?status=${status}&limit=200`);
  const [open, setOpen] = useState<Transcript | null>(null);
  const [error, setError] = useState<string | null>(null);
  const group = (id: string) => directory?.groups.find((g) => g.id === id)?.name ?? id;

  async function show(id: string) {
    try {
      setOpen(await api<Transcript>(`/api/qa/reviews/${id}/transcript`));
      setError(null);
    } catch (err) {
      setError(describe(err));
    }
  }

  return (
    <>
      <div class="inline">
        <select name="status" value={status} onChange={(e) => (setStatus((e.target as HTMLSelectElement).value as "pending"), setOpen(null))}>
          <option value="pending">{t("qa_pending")}</option>
          <option value="done">{t("qa_done")}</option>
        </select>
      </div>
      {(error ?? listError) && <pre class="error">{error ?? listError}</pre>}
      <div class="audit-body">
        <div class="audit-results" data-testid="review-queue">
          {list?.items.length === 0 && <p class="muted pad">{t("qa_nothing")}</p>}
          {list?.items.map((r) => (
            <button key={r.conversation_id} class={`row audit-row ${open?.review.conversation_id === r.conversation_id ? "active" : ""}`} data-conversation={r.conversation_id} onClick={() => void show(r.conversation_id)}>
              <div class="row-title">
                {r.day} · {person(r.agent_id)}
              </div>
              <div class="muted small clip">
                {group(r.group_id)} · {r.conversation_id}
              </div>
              <div class="row-meta">
                {r.reasons.map((x) => (
                  <span key={x} class="pill">
                    {t(`reason_${x}`)}
                  </span>
                ))}
                {r.status === "done" && <Verdict review={r} />}
              </div>
            </button>
          ))}
        </div>
        {open && (
          <div class="audit-transcript" data-testid="review-transcript">
            <h3>
              {person(open.review.agent_id)} · {open.channel} · {open.review.conversation_id}{" "}
              <span class="pill" data-testid="masked">
                {t("masked")}
              </span>
            </h3>
            <ScoreForm
              key={open.review.conversation_id}
              review={open.review}
              cards={cards}
              submitted={(r) => {
                setOpen({ ...open, review: r });
                reload();
              }}
            />
            <EventTimeline events={open.events} t={t} name={person} />
          </div>
        )}
      </div>
    </>
  );
}

function Verdict({ review }: { review: Review }) {
  const t = useT();
  return (
    <span class={`pill ${review.passed ? "serving" : "breached"}`} data-testid="verdict">
      {review.total} · {review.passed ? t("qa_passed") : t("qa_failed")}
    </span>
  );
}

/** Scores every criterion of the chosen scorecard (0–100); the server computes the weighted total. */
function ScoreForm({ review, cards, submitted }: { review: Review; cards: Scorecard[]; submitted(r: Review): void }) {
  const t = useT();
  const [cardId, setCardId] = useState(review.scorecard_id ?? "");
  const [scores, setScores] = useState<Record<string, string>>(() => Object.fromEntries(Object.entries(review.scores ?? {}).map(([k, v]) => [k, String(v)])));
  const [comment, setComment] = useState(review.comment ?? "");
  const [error, setError] = useState<string | null>(null);
  // Until one is picked, the first card: the list may arrive after the transcript.
  const card = cards.find((c) => c.id === cardId) ?? cards[0];
  if (cards.length === 0) return <p class="muted">{t("qa_no_scorecards")}</p>;
  return (
    <form
      class="card score-form"
      data-testid="score-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!card) return;
        try {
          const body = { scorecard_id: card.id, scores: Object.fromEntries(card.criteria.map((c) => [c.id, Number(scores[c.id] ?? "")])), ...(comment.trim() ? { comment: comment.trim() } : {}) };
          submitted(await api<Review>(`/api/qa/reviews/${review.conversation_id}`, { body }));
          setError(null);
        } catch (err) {
          setError(describe(err));
        }
      }}
    >
      <div class="inline">
        <label>
          {t("scorecard")}{" "}
          <select name="scorecard" value={card?.id ?? ""} onChange={(e) => setCardId((e.target as HTMLSelectElement).value)}>
            {cards.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        {card && <span class="muted small">{t("pass_mark_is", { mark: card.pass_mark })}</span>}
        {review.status === "done" && <Verdict review={review} />}
      </div>
      {card?.criteria.map((c) => (
        <label key={c.id} class="criterion">
          <span>
            {c.label} <span class="muted small">× {c.weight}</span>
          </span>
          <input
            type="number"
            min={0}
            max={100}
            required
            name={`score-${c.id}`}
            value={scores[c.id] ?? ""}
            onInput={(e) => setScores((s) => ({ ...s, [c.id]: (e.target as HTMLInputElement).value }))}
          />
        </label>
      ))}
      <textarea name="comment" rows={2} placeholder={t("qa_comment")} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
      <div class="inline">
        <button class="primary">{review.status === "done" ? t("qa_revise") : t("qa_submit")}</button>
      </div>
      {error && <pre class="error">{error}</pre>}
    </form>
  );
}

function Results({ person }: { person(id: string | null): string }) {
  const t = useT();
  const [from, setFrom] = useState(day(Date.now() - 29 * 86_400_000));
  const [to, setTo] = useState(day(Date.now()));
  const [data, , error] = useLoad<{ items: AgentResult[] }>(`/api/qa/results?from=${from}&to=${to}`);
  return (
    <div class="panel">
      <div class="inline">
        <label>
          {t("from")} <input type="date" name="from" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t("to")} <input type="date" name="to" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {error && <pre class="error">{error}</pre>}
      <table class="grid" data-testid="qa-results">
        <thead>
          <tr>
            <th>{t("agent")}</th>
            <th>{t("qa_reviewed")}</th>
            <th>{t("qa_passed")}</th>
            <th>{t("qa_pass_rate")}</th>
            <th>{t("qa_average")}</th>
          </tr>
        </thead>
        <tbody>
          {data?.items.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                {t("no_data")}
              </td>
            </tr>
          )}
          {data?.items.map((r) => (
            <tr key={r.agent_id} data-agent={r.agent_id}>
              <td>{person(r.agent_id)}</td>
              <td>{r.reviewed}</td>
              <td>{r.passed}</td>
              <td>{Math.round(r.pass_rate * 100)} %</td>
              <td>{r.avg_total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const NEW_CRITERION = (): Criterion => ({ id: "", label: "", weight: 1 });

/** Scorecards are created, not edited: a verdict keeps pointing at the card it was scored on. */
function Scorecards({ cards, saved }: { cards: Scorecard[]; saved(): void }) {
  const t = useT();
  const [name, setName] = useState("");
  const [pass, setPass] = useState("80");
  const [criteria, setCriteria] = useState<Criterion[]>([NEW_CRITERION()]);
  const [error, setError] = useState<string | null>(null);
  const setAt = (i: number, patch: Partial<Criterion>) => setCriteria((cs) => cs.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  return (
    <div class="panel">
      {cards.map((c) => (
        <div class="card" key={c.id} data-testid="scorecard">
          <div class="inline">
            <strong>{c.name}</strong>
            <span class="muted small">
              {c.id} · {t("pass_mark_is", { mark: c.pass_mark })}
            </span>
          </div>
          <ul class="plain small">
            {c.criteria.map((x) => (
              <li key={x.id}>
                {x.label} <span class="muted">({x.id}) × {x.weight}</span>
              </li>
            ))}
          </ul>
        </div>
      ))}
      <h3>{t("new_scorecard")}</h3>
      <form
        class="card"
        data-testid="scorecard-new"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api("/api/qa/scorecards", { body: { name, pass_mark: Number(pass), criteria: criteria.map((c) => ({ ...c, weight: Number(c.weight) })) } });
            setName("");
            setCriteria([NEW_CRITERION()]);
            setError(null);
            saved();
          } catch (err) {
            setError(describe(err));
          }
        }}
      >
        <div class="inline">
          <input name="name" placeholder={t("name")} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <label>
            {t("pass_mark")} <input name="pass_mark" type="number" min={0} max={100} value={pass} onInput={(e) => setPass((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        {criteria.map((c, i) => (
          <div class="inline" key={i} data-testid="criterion-row">
            <input name="criterion_id" placeholder={t("criterion_id")} value={c.id} onInput={(e) => setAt(i, { id: (e.target as HTMLInputElement).value })} />
            <input name="criterion_label" placeholder={t("criterion_label")} value={c.label} onInput={(e) => setAt(i, { label: (e.target as HTMLInputElement).value })} />
            <label>
              {t("weight")} <input name="criterion_weight" type="number" min={1} max={100} value={c.weight} onInput={(e) => setAt(i, { weight: Number((e.target as HTMLInputElement).value) })} />
            </label>
            {criteria.length > 1 && (
              <button type="button" class="link" onClick={() => setCriteria((cs) => cs.filter((_, j) => j !== i))}>
                {t("delete")}
              </button>
            )}
          </div>
        ))}
        <div class="inline">
          <button type="button" data-testid="add-criterion" onClick={() => setCriteria((cs) => [...cs, NEW_CRITERION()])}>
            + {t("criterion")}
          </button>
          <button class="primary">{t("create")}</button>
        </div>
        {error && <pre class="error">{error}</pre>}
      </form>
    </div>
  );
}

interface Rule {
  sample_percent: number;
  low_rating_max: number;
  review_transfers: boolean;
}

function Sampling() {
  const t = useT();
  const [rule, reload] = useLoad<Rule>("/api/qa/settings");
  const [sampleDay, setSampleDay] = useState(day(Date.now() - 86_400_000));
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (f: () => Promise<string>) => {
    try {
      setResult({ ok: true, text: await f() });
    } catch (err) {
      setResult({ ok: false, text: describe(err) });
    }
  };
  return (
    <div class="panel">
      {rule && (
        <form
          key={JSON.stringify(rule)}
          class="card"
          data-testid="sampling-rule"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.target as HTMLFormElement);
            const body = { sample_percent: Number(f.get("sample_percent")), low_rating_max: Number(f.get("low_rating_max")), review_transfers: f.get("review_transfers") === "on" };
            void run(async () => (await api("/api/qa/settings", { method: "PUT", body }), reload(), t("saved")));
          }}
        >
          <div class="field-row">
            <label class="field">
              {t("sample_percent")}
              <input name="sample_percent" type="number" min={0} max={100} step="any" defaultValue={String(rule.sample_percent)} />
            </label>
            <label class="field">
              {t("low_rating_max")}
              <input name="low_rating_max" type="number" min={0} max={5} defaultValue={String(rule.low_rating_max)} />
            </label>
            <label class="field">
              {t("review_transfers")}
              <input name="review_transfers" type="checkbox" defaultChecked={rule.review_transfers} />
            </label>
          </div>
          <div class="inline">
            <button class="primary">{t("save")}</button>
          </div>
        </form>
      )}
      <form
        class="card inline"
        data-testid="sample-day"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const r = await api<{ ended: number; selected: unknown[] }>("/api/qa/sample", { body: { day: sampleDay } });
            return t("sampled", { day: sampleDay, ended: r.ended, selected: r.selected.length });
          });
        }}
      >
        <span>{t("sample_day_hint")}</span>
        <input type="date" name="day" value={sampleDay} onInput={(e) => setSampleDay((e.target as HTMLInputElement).value)} />
        <button class="primary">{t("sample_now")}</button>
      </form>
      {result && (
        <pre class={result.ok ? "ok" : "error"} data-testid="sampling-result">
          {result.text}
        </pre>
      )}
    </div>
  );
}
