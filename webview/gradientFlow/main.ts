// Entry point of the Gradient Flow webview: wires host messages, persisted state, toolkit buttons and charts.

import './style.css';
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
} from '@vscode/webview-ui-toolkit';
import type { HostToWebview, PreviousRun, ViewCommand, WebviewToHost } from './protocol';
import { createGradFlowChart, createLossChart, createNormChart, createRatioChart, type ChartSnapshot } from './charts';
import {
  applyMessage,
  classifyLayers,
  classifyUpdateRatio,
  emptyModel,
  HEALTHY_UPDATE_RATIO,
  lossPointsForDisplay,
  type GradientFlowModel,
  type LayerHealth,
  type LossPoint,
} from './model';
import { formatValue } from './scales';
import { readChartTheme, watchTheme } from './theme';
import { parseHostToWebview, parsePersistedState, type PersistedState } from './validate';
import { webviewLogger } from '../log';

/** The API VS Code injects into webviews; it may be acquired only once. */
interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Read-only view of what the charts hold, for tests and for poking at in the webview developer tools. */
export interface GradientFlowInspector {
  read(): { gradFlow: ChartSnapshot; loss: ChartSnapshot; norm: ChartSnapshot; ratio: ChartSnapshot };
}
declare global {
  interface Window {
    nnetGradientFlow?: GradientFlowInspector;
  }
}

const vscode = acquireVsCodeApi();
const report = webviewLogger((m) => vscode.postMessage(m));

function byId<T extends Element>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`gradient flow view: #${id} missing from the page`);
  return e as unknown as T;
}

type Checkbox = HTMLElement & { checked: boolean };

/** A toolkit checkbox, made here because the page's static markup lives in the host's HTML template. */
function checkbox(id: string, label: string): Checkbox {
  const c = document.createElement('vscode-checkbox') as Checkbox;
  c.id = id;
  c.textContent = label;
  return c;
}

/** Adds `controls` to a panel's header, grouped at its end. */
function addControls(panelHeadOf: string, ...controls: HTMLElement[]): void {
  const head = byId<HTMLElement>(panelHeadOf).closest('.panel')?.querySelector('.panel-head');
  if (!head) throw new Error(`gradient flow view: no panel header for #${panelHeadOf}`);
  const group = document.createElement('span');
  group.className = 'panel-controls';
  group.append(...controls);
  head.append(group);
}

/**
 * The update-to-weight ratio panel, built from the same parts as the static ones and placed after the gradient bars.
 */
function buildRatioPanel(): void {
  const section = document.createElement('section');
  section.className = 'panel';
  section.setAttribute('aria-labelledby', 'ratio-heading');
  const head = section.appendChild(document.createElement('div'));
  head.className = 'panel-head';
  const h3 = head.appendChild(document.createElement('h3'));
  h3.id = 'ratio-heading';
  h3.textContent = 'Update / weight';
  h3.title = '‖lr·ΔW‖ / ‖W‖ of the last optimizer step; about 1e-3 is healthy';
  const box = section.appendChild(document.createElement('div'));
  box.className = 'chart chart-ratio';
  const canvas = box.appendChild(document.createElement('canvas'));
  canvas.id = 'ratio-chart';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'Per-layer update-to-weight ratio');
  const summary = section.appendChild(document.createElement('p'));
  summary.id = 'ratio-summary';
  summary.className = 'meta';
  summary.setAttribute('role', 'status');
  const after = byId<HTMLElement>('gradflow-chart').closest('.panel');
  if (!after) throw new Error('gradient flow view: gradient panel missing');
  after.after(section);
}

type Dropdown = HTMLElement & { value: string };

/** The selector of the earlier run to compare with; its options are rebuilt as runs come and go. */
function dropdown(id: string, label: string): Dropdown {
  const d = document.createElement('vscode-dropdown') as Dropdown;
  d.id = id;
  d.setAttribute('aria-label', label);
  d.title = label;
  return d;
}

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption());
buildRatioPanel();
addControls('gradflow-chart', checkbox('grad-log', 'Log scale'));
addControls(
  'loss-chart',
  byId<HTMLElement>('loss-log'),
  checkbox('loss-steps', 'Per step'),
  checkbox('loss-prev', 'Compare with'),
  dropdown('loss-compare', 'Earlier run to compare with'),
);

