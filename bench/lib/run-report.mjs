// `npm run bench`'s report: the verdicts against the issue's targets, the failures that make the
// bench exit non-zero, and the generated sections of docs/benchmarks.md (one for the comparison
// run, one for the fault run), every figure also as a ratio to the ceiling and to each peer.
import { join } from "node:path";
import { machineLine } from "./machine.mjs";
import { fmt, fmtInt, table, writeSection } from "./markdown.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const DOC = join(ROOT, "docs", "benchmarks.md");
const FOREIGN_LOAD_WARN = 0.15;
const ORDER = ["switchboard", "ceiling", "partyserver", "socketio"];

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${fmt(a / b, 2)}×` : "n/a");

function comparisonFailures(report) {
  const out = [];
  for (const t of Object.values(report.targets)) {
    if (!t.single.integrity.ok) out.push(`${t.kind} single conversation: ${JSON.stringify(t.single.integrity.counts)}`);
    if (!t.many.client.ok) out.push(`${t.kind} many conversations (clients): ${JSON.stringify(t.many.client.counts)} ${t.many.client.problems.slice(0, 3).join("; ")}`);
    if (t.many.reconcile && !t.many.reconcile.ok) out.push(`${t.kind} reconciliation (log/archive): ${JSON.stringify(t.many.reconcile.counts)} ${t.many.reconcile.problems.slice(0, 3).join("; ")}`);
    if (t.reloads > 0) out.push(`${t.kind}: wrangler reloaded the worker ${t.reloads} time(s) mid-run`);
  }
  if (report.routing && report.routing.exit_code !== 0) out.push(`routing burst exited with ${report.routing.exit_code}`);
  return out;
}

const kneeText = (t, report) => (t.many.knee > 0 ? fmtInt(t.many.knee) : `under ${fmtInt(report.options.rates[0])}`);

function comparisonVerdicts(report) {
  const t = report.targets;
  const s = t.switchboard;
  const c = t.ceiling;
  const p = t.partyserver;
  const v = [];
  if (s && c) {
    const r = s.single.throughput.acked_per_second / c.single.throughput.acked_per_second;
    v.push({ label: "Single conversation ≥ 60% of the ceiling's msg/s", verdict: r >= 0.6 ? "PASS" : "MISS", detail: `${fmtInt(s.single.throughput.acked_per_second)} vs ${fmtInt(c.single.throughput.acked_per_second)} msg/s = ${fmt(r * 100, 1)}%` });
    const l = s.single.latency.latency_ms.p99 / c.single.latency.latency_ms.p99;
    v.push({ label: "p99 ≤ 2× the ceiling's", verdict: l <= 2 ? "PASS" : "MISS", detail: `${fmt(s.single.latency.latency_ms.p99)} vs ${fmt(c.single.latency.latency_ms.p99)} ms = ${fmt(l)}×` });
  }
  if (s) {
    v.push({
      label: `Knee above 1,000 msg/s at ${fmtInt(report.options.conversations)} conversations`,
      verdict: s.many.knee > 1000 ? "PASS" : "MISS",
      detail: `knee ${s.many.knee > 0 ? fmtInt(s.many.knee) : `under ${fmtInt(report.options.rates[0])}`} msg/s${s.many.topped_out ? " (every step passed: the knee is higher)" : ""}`,
    });
  }
  if (s && p) {
    const ahead = s.single.throughput.acked_per_second >= p.single.throughput.acked_per_second && s.many.knee >= p.many.knee;
    v.push({
      label: "Ahead of the partyserver room (durability and dedup on)",
      verdict: ahead ? "PASS" : "MISS",
      detail: `single ${fmtInt(s.single.throughput.acked_per_second)} vs ${fmtInt(p.single.throughput.acked_per_second)} msg/s, knee ${kneeText(s, report)} vs ${kneeText(p, report)} msg/s`,
    });
  }
  const failures = comparisonFailures(report);
  v.push({ label: "Zero lost, duplicated or reordered messages", verdict: failures.length ? "MISS" : "PASS", detail: failures.length ? `${failures.length} problem(s)` : "every check passed" });
  return v;
}

function comparisonMarkdown(report, verdicts) {
  const targets = ORDER.map((k) => report.targets[k]).filter(Boolean);
  const o = report.options;
  const others = targets.filter((t) => t.kind !== "switchboard");
  const sb = report.targets.switchboard;
  const metric = (label, get, digits) => {
    const cells = targets.map((t) => (digits === 0 ? fmtInt(get(t)) : fmt(get(t), digits)));
    const ratios = sb ? others.map((t) => ratio(get(sb), get(t))) : [];
    return [label, ...cells, ...ratios];
  };
  // A knee of 0 means even the first step was over: shown as "< first step", no ratio.
  const kneeOf = (t) => (t.many.knee > 0 ? t.many.knee : NaN);
  const kneeRow = [
    `Many (${fmtInt(o.conversations)} conversations): knee, msg/s (p99 ≤ 100 ms)`,
    ...targets.map((t) => (t.many.knee > 0 ? `${fmtInt(t.many.knee)}${t.many.topped_out ? "+" : ""}` : `< ${fmtInt(o.rates[0])}`)),
    ...(sb ? others.map((t) => ratio(kneeOf(sb), kneeOf(t))) : []),
  ];
  const headers = ["Metric", ...targets.map((t) => t.title), ...(sb ? others.map((t) => `Switchboard / ${t.kind}`) : [])];
  const rows = [
    metric(`Single conversation: acked msg/s (window ${o.window}, ${fmtInt(o.messages)} msgs)`, (t) => t.single.throughput.acked_per_second, 0),
    metric(`Single: visitor→agent p50 ms (${o.rate} msg/s)`, (t) => t.single.latency.latency_ms.p50, 2),
    metric("Single: visitor→agent p95 ms", (t) => t.single.latency.latency_ms.p95, 2),
    metric("Single: visitor→agent p99 ms", (t) => t.single.latency.latency_ms.p99, 2),
    kneeRow,
    metric("Many: p99 ms at the knee", (t) => t.many.steps.find((s) => s.rate === t.many.knee)?.latency_ms.p99, 1),
    metric("Many: server CPU at the knee, cores", (t) => t.many.steps.find((s) => s.rate === t.many.knee)?.server_cores, 2),
  ];
  const rates = [...new Set(targets.flatMap((t) => t.many.steps.map((s) => s.rate)))].sort((a, b) => a - b);
  const stepRows = rates.map((rate) => [
    fmtInt(rate),
    ...targets.map((t) => {
      const s = t.many.steps.find((x) => x.rate === rate);
      if (!s) return "—";
      return `${fmt(s.latency_ms.p50, 1)} / ${fmt(s.latency_ms.p99, 1)}${s.complete ? "" : " (incomplete)"}; srv ${fmt(s.server_cores, 2)}, cli ${fmt(s.client_cores, 2)}${s.client_bound ? " ⚠" : ""}`;
    }),
  ]);
  const maxForeign = Math.max(0, ...targets.flatMap((t) => [t.single.throughput.load, t.single.latency.load, ...t.many.steps.map((s) => s.load)]).filter(Boolean).map((l) => l.foreign_cores));
  const clientBound = targets.flatMap((t) => t.many.steps.filter((s) => s.client_bound).map((s) => `${t.kind} @ ${s.rate}`));
  const a = sb?.many.archive;
  const rc = sb?.many.reconcile;
  const routing = report.routing?.result;
  const routingLine = report.routing
    ? routing
      ? `\`node bench/routing.mjs ${report.routing.args}\` (exit ${report.routing.exit_code}): see its own section below for the figures (${fmtInt(routing.options?.conversations)} conversations).`
      : `\`node bench/routing.mjs ${report.routing.args}\` exited with ${report.routing.exit_code} and wrote no result.`
    : "not run (`--no-routing`).";
  return `## Load run: Switchboard, the ceiling and the peers

Generated by \`npm run bench\` on ${report.date} (run ${report.run_id}).

**Machine.** ${machineLine(report.machine)}.${sb?.source?.commit ? ` Switchboard at commit \`${sb.source.commit}\`${sb.source.dirty ? " plus uncommitted changes" : ""}.` : ""}

