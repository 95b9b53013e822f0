// The Layer Inspector's sections (stats grid, clipping, δ decomposition, gradient check, optimizer heading, step
// slider) over static markup.

import type { LayerClip, LayerDecomposition, LayerHistory, LayerOptimizer } from '../../wire/types';
import type { InspectorGradCheck } from './protocol';
import { deltaVerdict, formatPercent, formatStat, logBars, type TensorStats } from './numbers';
import { drawLogBars, type Palette } from './draw';

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const setText = (id: string, text: string) => {
  byId(id).textContent = text;
};

/** Replaces a two-column table's body with label/value rows (the label a row header). */
function fillPairs(tableId: string, rows: readonly [string, string][]): void {
  const body = byId<HTMLTableElement>(tableId).tBodies[0];
  body.replaceChildren();
  for (const [k, v] of rows) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = k;
    tr.appendChild(th);
    tr.insertCell().textContent = v;
  }
}

/** One row of the stats grid. */
export interface GridRow {
  readonly name: string;
  readonly shape: string;
  readonly stats: TensorStats;
}

/**
 * Replaces the data rows of the stats grid (the header row is static markup). Rows are built as elements rather
 * than through `rowsData` so the text is in the DOM for screen readers and tests. Returns each row's cell texts.
 */
export function renderGrid(rows: readonly GridRow[]): string[][] {
  const grid = byId('stats');
  // Only our rows go: the grid keeps a placeholder comment of its own among its children.
  grid.querySelectorAll('vscode-data-grid-row:not([row-type="header"])').forEach((r) => r.remove());
  const texts: string[][] = [];
  for (const r of rows) {
    const s = r.stats;
    const cells = [r.name, r.shape, ...[s.mean, s.std, s.min, s.max, s.norm, s.fractionZero].map(formatStat)];
    const row = document.createElement('vscode-data-grid-row');
    cells.forEach((text, i) => {
      const cell = document.createElement('vscode-data-grid-cell');
      cell.setAttribute('grid-column', String(i + 1));
      if (i === 0) cell.setAttribute('cell-type', 'rowheader');
      cell.textContent = text;
      row.appendChild(cell);
    });
    grid.appendChild(row);
    texts.push(cells);
  }
  return texts;
}

/** What the Clipping section shows: its table as label/value pairs and the share bar's width. */
export interface ClipReadout {
  rows: [string, string][];
  barWidth: string;
}

/** Fills the Clipping section, or hides it when the host sent no clip picture. */
export function renderClip(c: LayerClip | null | undefined): ClipReadout | null {
  const section = byId('clip');
  section.hidden = !c;
  if (!c) return null;
  const rows: [string, string][] = [
    ['global ‖g‖ before → after', `${formatStat(c.normBefore)} → ${formatStat(c.normAfter)}`],
    ['coefficient', c.coefficient === 1 ? '1 (not clipped)' : formatStat(c.coefficient)],
    ['threshold', c.threshold === null ? 'no clip norm' : formatStat(c.threshold)],
    ['this layer’s ‖∂L/∂W‖', formatStat(c.layerNorm)],
    ['its share of ‖g‖²', formatPercent(c.share)],
  ];
  fillPairs('clip-table', rows);
  const share = Number.isFinite(c.share) ? Math.max(0, Math.min(1, c.share)) : 0;
  const barWidth = `${(share * 100).toFixed(1)}%`;
  // CSSOM, not a style attribute: the CSP forbids inline styles in markup, not this.
  byId('clip-fill').style.width = barWidth;
  byId('clip-bar').setAttribute(
    'aria-label',
    `This layer's share of the squared global gradient norm: ${formatPercent(c.share)}`,
  );
  return { rows, barWidth };
}

/** What the δ decomposition section shows. */
export interface DecompositionReadout {
  factor: number;
  verdict: string;
  rows: [string, string][];
  barsLabel: string;
}

