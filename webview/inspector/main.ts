// Entry point of the Layer Inspector panel: heat maps, histograms and a stats table of the paused layer's tensors.

import './style.css';
import { provideVSCodeDesignSystem, vsCodeButton } from '@vscode/webview-ui-toolkit';
import {
  blockValue, displayGrid, divergingColor, formatStat, histogram, indexLabel, matrixShape, maxAbs, tensorStats, type Rgb, type TensorStats,
} from './numbers';
import { parseHostToInspector, type HostToInspector, type InspectorToHost } from './protocol';

interface VsCodeApi {
  postMessage(message: InspectorToHost): void;
  getState(): unknown;
  setState(state: PersistedInspector): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PersistedInspector {
  readonly version: 1;
  readonly message: HostToInspector;
}

/** What the panel shows, copied out for tests. */
export interface InspectorReadout {
  title: string;
  tensors: { name: string; shape: number[]; stats: TensorStats; histogram: number[]; limit: number; drawRows: number; drawCols: number }[];
}
declare global {
  interface Window {
    nnetInspector?: { read(): InspectorReadout; colorOf(tensor: number, value: number): Rgb };
  }
}

provideVSCodeDesignSystem().register(vsCodeButton());
const vscode = acquireVsCodeApi();

/** Heat maps draw at most this many cells per side; hover still reads exact values. */
const MAX_CELLS = 256;
const HIST_BINS = 40;

const title = document.getElementById('title') as HTMLElement;
const where = document.getElementById('where') as HTMLElement;
const list = document.getElementById('tensors') as HTMLElement;
const scalars = document.getElementById('scalars') as HTMLTableElement;
const statsBody = (document.getElementById('stats') as HTMLTableElement).tBodies[0];
const hover = document.getElementById('hover') as HTMLElement;

let current: HostToInspector = { kind: 'empty', text: 'Pause the nnet debugger on a layer to inspect it.' };
let readout: InspectorReadout = { title: '', tensors: [] };
const limits: number[] = [];

function cssColor(name: string, fallback: string): Rgb {
  const raw = getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return [128, 128, 128];
  ctx.fillStyle = '#000';
  ctx.fillStyle = raw;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}

/** Scale colours from the theme: blue for negative, red for positive, the editor background at zero. */
function palette() {
  return {
    negative: cssColor('--vscode-charts-blue', '#3794ff'),
    positive: cssColor('--vscode-charts-red', '#f14c4c'),
    neutral: cssColor('--vscode-editor-background', '#1f1f1f'),
    invalid: cssColor('--vscode-charts-yellow', '#cca700'),
    bar: cssColor('--vscode-charts-blue', '#3794ff'),
    text: getComputedStyle(document.body).getPropertyValue('--vscode-descriptionForeground').trim() || '#9d9d9d',
  };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function drawHeatMap(canvas: HTMLCanvasElement, values: readonly number[], shape: readonly number[], limit: number, pal: ReturnType<typeof palette>) {
  const { rows, cols } = matrixShape(shape);
  const g = displayGrid(rows, cols, MAX_CELLS);
  canvas.width = g.drawCols;
  canvas.height = g.drawRows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return g;
  const img = ctx.createImageData(g.drawCols, g.drawRows);
  for (let r = 0; r < g.drawRows; r++) {
    for (let c = 0; c < g.drawCols; c++) {
      const v = blockValue(values, cols, r * g.rowStep, c * g.colStep, g.rowStep, g.colStep, rows);
      const i = (r * g.drawCols + c) * 4;
      const beyond = (r * g.rowStep) * cols + c * g.colStep >= values.length;
      const [R, G, B] = beyond ? pal.neutral : divergingColor(v, limit, pal.negative, pal.neutral, pal.positive, pal.invalid);
      img.data[i] = R; img.data[i + 1] = G; img.data[i + 2] = B; img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  // Displayed size: cells at least 4 px when small, the whole map at most 320 px wide.
  const cell = Math.max(1, Math.min(24, Math.floor(320 / Math.max(g.drawCols, 1))));
  canvas.style.width = `${g.drawCols * cell}px`;
  canvas.style.height = `${Math.min(g.drawRows * cell, 320)}px`;
  return g;
}

function drawHistogram(canvas: HTMLCanvasElement, counts: readonly number[], lo: number, hi: number, pal: ReturnType<typeof palette>) {
  const dpr = window.devicePixelRatio || 1;
  const w = 240, h = 90, pad = 14;
  canvas.width = w * dpr; canvas.height = h * dpr;
  canvas.style.width = `${w}px`; canvas.style.height = `${h}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(dpr, dpr);
  const top = Math.max(1, ...counts);
  const bw = w / counts.length;
  ctx.fillStyle = `rgb(${pal.bar.join(',')})`;
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

function render(): void {
  const pal = palette();
  list.replaceChildren();
  statsBody.replaceChildren();
  scalars.tBodies[0].replaceChildren();
  limits.length = 0;
  readout = { title: '', tensors: [] };
  if (current.kind === 'empty') {
    title.textContent = 'Layer Inspector';
    where.textContent = current.text;
    scalars.hidden = true;
    return;
  }
  const msg = current;
  title.textContent = msg.title;
  where.textContent = msg.where;
  readout.title = msg.title;
  scalars.hidden = msg.scalars.length === 0;
  for (const s of msg.scalars) {
    const tr = scalars.tBodies[0].insertRow();
    tr.appendChild(el('th', undefined, s.name)).setAttribute('scope', 'row');
    tr.appendChild(el('td', undefined, s.value));
  }
  msg.tensors.forEach((t, k) => {
    const stats = tensorStats(t.values);
    const hist = histogram(t.values, HIST_BINS, stats);
    const limit = maxAbs(t.values);
    limits.push(limit);
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
    heat.setAttribute('aria-label', `Heat map of ${t.name}: min ${formatStat(stats.min)}, max ${formatStat(stats.max)}; values in the stats table`);
    heat.tabIndex = 0;
    const g = drawHeatMap(heat, t.values, t.shape, limit, pal);
    const { rows, cols } = matrixShape(t.shape);
    heat.addEventListener('mousemove', (e) => {
      const rect = heat.getBoundingClientRect();
      const r = Math.min(rows - 1, Math.floor(((e.clientY - rect.top) / rect.height) * g.drawRows) * g.rowStep);
      const c = Math.min(cols - 1, Math.floor(((e.clientX - rect.left) / rect.width) * g.drawCols) * g.colStep);
      const flat = r * cols + c;
      hover.textContent = flat < t.values.length ? `${t.path}${indexLabel(flat, t.shape)} = ${t.values[flat]}` : `${t.path}: not fetched`;
      hover.hidden = false;
      hover.style.left = `${e.pageX + 12}px`;
      hover.style.top = `${e.pageY + 12}px`;
    });
    heat.addEventListener('mouseleave', () => { hover.hidden = true; });
    const hc = el('canvas', 'hist');
    hc.id = `hist-${k}`;
    hc.setAttribute('role', 'img');
    hc.setAttribute('aria-label', `Histogram of ${t.name}, ${HIST_BINS} bins from ${formatStat(hist.lo)} to ${formatStat(hist.hi)}`);
    drawHistogram(hc, hist.counts, hist.lo, hist.hi, pal);
    const heatBox = el('figure', 'plot');
    const nf = stats.nonFinite ? ` · ${stats.nonFinite} NaN/∞ in yellow` : '';
    heatBox.append(heat, el('figcaption', 'meta', `blue −${formatStat(limit)} … 0 … +${formatStat(limit)} red${nf}`));
    const histBox = el('figure', 'plot');
    histBox.append(hc, el('figcaption', 'meta', 'histogram'));
    row.append(heatBox, histBox);
    card.appendChild(row);
    list.appendChild(card);

    const tr = statsBody.insertRow();
    tr.appendChild(el('th', undefined, t.name)).setAttribute('scope', 'row');
    for (const v of [shapeText, formatStat(stats.mean), formatStat(stats.std), formatStat(stats.min), formatStat(stats.max),
      formatStat(stats.norm), formatStat(stats.fractionZero)]) tr.appendChild(el('td', undefined, v));
    readout.tensors.push({ name: t.name, shape: [...t.shape], stats, histogram: hist.counts, limit, drawRows: g.drawRows, drawCols: g.drawCols });
  });
}

/** Values kept per tensor in the persisted state: state is meant to stay small; Refresh re-reads the full layer. */
const MAX_PERSISTED_VALUES = 16_384;

function persistable(msg: HostToInspector): HostToInspector {
  if (msg.kind !== 'layer') return msg;
  return {
    ...msg,
    tensors: msg.tensors.map((t) => (t.values.length <= MAX_PERSISTED_VALUES ? t
      : { ...t, values: t.values.slice(0, MAX_PERSISTED_VALUES), truncated: true })),
  };
}

function show(msg: HostToInspector): void {
  current = msg;
  try {
    vscode.setState({ version: 1, message: persistable(msg) });
  } catch (err) {
    console.warn('layer inspector: could not save state', err);
  }
  try {
    render();
  } catch (err) {
    console.error('layer inspector: render failed', err);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = parseHostToInspector(event.data);
  if (!msg) {
    console.warn('layer inspector: ignoring malformed message');
    return;
  }
  show(msg);
});

document.getElementById('refresh')?.addEventListener('click', () => vscode.postMessage({ kind: 'refresh' }));

// Theme changes rewrite the CSS variables; canvases must be redrawn with the new colours.
new MutationObserver(() => requestAnimationFrame(render)).observe(document.body, { attributes: true, attributeFilter: ['class'] });

window.nnetInspector = Object.freeze({
  read: () => JSON.parse(JSON.stringify(readout)) as InspectorReadout,
  colorOf: (k: number, v: number) => {
    const p = palette();
    return divergingColor(v, limits[k] ?? 0, p.negative, p.neutral, p.positive, p.invalid);
  },
});

const saved = vscode.getState() as Partial<PersistedInspector> | undefined;
const restored = saved && saved.version === 1 ? parseHostToInspector(JSON.parse(JSON.stringify(saved.message ?? null))) : undefined;
if (restored) show(restored);
else render();
vscode.postMessage({ kind: 'ready' });