${maxForeign >= FOREIGN_LOAD_WARN ? `> **Noisy run:** other processes used up to ${fmt(maxForeign)} cores during a phase (the machine was shared); read the figures as ratios.\n\n` : ""}${table(["Target", "Verdict", "Measured"], verdicts.map((v) => [v.label, v.verdict, v.detail]), ["l", "l", "l"])}

${table(headers, rows, ["l", ...headers.slice(1).map(() => "r")])}

**Many conversations, step by step** — p50 / p99 visitor→agent ms; server and client CPU in cores (⚠: the client was the bottleneck, or sent under 90% of the offered rate). Chart: [bench-knee.svg](bench-knee.svg).

${table(["Offered msg/s", ...targets.map((t) => t.title)], stepRows, ["r", ...targets.map(() => "l")])}
${clientBound.length ? `\nThe client (one Node process) was the bottleneck at: ${clientBound.join(", ")}; a knee there is the client's, not the server's.\n` : ""}
**Archive lag under that load** (Switchboard; ack → the conversation index shows the message's seq, polled every ${a?.every_ms ?? "—"} ms): ${
    a ? `p50 ${fmtInt(a.lag_ms.p50)} ms, p99 ${fmtInt(a.lag_ms.p99)} ms, max ${fmtInt(a.lag_ms.max)} ms over ${fmtInt(a.lag_ms.count)} messages; ${fmtInt(a.not_archived_after_drain)} not archived after the drain.` : "not measured."
  }

