// The knee chart: p99 visitor→agent latency against offered aggregate rate, one line per target,
// with the 100 ms line; a plain SVG so the docs need nothing to render it.
const COLORS = { switchboard: "#1f6feb", ceiling: "#6e7781", partyserver: "#d1242f", socketio: "#1a7f37" };
const esc = (s) => String(s).replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);

export function kneeChart(report) {
  const W = 720;
  const H = 420;
  const m = { l: 64, r: 170, t: 40, b: 50 };
  const series = Object.values(report.targets ?? {}).map((t) => ({
    kind: t.kind,
    title: t.title,
    points: t.many.steps.filter((s) => Number.isFinite(s.latency_ms.p99)).map((s) => [s.rate, s.latency_ms.p99]),
    knee: t.many.knee,
  }));
  const maxX = Math.max(1000, ...series.flatMap((s) => s.points.map((p) => p[0])));
  const maxY = 400;
  // Log scale for latency: 1 ms … 400 ms and more (clipped at the top).
  const y = (v) => m.t + (H - m.t - m.b) * (1 - Math.log10(Math.min(maxY, Math.max(1, v))) / Math.log10(maxY));
  const x = (v) => m.l + ((W - m.l - m.r) * v) / maxX;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${m.l}" y="22" font-size="14" font-weight="bold">p99 visitor→agent latency vs offered rate, ${esc(report.options.conversations)} conversations (run ${esc(report.run_id)})</text>`);
  for (const v of [1, 2, 5, 10, 20, 50, 100, 200, 400]) {
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 100 ? "#cf222e" : "#eaeef2"}" ${v === 100 ? 'stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  const tick = maxX <= 2000 ? 250 : maxX <= 5000 ? 500 : 1000;
  for (let v = 0; v <= maxX; v += tick) {
    out.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#57606a"/>`);
    out.push(`<text x="${x(v)}" y="${H - m.b + 18}" text-anchor="middle">${v}</text>`);
  }
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#57606a"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">offered aggregate rate, msg/s</text>`);
  out.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">p99 ms (log)</text>`);
  series.forEach((s, i) => {
    const color = COLORS[s.kind] ?? "#000";
    if (s.points.length) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(" ")}"/>`);
      for (const [a, b] of s.points) out.push(`<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = m.t + 10 + i * 36;
    out.push(`<rect x="${W - m.r + 14}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${W - m.r + 32}" y="${ly + 1}">${esc(s.title)}</text>`);
    out.push(`<text x="${W - m.r + 32}" y="${ly + 16}" fill="#57606a">knee ${s.knee} msg/s</text>`);
  });
  out.push(`<text x="${W - m.r - 4}" y="${y(100) - 5}" text-anchor="end" fill="#cf222e">100 ms</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
