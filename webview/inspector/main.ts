// Entry point of the Layer Inspector panel: state, host messages, and the render of every section in page order.

import './style.css';
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
} from '@vscode/webview-ui-toolkit';
import { divergingColor, type Rgb } from './numbers';
import { parseHostToInspector, type HostToInspector, type InspectorTensor, type InspectorToHost } from './protocol';
import { palette, tensorCard, type CardReadout } from './draw';
import { webviewLogger } from '../log';
import { watchTheme } from '../page';
import {
  previewStep,
  renderClip,
  renderDecomposition,
  renderGradCheck,
  renderGrid,
  renderHistory,
  renderOptimizerHead,
  type ClipReadout,
  type DecompositionReadout,
  type GradCheckReadout,
  type SliderReadout,
} from './sections';

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
  /** Every drawn tensor in page order: the layer's, then the optimizer's (`group`). */
  tensors: (CardReadout & { group: 'layer' | 'optimizer' })[];
  /** Cell texts of the stats grid's data rows. */
  grid: string[][];
  clip: ClipReadout | null;
  optimizer: { kind: string; lr: number; t: number; tensors: string[]; emptyText: string | null } | null;
  decomposition: DecompositionReadout | null;
  gradCheck: GradCheckReadout | null;
  slider: SliderReadout | null;
}
declare global {
  interface Window {
    nnetInspector?: { read(): InspectorReadout; colorOf(tensor: number, value: number): Rgb };
  }
}

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDataGrid(), vsCodeDataGridRow(), vsCodeDataGridCell());
const vscode = acquireVsCodeApi();
const report = webviewLogger((m) => vscode.postMessage(m));

const title = document.getElementById('title') as HTMLElement;
const where = document.getElementById('where') as HTMLElement;
const list = document.getElementById('tensors') as HTMLElement;
const scalars = document.getElementById('scalars') as HTMLTableElement;
const hover = document.getElementById('hover') as HTMLElement;
const slider = document.getElementById('step-slider') as HTMLInputElement;

const emptyReadout = (): InspectorReadout => ({
  title: '',
  tensors: [],
  grid: [],
  clip: null,
  optimizer: null,
  decomposition: null,
  gradCheck: null,
  slider: null,
});
let current: HostToInspector = { kind: 'empty', text: 'Pause the nnet debugger on a layer to inspect it.' };
let readout = emptyReadout();
const limits: number[] = [];

function render(): void {
  const pal = palette();
  list.replaceChildren();
  scalars.tBodies[0].replaceChildren();
  limits.length = 0;
  readout = emptyReadout();
  const msg = current.kind === 'layer' ? current : undefined;
  // Sections hide themselves on absent data, so the empty page is the layer page with nothing in it.
  readout.clip = renderClip(msg?.clip);
  readout.decomposition = renderDecomposition(msg?.decomposition, pal);
  readout.gradCheck = renderGradCheck(msg?.gradCheck);
  readout.slider = renderHistory(msg?.history);
  const optList = renderOptimizerHead(msg?.optimizer);
  if (!msg) {
    title.textContent = 'Layer Inspector';
    where.textContent = current.kind === 'empty' ? current.text : '';
    scalars.hidden = true;
    readout.grid = renderGrid([]);
    return;
  }
  title.textContent = msg.title;
  where.textContent = msg.where;
  readout.title = msg.title;
  scalars.hidden = msg.scalars.length === 0;
  for (const s of msg.scalars) {
    const tr = scalars.tBodies[0].insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = s.name;
    tr.appendChild(th);
    tr.insertCell().textContent = s.value;
  }
  const gridRows: { name: string; shape: string; stats: CardReadout['stats'] }[] = [];
  const draw = (t: InspectorTensor, group: 'layer' | 'optimizer', into: HTMLElement, gridName: string) => {
    const { card, readout: r, shapeText } = tensorCard(t, readout.tensors.length, pal, hover, msg.heatmapCells);
    limits.push(r.limit);
    into.appendChild(card);
    gridRows.push({ name: gridName, shape: shapeText, stats: r.stats });
    readout.tensors.push({ ...r, group });
  };
  for (const t of msg.tensors) draw(t, 'layer', list, t.name);
  const o = msg.optimizer;
  if (o && optList) {
    // "adam m̂", but "momentum buffer", not "momentum momentum buffer".
    for (const t of o.tensors)
      draw(t, 'optimizer', optList, t.name.startsWith(o.kind) ? t.name : `${o.kind} ${t.name}`);
    readout.optimizer = {
      kind: o.kind,
      lr: o.lr,
      t: o.t,
      tensors: o.tensors.map((t) => t.name),
      emptyText: o.tensors.length ? null : (document.getElementById('opt-empty')?.textContent ?? null),
    };
  }
  readout.grid = renderGrid(gridRows);
}