**Zero loss, reconciled** — ${targets
    .map((t) => `${t.title}: clients ${t.many.client.ok && t.single.integrity.ok ? "ok" : "FAILED"} (${fmtInt(t.many.client.acked)} of ${fmtInt(t.many.client.messages)} acked and delivered once, in order, + ${fmtInt(t.single.integrity.messages)} single)`)
    .join("; ")}.${
    rc
      ? ` Switchboard's side: ${fmtInt(rc.counts.conversations)} conversations read back from the log (events API) and from R2 (raw transcript) — ${fmtInt(rc.counts.acked)} acked; in the log ${fmtInt(rc.counts.in_log)} (missing ${rc.counts.missing_in_log}, duplicated ${rc.counts.duplicated_in_log}, out of order ${rc.counts.out_of_order_in_log}, seq mismatches ${rc.counts.seq_mismatch_in_log}, unacked ${rc.counts.unacked_in_log}); in R2 ${fmtInt(rc.counts.in_r2)} (missing ${rc.counts.missing_in_r2}, duplicated ${rc.counts.duplicated_in_r2}, out of order ${rc.counts.out_of_order_in_r2}, seq mismatches ${rc.counts.seq_mismatch_in_r2}, unacked ${rc.counts.unacked_in_r2}); chains failing verification ${rc.counts.r2_verify_failed}; archive index behind the log head: ${rc.counts.archive_behind}; confirmed watermark behind: ${rc.counts.archive_confirmed_behind ?? "n/a"}. ${rc.ok ? "**PASS**" : "**FAILED**"}`
      : ""
  }

**Routing burst** — ${routingLine}

Raw figures: \`bench/results/run-latest.json\` (not committed).`;
}

function faultFailures(report) {
  const f = report.faults;
  const out = [];
  if (!f.client.ok) out.push(`fault run (clients): ${JSON.stringify(f.client.counts)} ${f.client.problems.slice(0, 3).join("; ")}`);
  if (!f.reconcile.ok) out.push(`fault run (log/archive): ${JSON.stringify(f.reconcile.counts)} ${f.reconcile.problems.slice(0, 3).join("; ")}`);
  for (const i of f.injected) if (i.error) out.push(`fault "${i.fault}" could not be injected: ${i.error}`);
  return out;
}

