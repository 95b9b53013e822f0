// Canvas drawing of the Layer Inspector (heat maps, histograms, log bars) and the tensor card that holds a pair of them.

import { DEFAULT_HEATMAP_CELLS, type InspectorTensor } from './protocol';
import { themeVar } from '../page';
import {
  blockValue,
  displayGrid,
  divergingColor,
  formatStat,
  histogram,
  indexLabel,
  matrixShape,
  maxAbs,
  tensorStats,
  type Rgb,
  type TensorStats,
} from './numbers';

/** Bins of every histogram. */
export const HIST_BINS = 40;

function cssColor(name: string, fallback: string): Rgb {
  const raw = themeVar(getComputedStyle(document.body), name, fallback);
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return [128, 128, 128];
  ctx.fillStyle = '#000';
  ctx.fillStyle = raw;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}

/** Colours resolved from the theme's CSS variables at draw time. */
export type Palette = ReturnType<typeof palette>;

/** Scale colours from the theme: blue for negative, red for positive, the editor background at zero. */
export function palette() {
  const css = getComputedStyle(document.body);
  return {
    negative: cssColor('--vscode-charts-blue', '#3794ff'),
    positive: cssColor('--vscode-charts-red', '#f14c4c'),
    neutral: cssColor('--vscode-editor-background', '#1f1f1f'),
    invalid: cssColor('--vscode-charts-yellow', '#cca700'),
    bar: cssColor('--vscode-charts-blue', '#3794ff'),
    accent: cssColor('--vscode-charts-orange', '#d18616'),
    text: themeVar(css, '--vscode-descriptionForeground', '#9d9d9d'),
    foreground: themeVar(css, '--vscode-foreground', '#cccccc'),
  };
}

/** `document.createElement` with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const rgb = (c: Rgb) => `rgb(${c.join(',')})`;

/** Draws at most `maxCells` cells per side (the heat-map size setting); hover still reads exact values. */
function drawHeatMap(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  shape: readonly number[],
  limit: number,
  pal: Palette,
  maxCells: number,
) {
  const { rows, cols } = matrixShape(shape);
  const g = displayGrid(rows, cols, maxCells);
  canvas.width = g.drawCols;
  canvas.height = g.drawRows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return g;
  const img = ctx.createImageData(g.drawCols, g.drawRows);
  for (let r = 0; r < g.drawRows; r++) {
    for (let c = 0; c < g.drawCols; c++) {
      const v = blockValue(values, cols, r * g.rowStep, c * g.colStep, g.rowStep, g.colStep, rows);
      const i = (r * g.drawCols + c) * 4;
      const beyond = r * g.rowStep * cols + c * g.colStep >= values.length;
      const [R, G, B] = beyond
        ? pal.neutral
        : divergingColor(v, limit, pal.negative, pal.neutral, pal.positive, pal.invalid);
      img.data[i] = R;
      img.data[i + 1] = G;
      img.data[i + 2] = B;
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  // Displayed size: cells at least 4 px when small, the whole map at most 320 px wide.
  const cell = Math.max(1, Math.min(24, Math.floor(320 / Math.max(g.drawCols, 1))));
  canvas.style.width = `${g.drawCols * cell}px`;
  canvas.style.height = `${Math.min(g.drawRows * cell, 320)}px`;
  return g;
}

/** Sizes a canvas for crisp lines at the device's pixel ratio (CSSOM sizing, which the CSP allows). */
function hiDpi(canvas: HTMLCanvasElement, w: number, h: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext('2d');
  ctx?.scale(dpr, dpr);
  return ctx;
}

function drawHistogram(canvas: HTMLCanvasElement, counts: readonly number[], lo: number, hi: number, pal: Palette) {
  const w = 240,
    h = 90,
    pad = 14;
  const ctx = hiDpi(canvas, w, h);
  if (!ctx) return;
  const top = Math.max(1, ...counts);
  const bw = w / counts.length;
  ctx.fillStyle = rgb(pal.bar);
  counts.forEach((c, i) => {
    const bh = ((h - pad) * c) / top;
    ctx.fillRect(i * bw + 0.5, h - pad - bh, Math.max(1, bw - 1), bh);
  });
  ctx.fillStyle = pal.text;
  ctx.font = '10px sans-serif';
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  ctx.fillText(formatStat(lo), 0, h);
  ctx.textAlign = 'right';
  ctx.fillText(formatStat(hi), w, h);
}

/**
 * Horizontal bars on a shared log axis (`lengths` from `logBars`), one per label, with the value printed after the
 * bar. The caller gives the canvas its role and ARIA label: the numbers are in the section's table too.
 */
export function drawLogBars(
  canvas: HTMLCanvasElement,
  bars: { label: string; value: number; length: number }[],
  axis: { lo: number; hi: number },
  pal: Palette,
): void {
  const w = 320,
    rowH = 18,
    labelW = 64,
    valueW = 64,
    top = 2;
  const h = top + bars.length * rowH + 14;
  const ctx = hiDpi(canvas, w, h);
  if (!ctx) return;
  const span = w - labelW - valueW;
  ctx.font = '11px sans-serif';
  ctx.textBaseline = 'middle';
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    ctx.fillStyle = pal.foreground;
    ctx.textAlign = 'left';
    ctx.fillText(b.label, 0, y + rowH / 2);
    const len = Math.max(0, Math.min(1, b.length)) * span;
    ctx.fillStyle = rgb(i === 0 ? pal.bar : pal.accent);
    ctx.fillRect(labelW, y + 3, len, rowH - 6);
    ctx.fillStyle = pal.foreground;
    ctx.fillText(formatStat(b.value), labelW + len + 4, y + rowH / 2);
  });
  // Decade ticks make the log scale readable: the gap between bar ends is the factor in decades.
  ctx.fillStyle = pal.text;
  ctx.font = '9px sans-serif';
  ctx.textBaseline = 'bottom';
  const decades = axis.hi - axis.lo;
  const every = Math.max(1, Math.ceil(decades / 6));
  for (let d = 0; d <= decades; d += every) {
    const x = labelW + (d / decades) * span;
    ctx.textAlign = d === 0 ? 'left' : d === decades ? 'right' : 'center';
    ctx.fillText(`1e${axis.lo + d}`, x, h);
    ctx.fillRect(x, h - 13, 1, 3);
  }
}