/** Fills the δ decomposition section (table, verdict, log-scale bars), or hides it. */
export function renderDecomposition(
  d: LayerDecomposition | null | undefined,
  pal: Palette,
): DecompositionReadout | null {
  const section = byId('decomp');
  section.hidden = !d;
  if (!d) return null;
  const { factor, verdict } = deltaVerdict(d.upstreamNorm, d.deltaNorm, d.activation);
  const rows: [string, string][] = [
    [`‖∂L/∂a‖ (${d.upstreamFrom})`, formatStat(d.upstreamNorm)],
    [`φ′(z) mean / max (${d.activation})`, `${formatStat(d.phiPrimeMean)} / ${formatStat(d.phiPrimeMax)}`],
    ['‖δ‖ = ‖∂L/∂a ⊙ φ′(z)‖', formatStat(d.deltaNorm)],
    ['factor ‖δ‖ / ‖∂L/∂a‖', `×${formatStat(factor)}`],
  ];
  fillPairs('decomp-table', rows);
  setText('decomp-verdict', verdict);
  const values = [d.upstreamNorm, d.deltaNorm];
  const axis = logBars(values);
  const canvas = byId<HTMLCanvasElement>('decomp-bars');
  drawLogBars(
    canvas,
    [
      { label: '‖∂L/∂a‖', value: values[0], length: axis.lengths[0] },
      { label: '‖δ‖', value: values[1], length: axis.lengths[1] },
    ],
    axis,
    pal,
  );
  const barsLabel = `Log-scale bars: ‖∂L/∂a‖ = ${formatStat(values[0])}, ‖δ‖ = ${formatStat(values[1])}, factor ×${formatStat(factor)}`;
  canvas.setAttribute('aria-label', barsLabel);
  return { factor, verdict, rows, barsLabel };
}

/** What the Gradient check section shows. */
export interface GradCheckReadout {
  rows: [string, string][];
  verdict: string;
}

/** Fills the Gradient check section (Check Gradients Here's report of this layer), or hides it. */
export function renderGradCheck(g: InspectorGradCheck | null | undefined): GradCheckReadout | null {
  const section = byId('gradcheck');
  section.hidden = !g;
  if (!g) return null;
  const rows: [string, string][] = g.rows.map((r) => [
    r.path,
    `${r.maxRelError.toExponential(1)} · ${r.ok ? 'ok' : 'WRONG'} (${r.checked} of ${r.total})`,
  ]);
  fillPairs('gradcheck-table', rows);
  const bad = g.rows.filter((r) => !r.ok).length;
  const verdict = bad
    ? `${bad} of ${g.rows.length} gradients disagree with finite differences (tolerance ${g.tolerance})`
    : `all ${g.rows.length} gradients agree with finite differences (tolerance ${g.tolerance})`;
  setText('gradcheck-meta', `worst relative error against float64 central differences, step ${g.step}`);
  setText('gradcheck-verdict', verdict);
  byId('gradcheck-verdict').dataset.ok = String(bad === 0);
  return { rows, verdict };
}

/** Fills the Optimizer heading; the caller draws the state tensors into `#opt-tensors`. */
export function renderOptimizerHead(o: LayerOptimizer<unknown> | null | undefined): HTMLElement | null {
  const section = byId('optimizer');
  section.hidden = !o;
  const list = byId('opt-tensors');
  list.replaceChildren();
  if (!o) return null;
  setText('opt-meta', `${o.kind} · lr ${formatStat(o.lr)} · t ${formatStat(o.t)}`);
  byId('opt-empty').hidden = o.tensors.length > 0;
  return list;
}

/** What the step slider shows. */
export interface SliderReadout {
  min: number;
  max: number;
  value: number;
  live: boolean;
  text: string;
  followVisible: boolean;
}

/** The slider's text for a step, shared by rendering and the preview while dragging. */
export function stepText(step: number, h: LayerHistory): string {
  return `step ${step} of ${h.first}–${h.last}`;
}

/** While the user moves the slider: the text and the value a screen reader announces follow it before any scrub. */
export function previewStep(step: number, h: LayerHistory): void {
  const text = stepText(step, h);
  setText('step-text', text);
  const status = step === h.step ? (h.live ? 'live' : 'earlier step') : 'not loaded yet';
  byId('step-slider').setAttribute('aria-valuetext', `${text}, ${status}`);
}

/** Sets up the step slider from the history, or hides it when there is nothing to scrub through. */
export function renderHistory(h: LayerHistory | null | undefined): SliderReadout | null {
  const bar = byId('history');
  bar.hidden = !h || h.first === h.last;
  if (!h || h.first === h.last) return null;
  const slider = byId<HTMLInputElement>('step-slider');
  slider.min = String(h.first);
  slider.max = String(h.last);
  slider.value = String(h.step);
  const text = stepText(h.step, h);
  slider.setAttribute('aria-valuetext', `${text}${h.live ? ', live' : ', earlier step'}`);
  setText('step-text', text);
  const badge = byId('step-live');
  badge.textContent = h.live ? 'live' : 'earlier step';
  badge.dataset.live = String(h.live);
  byId('follow').hidden = h.live;
  return { min: h.first, max: h.last, value: h.step, live: h.live, text, followVisible: !h.live };
}