const el = {
  train: byId<HTMLElement>('train'),
  debug: byId<HTMLElement>('debug'),
  pause: byId<HTMLElement>('pause'),
  stop: byId<HTMLElement>('stop'),
  lossCompare: byId<Dropdown>('loss-compare'),
  status: byId<HTMLElement>('status'),
  title: byId<HTMLElement>('title'),
  step: byId<HTMLElement>('step'),
  nonFinite: byId<HTMLElement>('nonfinite'),
  tableBody: byId<HTMLTableElement>('gradflow-table').tBodies[0],
  lossLog: byId<Checkbox>('loss-log'),
  lossSteps: byId<Checkbox>('loss-steps'),
  lossPrev: byId<Checkbox>('loss-prev'),
  gradLog: byId<Checkbox>('grad-log'),
  ratioCanvas: byId<HTMLCanvasElement>('ratio-chart'),
  ratioSummary: byId<HTMLElement>('ratio-summary'),
  lossSummary: byId<HTMLElement>('loss-summary'),
  gradCanvas: byId<HTMLCanvasElement>('gradflow-chart'),
  lossCanvas: byId<HTMLCanvasElement>('loss-chart'),
  normCanvas: byId<HTMLCanvasElement>('norm-chart'),
  normSummary: byId<HTMLElement>('norm-summary'),
  healthSummary: byId<HTMLElement>('health-summary'),
  legendVanishing: byId<HTMLElement>('legend-vanishing'),
  legendExploding: byId<HTMLElement>('legend-exploding'),
};

const VERDICT: Record<LayerHealth, string> = {
  ok: 'ok',
  vanishing: 'vanishing',
  exploding: 'exploding',
  nonFinite: 'NaN/∞',
};

const restored = parsePersistedState(vscode.getState());
const model: GradientFlowModel = restored?.model ?? emptyModel();
let lossLogScale = restored?.lossLogScale ?? false;
let gradLogScale = restored?.gradLogScale ?? true;
let showPrevious = restored?.showPrevious ?? true;
let compareIndex = restored?.compareIndex ?? 0;
let lossPerStep = restored?.lossPerStep ?? false;

const gradChart = createGradFlowChart(el.gradCanvas, readChartTheme());
const lossChart = createLossChart(el.lossCanvas, readChartTheme());
const normChart = createNormChart(el.normCanvas, readChartTheme());
const ratioChart = createRatioChart(el.ratioCanvas, readChartTheme());

function persist(): void {
  vscode.setState({ version: 3, model, lossLogScale, gradLogScale, showPrevious, compareIndex, lossPerStep });
}

/**
 * Saves the state at most every PERSIST_MS while a run streams in (setState copies the whole model, curves and
 * earlier runs included: per message, that was most of the view's cost). The host replays the run on reload anyway.
 */
const PERSIST_MS = 250;
let persistTimer: ReturnType<typeof setTimeout> | undefined;
function persistSoon(): void {
  if (persistTimer !== undefined) return;
  persistTimer = setTimeout(flushPersist, PERSIST_MS);
}
function flushPersist(): void {
  if (persistTimer === undefined) return;
  clearTimeout(persistTimer);
  persistTimer = undefined;
  persist();
}
// A view being hidden or reloaded saves what is pending, so it comes back exactly as it was.
window.addEventListener('pagehide', flushPersist);
// A page shown again asks for the run as it is now: updates that came while it was hidden never reached it.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') flushPersist();
  else vscode.postMessage({ kind: 'ready' });
});

