// The bench's picture: test-results/bench.html, one self-contained page (inline SVG and CSS, no script) with, per
// network, a bar per engine on a log scale of samples/s — nnet, every peer, and the limits (our kernels alone, the
// OpenBLAS sgemm peak) — each peer labelled with nnet's ratio to it; then the targets as PASS/FAIL.

import type { BenchJson } from './benchJson';
import { standingSummary, targetsOf, type Standing } from './targets';

/** How engines are named on the page. */
export const ENGINE_LABELS: Readonly<Record<string, string>> = {
  nnet: 'nnet',
  'nnet-js': 'nnet (no SIMD)',
  'tfjs-cpu': 'TensorFlow.js cpu',
  'tfjs-wasm': 'TensorFlow.js wasm',
  convnetjs: 'ConvNetJS',
  pytorch: 'PyTorch, 1 thread',
  'pytorch-mt': 'PyTorch, all threads',
  openblas: 'C + OpenBLAS, 1 thread',
  'openblas-mt': 'C + OpenBLAS, all threads',
};

/** One bar: an engine's samples/s, or a limit's samples/s equivalent. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly kind: 'nnet' | 'peer' | 'limit';
  /** nnet ÷ this bar, when both are measured. */
  readonly ratio: number | null;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** 2.49M, 851k, 28.1k, 1.66k, 420. */
export function formatRate(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(2)}k`;
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

const formatRatio = (r: number) =>
  `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;

/** A power of ten as an axis label: 1, 10, 100, 1k … 100G. */
const tickLabel = (e: number) =>
  e < 0 ? `1e${e}` : `${10 ** (e % 3)}${['', 'k', 'M', 'G', 'T'][Math.floor(e / 3)] ?? `e${e - (e % 3)}`}`;

/** The bars of one network: engines as measured, then the limits converted to samples/s. */
export function barsOf(r: BenchJson, net: string): Bar[] {
  const s = r.samplesPerSec?.[net] ?? {};
  const nnet = s.nnet?.samplesPerSec ?? null;
  const bars: Bar[] = [];
  const add = (label: string, value: number | null | undefined, kind: Bar['kind']) => {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0)
      bars.push({ label, value, kind, ratio: kind !== 'nnet' && nnet !== null ? nnet / value : null });
  };
  for (const [e, m] of Object.entries(s)) add(ENGINE_LABELS[e] ?? e, m.samplesPerSec, e === 'nnet' ? 'nnet' : 'peer');
  const k = r.netKernels?.[net];
  const batch = r.networks?.[net]?.batch;
  if (k?.status === 'ok' && batch)
    add('nnet kernels only (limit)', (k.kernelsGflops * 1e9 * batch) / k.flopsPerStep, 'limit');
  const peak = r.openBlasPeak,
    weights = r.networks?.[net]?.weights;
  if (peak && typeof peak === 'object' && weights)
    for (const [threads, g] of Object.entries(peak.gflops))
      add(
        `OpenBLAS sgemm peak, ${threads} thread${threads === '1' ? '' : 's'} (limit)`,
        g === null ? null : (g * 1e9) / (6 * weights),
        'limit',
      );
  return bars;
}

/** An SVG of horizontal bars on a log scale, one per bar, with values and ratios written beside them. */
export function barChart(bars: readonly Bar[]): string {
  if (!bars.length) return '<p class="none">no measurement</p>';
  const labelW = 260,
    plotW = 440,
    rightW = 190,
    rowH = 22,
    top = 22;
  const lo = Math.floor(Math.log10(Math.min(...bars.map((b) => b.value)))),
    hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...bars.map((b) => b.value)))));
  const px = (v: number) => ((Math.log10(v) - lo) / (hi - lo)) * plotW;
  const h = top + bars.length * rowH + 6;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + rightW}" height="${h}" role="img">`,
  ];
  for (let e = lo; e <= hi; e++) {
    const gx = labelW + px(10 ** e);
    parts.push(
      `<line x1="${gx.toFixed(1)}" y1="${top - 4}" x2="${gx.toFixed(1)}" y2="${h - 4}" class="grid"/>`,
      `<text x="${gx.toFixed(1)}" y="${top - 8}" class="tick">${esc(tickLabel(e))}</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH,
      w = Math.max(1, px(b.value));
    const ratio = b.ratio === null ? '' : ` · nnet ${formatRatio(b.ratio)}`;
    parts.push(
      `<text x="${labelW - 8}" y="${y + 15}" class="label">${esc(b.label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" class="bar ${b.kind}"/>`,
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}" class="value">${esc(formatRate(b.value))}${esc(ratio)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const STANDING_CLASS: Record<Standing, string> = { PASS: 'pass', FAIL: 'fail', 'n/a': 'na', info: 'info' };

/** The whole page. */
export function renderReport(r: BenchJson): string {
  const nets = Object.keys(r.samplesPerSec ?? {});
  const targets = targetsOf(r);
  const sections = nets.map((n) => {
    const info = r.networks?.[n];
    const title = info ? `${n}: ${info.shape} (${info.weights.toLocaleString('en')} weights, batch ${info.batch})` : n;
    return `<section><h2>${esc(title)}</h2>\n${barChart(barsOf(r, n))}\n</section>`;
  });
  const rows = targets
    .map(
      (t) =>
        `<tr class="${STANDING_CLASS[t.standing]}"><td>${esc(t.target)}</td><td>${esc(t.goal)}</td><td>${esc(t.measured)}</td><td>${t.standing}</td></tr>`,
    )
    .join('\n');
  const s = r.settings;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nnet bench ${esc(r.date)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; max-width: 960px; }
h1 { font-size: 20px; } h2 { font-size: 15px; margin: 22px 0 4px; }
.meta { color: #555; }
svg text { font: 12px system-ui, sans-serif; }
.label { text-anchor: end; } .tick { text-anchor: middle; fill: #777; font-size: 11px; }
.grid { stroke: #ddd; } .bar.nnet { fill: #1f6fd1; } .bar.peer { fill: #9aa3ad; }
.bar.limit { fill: #f3c58a; stroke: #c27a18; stroke-dasharray: 3 2; }
table { border-collapse: collapse; margin-top: 8px; } td, th { border-bottom: 1px solid #e4e4e4; padding: 3px 8px; text-align: left; }
tr.pass td:last-child { color: #17803d; font-weight: 600; } tr.fail td:last-child { color: #c0262d; font-weight: 600; }
tr.na td:last-child, tr.info td:last-child { color: #777; } td:nth-child(2) { white-space: nowrap; }
</style></head>
<body>
<h1>nnet bench: samples per second, log scale</h1>
<p class="meta">${esc(r.date)} · ${esc(r.machine)} · ${s.seconds} s timed after ${s.warmup} s warm-up, median of ${s.reps} fresh processes per engine and network.
Bars: <span style="color:#1f6fd1">nnet</span>, peers in grey labelled with nnet's ratio to them (&gt; 1× means nnet is faster), limits dashed: our kernels alone on the network's products, and OpenBLAS sgemm's peak as samples/s (6 × weights flops per sample).</p>
${sections.join('\n')}
<h2>Targets (${esc(standingSummary(targets))})</h2>
<table><thead><tr><th>target</th><th>goal</th><th>measured</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