function faultMarkdown(report, failures) {
  const f = report.faults;
  const rc = f.reconcile.counts;
  return `## Fault run: Switchboard under restarts, evictions, consumer failures and reconnect storms

Generated by \`npm run bench -- --faults\` on ${report.date} (run ${report.run_id}).

**Machine.** ${machineLine(report.machine)}.

${fmtInt(f.conversations)} conversations (a visitor and an agent socket each), ${fmtInt(f.rate)} msg/s in total for ${f.seconds} s; the archive consumer failed a share of ${f.consumer_fail_share} of its batches throughout (${fmtInt(f.consumer_batches_failed)} batches retried on purpose). Injected:

${table(["At", "Fault", "Effect"], f.injected.map((i) => [`${i.at_s} s`, i.fault, i.error ? `ERROR ${i.error}` : Object.entries(i).filter(([k]) => !["at_s", "fault"].includes(k)).map(([k, v]) => `${k} ${v}`).join(", ")]), ["r", "l", "l"])}

**What survived.** ${fmtInt(f.client.messages)} messages sent, ${fmtInt(f.client.acked)} acked; ${fmtInt(f.client.counts.reconnects)} socket reconnects with \`last_seq\`, ${fmtInt(f.client.counts.resent)} re-sends of unacked messages (${fmtInt(f.client.counts.duplicate_acks)} answered as duplicates). Clients: lost ${f.client.counts.lost}, duplicated ${f.client.counts.duplicated}, reordered ${f.client.counts.reordered}, seq mismatches ${f.client.counts.mismatched}, errors ${f.client.counts.errors}. Logs read back: ${fmtInt(rc.in_log)} stored; missing ${rc.missing_in_log}, duplicated ${rc.duplicated_in_log}, out of order ${rc.out_of_order_in_log}, unacked ${rc.unacked_in_log}. R2 read back: ${fmtInt(rc.in_r2)} archived; missing ${rc.missing_in_r2}, duplicated ${rc.duplicated_in_r2}, out of order ${rc.out_of_order_in_r2}, unacked ${rc.unacked_in_r2}; chains failing verification ${rc.r2_verify_failed}; archive index behind ${rc.archive_behind}, confirmed watermark behind ${rc.archive_confirmed_behind ?? "n/a"}. Latency over the whole run (faults included): p50 ${fmt(f.latency_ms.p50, 1)} ms, p99 ${fmt(f.latency_ms.p99, 1)} ms, max ${fmt(f.latency_ms.max, 0)} ms. Archive lag p50 ${fmtInt(f.archive.lag_ms.p50)} ms, p99 ${fmtInt(f.archive.lag_ms.p99)} ms; ${fmtInt(f.archive.not_archived_after_drain)} not archived after the drain.

${failures.length ? `**FAILED:**\n\n${failures.map((x) => `- ${x}`).join("\n")}` : "**Zero loss: PASS** — every acked message is in the clients' logs, the conversation logs and the archive index exactly once, in order."}

Raw figures: \`bench/results/faults-latest.json\` (not committed).`;
}

export function runReport(report) {
  if (report.faults) {
    const failures = faultFailures(report);
    const verdicts = [{ label: "Fault run: zero lost or duplicated messages", verdict: failures.length ? "MISS" : "PASS", detail: failures.length ? `${failures.length} problem(s)` : "every check passed" }];
    return { verdicts, failures, markdown: { write: () => writeSection(DOC, "bench:faults", faultMarkdown(report, failures)) } };
  }
  const verdicts = comparisonVerdicts(report);
  const failures = comparisonFailures(report);
  return { verdicts, failures, markdown: { write: () => writeSection(DOC, "bench:run", comparisonMarkdown(report, verdicts)) } };
}