function renderStatus(): void {
  el.status.textContent = model.stateText;
  el.status.dataset.state = model.state;
  const running = model.state === 'training' || model.state === 'paused';
  el.train.toggleAttribute('disabled', running);
  el.debug.toggleAttribute('disabled', running);
  el.stop.toggleAttribute('disabled', !running);
  // Pause and Continue act on a debug session; a Train run has no debugger to pause.
  const paused = model.state === 'paused';
  el.pause.toggleAttribute('disabled', !(running && model.debugging));
  el.pause.textContent = paused ? 'Continue' : 'Pause';
  el.pause.dataset.command = paused ? 'continue' : 'pause';
  el.title.textContent = model.title;
  el.title.title = model.title;
  el.title.hidden = model.title === '';
}

function renderGradFlow(): void {
  gradChart.update(model.layerNames, model.layers, gradLogScale, model.limits);
  // The legend states the thresholds in force (the nnet.exceptions settings).
  const lim = model.limits;
  el.legendVanishing.textContent = `vanishing (< ${formatValue(lim.vanishingRatio)} × output, or < ${formatValue(lim.vanishingFloor)})`;
  el.legendExploding.textContent = `exploding (max > ${formatValue(lim.explodingMax)})`;
  el.gradLog.checked = gradLogScale;
  el.step.textContent = model.step === null ? '' : `step ${model.step}`;
  const bad = model.layers.filter((l) => !Number.isFinite(l.meanAbsGrad) || !Number.isFinite(l.maxAbsGrad));
  el.nonFinite.hidden = bad.length === 0;
  el.nonFinite.textContent = `⚠ Non-finite gradient (NaN/∞) in ${bad.map((l) => l.name).join(', ')}`;
  const health = classifyLayers(model.layers, model.limits);
  const named = (h: LayerHealth) => model.layers.filter((_, i) => health[i] === h).map((l) => l.name);
  const vanishing = named('vanishing'),
    exploding = named('exploding');
  el.healthSummary.textContent = [
    vanishing.length ? `Vanishing: ${vanishing.join(', ')}` : '',
    exploding.length ? `Exploding: ${exploding.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const rows = model.layers.map((l, i) => {
    const tr = document.createElement('tr');
    tr.dataset.health = health[i];
    for (const text of [l.name, formatValue(l.meanAbsGrad), formatValue(l.maxAbsGrad), VERDICT[health[i]]]) {
      tr.appendChild(document.createElement('td')).textContent = text;
    }
    return tr;
  });
  el.tableBody.replaceChildren(...rows);
  el.gradCanvas.setAttribute('aria-label', gradFlowLabel());
  renderRatio();
}

function renderRatio(): void {
  ratioChart.update(model.layerNames, model.layers);
  const known = model.layers.filter((l) => l.updateRatio !== undefined);
  const slow = known.filter((l) => classifyUpdateRatio(l.updateRatio) === 'slow').map((l) => l.name);
  const fast = known.filter((l) => classifyUpdateRatio(l.updateRatio) === 'fast').map((l) => l.name);
  el.ratioSummary.textContent =
    known.length === 0
      ? model.layers.length === 0
        ? ''
        : 'No optimizer step yet.'
      : [
          `healthy ≈ ${formatValue(HEALTHY_UPDATE_RATIO)}`,
          slow.length ? `slow (< 1e-4): ${slow.join(', ')}` : '',
          fast.length ? `fast (> 1e-2): ${fast.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' · ');
  const parts = known.slice(0, 30).map((l) => `${l.name} ${formatValue(l.updateRatio ?? NaN)}`);
  el.ratioCanvas.setAttribute(
    'aria-label',
    known.length === 0
      ? 'Per-layer update-to-weight ratio: no data yet'
      : `Update-to-weight ratio per layer (healthy about 1e-3): ${parts.join('; ')}${known.length > 30 ? `; and ${known.length - 30} more` : ''}`,
  );
}

/** A spoken summary of the bars; the hidden table has the full numbers. */
function gradFlowLabel(): string {
  if (model.layers.length === 0) return 'Per-layer mean and max absolute gradient: no data yet';
  const parts = model.layers
    .slice(0, 30)
    .map((l) => `${l.name} mean ${formatValue(l.meanAbsGrad)} max ${formatValue(l.maxAbsGrad)}`);
  const more = model.layers.length > 30 ? `; and ${model.layers.length - 30} more layers` : '';
  return `Gradient flow at step ${model.step ?? 0}: ${parts.join('; ')}${more}`;
}

function renderNorm(): void {
  const points = lossPointsForDisplay(model.gradNorm);
  normChart.update(points, model.clipNorm, model.pausedAt?.step ?? null);
  const last = points[points.length - 1];
  const parts: string[] = [];
  if (last) parts.push(`step ${last.step}: ${formatValue(last.before)} → ${formatValue(last.after)}`);
  if (model.clipNorm !== null) {
    parts.push(`threshold ${formatValue(model.clipNorm)}`);
    if (model.normSamples > 0) {
      const pct = Math.round((100 * model.clippedSamples) / model.normSamples);
      parts.push(`clipped in ${model.clippedSamples}/${model.normSamples} samples (${pct}%)`);
    }
  } else if (last) {
    parts.push('no clipping');
  }
  el.normSummary.textContent = parts.join(' · ');
  el.normCanvas.setAttribute(
    'aria-label',
    `Global gradient norm before and after clipping. ${el.normSummary.textContent}`,
  );
}

/** The earlier run the overlay shows (the selector's choice, else the newest). */
function compared(): PreviousRun | null {
  return model.runs[compareIndex] ?? model.runs[0] ?? model.previous;
}

/** Rebuilds the selector's options when the runs change (a rebuild on every frame would reset keyboard focus). */
let compareKey = '';
function renderCompare(): void {
  const key = model.runs.map((r) => `${r.title}:${r.points.length}`).join('|');
  el.lossCompare.hidden = model.runs.length === 0;
  if (key !== compareKey) {
    compareKey = key;
    el.lossCompare.replaceChildren(
      ...model.runs.map((r, i) => {
        const o = document.createElement('vscode-option') as HTMLElement & { value: string };
        o.value = String(i);
        const last = r.points[r.points.length - 1];
        o.textContent = `${i === 0 ? 'last run' : `${i + 1} runs ago`}: ${r.title}${last ? ` (loss ${formatValue(last.loss)})` : ''}`;
        return o;
      }),
    );
  }
  if (el.lossCompare.value !== String(compareIndex)) el.lossCompare.value = String(compareIndex);
}

function renderLoss(): void {
  // Per step: the sampled mini-batch losses at x = step (earlier runs are per epoch, so no overlay then).
  const points: LossPoint[] = lossPerStep
    ? lossPointsForDisplay(model.stepLoss).map((p) => ({ epoch: p.step, loss: p.loss }))
    : lossPointsForDisplay(model.loss);
  const previous = lossPerStep ? null : compared();
  const marker = model.pausedAt ? (lossPerStep ? model.pausedAt.step : model.pausedAt.epoch) : null;
  lossChart.update(points, lossLogScale, previous, showPrevious, marker, lossPerStep ? 'step' : 'epoch');
  renderCompare();
  el.lossCompare.hidden = previous === null;
  el.lossLog.checked = lossLogScale;
  el.lossSteps.checked = lossPerStep;
  el.lossSteps.title =
    'Plot the loss of the latest mini-batch, sampled a few times a second, against the optimizer step';
  el.lossPrev.hidden = previous === null;
  el.lossPrev.checked = showPrevious;
  el.lossPrev.title = previous ? `Overlay an earlier run: ${previous.title}` : '';
  const last = points[points.length - 1];
  if (!last) {
    el.lossSummary.textContent = '';
    return;
  }
  let min = Infinity;
  for (const p of points) if (p.loss < min) min = p.loss;
  const series = lossPerStep ? model.stepLoss : model.loss;
  const thinned = series.stride > 1 ? ` · lowest and highest of every ${series.stride} shown` : '';
  const prev = previous && showPrevious ? previousSummary(previous.title, previous.points) : '';
  el.lossSummary.textContent =
    `${lossPerStep ? 'step' : 'epoch'} ${formatValue(last.epoch)}: ${formatValue(last.loss)}` +
    (last.valLoss !== undefined ? ` · val ${formatValue(last.valLoss)}` : '') +
    ` · min ${formatValue(min)}${thinned}${prev}`;
}

function previousSummary(title: string, points: readonly { loss: number }[]): string {
  let min = Infinity;
  for (const p of points) if (p.loss < min) min = p.loss;
  return points.length ? ` · previous (${title}) min ${formatValue(min)}` : '';
}

// Messages can arrive many per frame; drawing once per frame is enough and keeps the view cheap.
let renderPending = false;
function scheduleRender(): void {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    renderAll();
  });
}

