// A small line chart in plain SVG: a few series over the same buckets, gaps where a value is null.
// Hand-rolled rather than a chart library: four line charts do not justify 40+ KB in the bundle.

export interface ChartSeries {
  name: string;
  values: (number | null)[];
}

const COLORS = ["#2f5bea", "#e5484d", "#12a150", "#f5a524", "#8e4ec6", "#0091b8", "#d6409f", "#6b7385"];
const W = 560;
const H = 200;
const PAD = { left: 48, right: 12, top: 10, bottom: 26 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/** `counts`: whole numbers, so the axis steps by whole numbers too. `empty`: said when no bucket has a value. */
export function LineChart({ title, labels, series, format, testid, counts, empty }: { title: string; labels: string[]; series: ChartSeries[]; format(v: number): string; testid: string; counts?: boolean; empty: string }) {
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const top = niceMax(Math.max(0, ...values));
  const max = counts ? Math.max(4, Math.ceil(top / 4) * 4) : top;
  const x = (i: number) => PAD.left + (labels.length <= 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (labels.length - 1));
  const y = (v: number) => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const every = Math.max(1, Math.ceil(labels.length / 6));
  return (
    <figure class="chart" data-testid={testid}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {(values.length ? ticks : [0]).map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} class="grid" />
            <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end" class="axis">
              {format(v)}
            </text>
          </g>
        ))}
        {labels.map((l, i) =>
          i % every === 0 ? (
            <text key={l} x={x(i)} y={H - 8} text-anchor="middle" class="axis">
              {l}
            </text>
          ) : null,
        )}
        {series.map((s, si) => {
          // One path, broken where a bucket has no value.
          let d = "";
          let pen = false;
          s.values.forEach((v, i) => {
            if (v === null) return void (pen = false);
            d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
            pen = true;
          });
          const color = COLORS[si % COLORS.length];
          return (
            <g key={s.name} data-series={s.name}>
              <path d={d} fill="none" stroke={color} stroke-width="2" />
              {s.values.map((v, i) => (v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r={labels.length > 60 ? 1.5 : 3} fill={color}>
                <title>{`${s.name} · ${labels[i]}: ${format(v)}`}</title>
              </circle>))}
            </g>
          );
        })}
        {values.length === 0 && (
          <text x={W / 2} y={H / 2} text-anchor="middle" class="empty-chart">
            {empty}
          </text>
        )}
      </svg>
      {series.length > 1 || series[0]?.name ? (
        <div class="legend">
          {series.map((s, si) => (
            <span key={s.name}>
              <i style={{ background: COLORS[si % COLORS.length] }} />
              {s.name}
            </span>
          ))}
        </div>
      ) : null}
    </figure>
  );
}