/** Values kept per tensor in the persisted state: state is meant to stay small; Refresh re-reads the full layer. */
const MAX_PERSISTED_VALUES = 16_384;

// Plain arrays: setState stores JSON, where a Float32Array would not come back as one.
const trim = (ts: readonly InspectorTensor[]) =>
  ts.map((t) => ({
    name: t.name,
    path: t.path,
    shape: t.shape,
    values: Array.from(
      t.values.length <= MAX_PERSISTED_VALUES
        ? t.values
        : (Array.prototype.slice.call(t.values, 0, MAX_PERSISTED_VALUES) as number[]),
    ),
    truncated: t.truncated || t.values.length > MAX_PERSISTED_VALUES,
  }));

function persistable(msg: HostToInspector): HostToInspector {
  if (msg.kind !== 'layer') return msg;
  return {
    ...msg,
    tensors: trim(msg.tensors),
    ...(msg.optimizer ? { optimizer: { ...msg.optimizer, tensors: trim(msg.optimizer.tensors) } } : {}),
  };
}

function show(msg: HostToInspector): void {
  current = msg;
  try {
    vscode.setState({ version: 1, message: persistable(msg) });
  } catch (err) {
    report('warn', 'could not save state', err);
  }
  try {
    render();
  } catch (err) {
    report('error', 'render failed', err);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = parseHostToInspector(event.data);
  if (!msg) {
    report('warn', 'ignoring a malformed message');
    return;
  }
  show(msg);
});

document.getElementById('refresh')?.addEventListener('click', () => vscode.postMessage({ kind: 'refresh' }));
document.getElementById('follow')?.addEventListener('click', () => vscode.postMessage({ kind: 'follow' }));

/**
 * Each scrub makes the host re-read a step, so held arrow keys (one `change` per repeat) are coalesced into the
 * step the user stops on.
 */
const SCRUB_DEBOUNCE_MS = 150;
let scrubTimer: ReturnType<typeof setTimeout> | undefined;
slider.addEventListener('input', () => {
  const h = current.kind === 'layer' ? current.history : undefined;
  if (h) previewStep(Number(slider.value), h);
});
slider.addEventListener('change', () => {
  clearTimeout(scrubTimer);
  // Read now: a re-render (theme change) before the timer fires resets the slider to the shown step.
  const step = Number(slider.value);
  scrubTimer = setTimeout(() => {
    const h = current.kind === 'layer' ? current.history : undefined;
    if (h && Number.isInteger(step) && step !== h.step) vscode.postMessage({ kind: 'scrub', step });
  }, SCRUB_DEBOUNCE_MS);
});

// Theme changes rewrite the CSS variables; canvases must be redrawn with the new colours.
watchTheme(render);

window.nnetInspector = Object.freeze({
  read: () => JSON.parse(JSON.stringify(readout)) as InspectorReadout,
  colorOf: (k: number, v: number) => {
    const p = palette();
    return divergingColor(v, limits[k] ?? 0, p.negative, p.neutral, p.positive, p.invalid);
  },
});

const saved = vscode.getState() as Partial<PersistedInspector> | undefined;
const restored =
  saved && saved.version === 1 ? parseHostToInspector(JSON.parse(JSON.stringify(saved.message ?? null))) : undefined;
if (restored) show(restored);
else render();
vscode.postMessage({ kind: 'ready' });