function renderAll(): void {
  try {
    renderStatus();
    renderGradFlow();
    renderLoss();
    renderNorm();
  } catch (err) {
    // A drawing bug must not take the view (and its buttons) down with it.
    report('error', 'render failed', err);
  }
}

function handle(msg: HostToWebview): void {
  // applyMessage switches over every kind with an exhaustiveness check; unknown kinds never get this far.
  applyMessage(model, msg);
  // A new run is compared with the run just before it.
  if (msg.kind === 'reset' && msg.previous === undefined) compareIndex = 0;
  if (compareIndex >= model.runs.length) compareIndex = 0;
  // A change of state (a stop, the end of a run, a replay) is saved at once; data in between at most every PERSIST_MS.
  if (msg.kind === 'state' || msg.kind === 'reset' || msg.kind === 'snapshot') persist();
  else persistSoon();
  scheduleRender();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = parseHostToWebview(event.data);
  if (!msg) {
    report('warn', 'ignoring a malformed message', event.data);
    return;
  }
  try {
    handle(msg);
  } catch (err) {
    report('error', 'failed to apply a message', err);
  }
});

/** Posts a button's command on click; `command` is read at click time (Pause turns into Continue). */
function onCommand(button: HTMLElement, command: () => ViewCommand): void {
  button.addEventListener('click', () => {
    if (button.hasAttribute('disabled')) return;
    vscode.postMessage({ kind: 'command', command: command() });
  });
}
onCommand(el.train, () => 'train');
onCommand(el.debug, () => 'debug');
onCommand(el.pause, () => (el.pause.dataset.command === 'continue' ? 'continue' : 'pause'));
onCommand(el.stop, () => 'stop');
el.lossCompare.addEventListener('change', () => {
  const i = Number(el.lossCompare.value);
  if (!Number.isInteger(i) || i < 0 || i >= model.runs.length || i === compareIndex) return;
  compareIndex = i;
  persist();
  scheduleRender();
});

