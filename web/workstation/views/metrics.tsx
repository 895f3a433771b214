// The metrics dashboard (admins, supervisors): volume, first response time, queue wait and
// resolution rate over a chosen range, by day or hour, split by group, agent or channel
// (`GET /api/metrics`, docs/metrics.md). Supervisors get only their own groups' rows.
import { useEffect, useState } from "preact/hooks";
import type { Directory } from "../../shared/wire.ts";
import { api, ApiError } from "../api.ts";
import { useT } from "../app.tsx";
import { LineChart } from "./chart.tsx";

/** The fields of `GET /api/metrics` this view reads (the full shape: docs/api.md "Metrics"). */
interface Figures {
  started: number;
  avg_first_response_ms: number | null;
  avg_queue_wait_ms: number | null;
  resolution_rate: number | null;
}
interface MetricsReport {
  timezone: string;
  series: { key: string; points: (Figures & { bucket: string })[]; totals: Figures }[];
  totals: Figures;
}

type By = "workspace" | "group" | "agent" | "channel";
const day = (d: Date) => d.toISOString().slice(0, 10);

/** Every bucket label from `from` to `to`, so quiet days show as zero/gaps instead of vanishing. */
function buckets(from: string, to: string, bucket: "day" | "hour"): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const d = new Date(t).toISOString().slice(0, 10);
    if (bucket === "day") out.push(d);
    else for (let h = 0; h < 24; h++) out.push(`${d}T${String(h).padStart(2, "0")}`);
  }
  return out;
}

/** Durations as an agent reads them; under ten seconds with a decimal, so sub-second steps stay apart. */
const seconds = (ms: number) =>
  ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`;
const percent = (r: number) => `${Math.round(r * 100)} %`;

export function Metrics({ directory }: { directory: Directory | null }) {
  const t = useT();
  const [from, setFrom] = useState(() => day(new Date(Date.now() - 6 * 86_400_000)));
  const [to, setTo] = useState(() => day(new Date()));
  const [bucket, setBucket] = useState<"day" | "hour">("day");
  const [by, setBy] = useState<By>("workspace");
  const [report, setReport] = useState<MetricsReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    setError(null);
    void api<MetricsReport>(`/api/metrics?from=${from}&to=${to}&bucket=${bucket}&by=${by}`).then(setReport, (err) =>
      setError(err instanceof ApiError ? `${err.message}${err.details.map((d) => ` (${d.path}: ${d.message})`).join("")}` : String(err)),
    );
  }, [from, to, bucket, by, reload]);

  const name = (key: string) =>
    by === "workspace" ? "" : key === "" ? t("none_key") : by === "group" ? (directory?.groups.find((g) => g.id === key)?.name ?? key) : by === "agent" ? (directory?.users.find((u) => u.id === key)?.name ?? key) : key;
  const labels = buckets(from, to, bucket);
  const shortLabels = labels.map((l) => (bucket === "day" ? l.slice(5) : l.slice(5).replace("T", " ") + "h"));
  const chart = (pick: (f: Figures) => number | null, zeroWhenMissing: boolean) =>
    (report?.series ?? []).map((s) => {
      const at = new Map(s.points.map((p) => [p.bucket, p]));
      return { name: name(s.key), values: labels.map((l) => (at.has(l) ? pick(at.get(l)!) : zeroWhenMissing ? 0 : null)) };
    });
  const tot = report?.totals;

  return (
    <section class="admin metrics" data-testid="metrics">
      <h2>{t("metrics")}</h2>
      <form class="metrics-controls" onSubmit={(e) => e.preventDefault()}>
        <label class="field">
          {t("from")}
          <input type="date" name="from" value={from} max={to} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          {t("to")}
          <input type="date" name="to" value={to} min={from} onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          {t("bucket")}
          <select name="bucket" value={bucket} onChange={(e) => setBucket((e.target as HTMLSelectElement).value as "day")}>
            <option value="day">{t("by_day")}</option>
            <option value="hour">{t("by_hour")}</option>
          </select>
        </label>
        <label class="field">
          {t("split_by")}
          <select name="by" value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value as By)}>
            <option value="workspace">{t("whole_workspace")}</option>
            <option value="group">{t("group")}</option>
            <option value="agent">{t("agent")}</option>
            <option value="channel">{t("channel")}</option>
          </select>
        </label>
        <button type="button" data-testid="refresh" onClick={() => setReload((n) => n + 1)}>
          {t("refresh")}
        </button>
        {report && <span class="muted small">{t("timezone", { tz: report.timezone })}</span>}
      </form>
      {error && <p class="error">{error}</p>}
      {tot && (
        <div class="tiles">
          <Tile testid="tile-volume" label={t("volume")} value={String(tot.started)} />
          <Tile testid="tile-frt" label={t("frt")} value={tot.avg_first_response_ms === null ? "—" : seconds(tot.avg_first_response_ms)} />
          <Tile testid="tile-wait" label={t("queue_wait")} value={tot.avg_queue_wait_ms === null ? "—" : seconds(tot.avg_queue_wait_ms)} />
          <Tile testid="tile-resolution" label={t("resolution_rate")} value={tot.resolution_rate === null ? "—" : percent(tot.resolution_rate)} />
        </div>
      )}
      {report && (
        <div class="charts">
          <LineChart testid="chart-volume" title={t("volume")} labels={shortLabels} series={chart((f) => f.started, true)} format={(v) => String(Math.round(v))} counts empty={t("no_data")} />
          <LineChart testid="chart-frt" title={t("frt")} labels={shortLabels} series={chart((f) => f.avg_first_response_ms, false)} format={seconds} empty={t("no_data")} />
          <LineChart testid="chart-wait" title={t("queue_wait")} labels={shortLabels} series={chart((f) => f.avg_queue_wait_ms, false)} format={seconds} empty={t("no_data")} />
          <LineChart testid="chart-resolution" title={t("resolution_rate")} labels={shortLabels} series={chart((f) => f.resolution_rate, false)} format={percent} empty={t("no_data")} />
        </div>
      )}
    </section>
  );
}

function Tile({ label, value, testid }: { label: string; value: string; testid: string }) {
  return (
    <div class="tile" data-testid={testid}>
      <div class="muted small">{label}</div>
      <div class="tile-value">{value}</div>
    </div>
  );
}