/** What a tensor card reports to the readout. */
export interface CardReadout {
  name: string;
  shape: number[];
  stats: TensorStats;
  histogram: number[];
  limit: number;
  drawRows: number;
  drawCols: number;
}

/**
 * A tensor's card: heat map (with exact values on hover) and histogram. `k` numbers the canvases (`heat-k`,
 * `hist-k`) across every card on the page, so tests and `colorOf` can address them.
 */
export function tensorCard(
  t: InspectorTensor,
  k: number,
  pal: Palette,
  hover: HTMLElement,
  maxCells = DEFAULT_HEATMAP_CELLS,
): { card: HTMLElement; readout: CardReadout; shapeText: string } {
  const stats = tensorStats(t.values);
  const hist = histogram(t.values, HIST_BINS, stats);
  const limit = maxAbs(t.values);
  const shapeText = t.shape.join('×');
  const card = el('section', 'tensor');
  card.setAttribute('aria-label', `${t.name}, ${shapeText}`);
  const head = el('h3', undefined, `${t.name} `);
  head.appendChild(el('span', 'meta', `${shapeText}${t.truncated ? ` · first ${t.values.length} values` : ''}`));
  card.appendChild(head);
  const row = el('div', 'plots');
  const heat = el('canvas', 'heat');
  heat.id = `heat-${k}`;
  heat.setAttribute('role', 'img');
  heat.setAttribute(
    'aria-label',
    `Heat map of ${t.name}: min ${formatStat(stats.min)}, max ${formatStat(stats.max)}; values in the stats table`,
  );
  heat.tabIndex = 0;
  const g = drawHeatMap(heat, t.values, t.shape, limit, pal, maxCells);
  const { rows, cols } = matrixShape(t.shape);
  heat.addEventListener('mousemove', (e) => {
    const rect = heat.getBoundingClientRect();
    const r = Math.min(rows - 1, Math.floor(((e.clientY - rect.top) / rect.height) * g.drawRows) * g.rowStep);
    const c = Math.min(cols - 1, Math.floor(((e.clientX - rect.left) / rect.width) * g.drawCols) * g.colStep);
    const flat = r * cols + c;
    hover.textContent =
      flat < t.values.length ? `${t.path}${indexLabel(flat, t.shape)} = ${t.values[flat]}` : `${t.path}: not fetched`;
    hover.hidden = false;
    hover.style.left = `${e.pageX + 12}px`;
    hover.style.top = `${e.pageY + 12}px`;
  });
  heat.addEventListener('mouseleave', () => {
    hover.hidden = true;
  });
  const hc = el('canvas', 'hist');
  hc.id = `hist-${k}`;
  hc.setAttribute('role', 'img');
  hc.setAttribute(
    'aria-label',
    `Histogram of ${t.name}, ${HIST_BINS} bins from ${formatStat(hist.lo)} to ${formatStat(hist.hi)}`,
  );
  drawHistogram(hc, hist.counts, hist.lo, hist.hi, pal);
  const heatBox = el('figure', 'plot');
  const nf = stats.nonFinite ? ` · ${stats.nonFinite} NaN/∞ in yellow` : '';
  heatBox.append(heat, el('figcaption', 'meta', `blue −${formatStat(limit)} … 0 … +${formatStat(limit)} red${nf}`));
  const histBox = el('figure', 'plot');
  histBox.append(hc, el('figcaption', 'meta', 'histogram'));
  row.append(heatBox, histBox);
  card.appendChild(row);
  return {
    card,
    shapeText,
    readout: {
      name: t.name,
      shape: [...t.shape],
      stats,
      histogram: hist.counts,
      limit,
      drawRows: g.drawRows,
      drawCols: g.drawCols,
    },
  };
}