/** Keeps a view setting in step with its checkbox, persisted and redrawn on change. */
function onToggle(box: Checkbox, get: () => boolean, set: (v: boolean) => void): void {
  box.addEventListener('change', () => {
    if (box.checked === get()) return;
    set(box.checked);
    persist();
    scheduleRender();
  });
}
onToggle(
  el.lossLog,
  () => lossLogScale,
  (v) => {
    lossLogScale = v;
  },
);
onToggle(
  el.lossSteps,
  () => lossPerStep,
  (v) => {
    lossPerStep = v;
  },
);
onToggle(
  el.gradLog,
  () => gradLogScale,
  (v) => {
    gradLogScale = v;
  },
);
onToggle(
  el.lossPrev,
  () => showPrevious,
  (v) => {
    showPrevious = v;
  },
);

watchTheme(() => {
  const theme = readChartTheme();
  gradChart.applyTheme(theme);
  lossChart.applyTheme(theme);
  normChart.applyTheme(theme);
  ratioChart.applyTheme(theme);
});

window.nnetGradientFlow = Object.freeze({
  read: () => ({
    gradFlow: gradChart.read(),
    loss: lossChart.read(),
    norm: normChart.read(),
    ratio: ratioChart.read(),
  }),
});

// Draw the restored state at once, then ask the host for the live one (it replays the run in progress).
renderAll();
vscode.postMessage({ kind: 'ready' });
