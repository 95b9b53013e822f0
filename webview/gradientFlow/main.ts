// Entry point of the Gradient Flow webview: wires host messages, persisted state and the panels of panels/index.ts.

import './style.css';
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
} from '@vscode/webview-ui-toolkit';
import { updatesOf, type HostToWebview, type WebviewToHost } from './protocol';
import type { ChartSnapshot } from './chartParts';
import { applyMessage, emptyModel, type GradientFlowModel } from './model';
import { byId, DEFAULT_SETTINGS, VIEW_CONTAINER_ID, type PanelContext, type ViewSettings } from './panel';
import { PANELS, type ChartName } from './panels';
import { readChartTheme } from './theme';
import { watchTheme } from '../page';
import { parseHostToWebview, parsePersistedState, type PersistedState } from './validate';
import { webviewLogger } from '../log';

/** The API VS Code injects into webviews; it may be acquired only once. */
interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Read-only view of what the charts hold, by panel chart name, for tests and the webview developer tools. */
export interface GradientFlowInspector {
  /** Draws the panels whose drawing was put off (out of view) first, so what it reads is the model as it is. */
  read(): Record<ChartName, ChartSnapshot>;
}
declare global {
  interface Window {
    nnetGradientFlow?: GradientFlowInspector;
  }
}

const vscode = acquireVsCodeApi();
const report = webviewLogger((m) => vscode.postMessage(m));

const restored = parsePersistedState(vscode.getState());
const model: GradientFlowModel = restored?.model ?? emptyModel();
const settings: ViewSettings = { ...DEFAULT_SETTINGS, ...savedSettings(restored) };

/** The settings in saved state (all of them: parsePersistedState fills in what older state lacks). */
function savedSettings(state: PersistedState | undefined): Partial<ViewSettings> {
  if (!state) return {};
  const { version: _version, model: _model, ...saved } = state;
  return saved;
}

/**
 * Saves the state at most every PERSIST_MS while a run streams in (setState copies the whole model, curves and
 * earlier runs included, and VS Code sends it to the workbench: per message, that was most of the view's cost).
 * The host replays the run on reload anyway, and a hidden or reloaded page saves what is pending.
 */
const PERSIST_MS = 1000;
let persistTimer: ReturnType<typeof setTimeout> | undefined;
function persistSoon(): void {
  if (persistTimer !== undefined) return;
  persistTimer = setTimeout(flushPersist, PERSIST_MS);
}
function flushPersist(): void {
  if (persistTimer !== undefined) persist();
}
/** Saves now (and drops a pending save, which would copy the same). */
function persist(): void {
  clearTimeout(persistTimer);
  persistTimer = undefined;
  vscode.setState({ version: 3, model, ...settings });
}
// A view being hidden or reloaded saves what is pending, so it comes back exactly as it was.
window.addEventListener('pagehide', flushPersist);
// A page shown again asks for the run as it is now: updates that came while it was hidden never reached it.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') flushPersist();
  else vscode.postMessage({ kind: 'ready' });
});

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption());
const context: PanelContext = {
  model,
  settings,
  theme: readChartTheme(),
  changed() {
    persist();
    drawAll = true;
    scheduleRender();
  },
  post: (message) => vscode.postMessage(message),
};
const container = byId<HTMLElement>(VIEW_CONTAINER_ID);
/** Each panel's top-level elements (what its factory appended), watched for being scrolled into view. */
const panelElements: Element[][] = [];
const panels = PANELS.map((create) => {
  const before = container.children.length;
  const panel = create(container, context);
  panelElements.push([...container.children].slice(before));
  return panel;
});

/**
 * While a run streams in, a panel is drawn at most every STREAMING_MS while in view (every other update, about twice
 * a second) and every OUT_OF_VIEW_MS while scrolled out of it (a sidebar usually shows one chart of the four), with
 * the latest data at the first update after that time, or CATCH_UP_MS later if none comes. A stop, an end, a new run,
 * a replay or a changed setting draws every panel at the next frame, and a panel scrolled into view is drawn at the
 * next frame. Each chart.js update lays its chart out again, and each frame that changes the page is a layout, paint
 * and composite: drawing every panel on every update (four a second) was CPU taken from training. `read()` draws
 * every panel first.
 */
const STREAMING_MS = 450;
const OUT_OF_VIEW_MS = 1000;
/**
 * A panel put off is drawn this long after it is due if no update comes first: updates come every PROGRESS_MS
 * (250 ms) or so, and drawing in an update's frame rather than a frame of its own saves the page a layout, paint and
 * composite per draw.
 */
const CATCH_UP_MS = 150;
const inView = panels.map(() => true); // until the observer says otherwise
const drawnAt = panels.map(() => -Infinity);
const behind = panels.map(() => false);
/** Panels scrolled into view with data not drawn yet: drawn at the next frame. */
const scrolledTo = panels.map(() => false);
/** The next frame draws every panel: something other than a run streaming in happened (see `handle`). */
let drawAll = false;
let catchUp: ReturnType<typeof setTimeout> | undefined;
if (typeof IntersectionObserver === 'function') {
  const shown = new Set<Element>();
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) shown.add(e.target);
      else shown.delete(e.target);
    }
    panelElements.forEach((elements, i) => {
      const was = inView[i];
      inView[i] = elements.some((e) => shown.has(e));
      if (inView[i] && !was && behind[i]) {
        scrolledTo[i] = true;
        scheduleRender();
      }
    });
  });
  for (const elements of panelElements) for (const e of elements) observer.observe(e);
}

const everyOf = (i: number) => (inView[i] ? STREAMING_MS : OUT_OF_VIEW_MS);

// Messages can arrive many per frame; drawing once per frame is enough and keeps the view cheap.
let renderPending = false;
function scheduleRender(): void {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    renderAll(drawAll);
  });
}

/**
 * New data came: a frame if some panel is due to draw it (or every panel must), else every panel is behind and the
 * catch-up timer is armed. No frame is asked for when nothing would be drawn: even an empty one runs the page's
 * frame lifecycle.
 */
function requestRender(): void {
  const now = performance.now();
  behind.fill(true);
  if (drawAll || panels.some((_, i) => scrolledTo[i] || now - drawnAt[i] >= everyOf(i))) {
    scheduleRender();
    return;
  }
  if (catchUp === undefined) {
    const due = Math.min(...panels.map((_, i) => drawnAt[i] + everyOf(i)));
    catchUp = setTimeout(scheduleRender, due + CATCH_UP_MS - now);
  }
}

/** Draws the panels that are due (`all`: every panel) and arms the catch-up timer for those put off. */
function renderAll(all = false): void {
  drawAll = false;
  clearTimeout(catchUp);
  catchUp = undefined;
  const now = performance.now();
  let nextDue = Infinity;
  panels.forEach((panel, i) => {
    const every = everyOf(i);
    if (!all && !scrolledTo[i] && now - drawnAt[i] < every) {
      if (behind[i]) nextDue = Math.min(nextDue, drawnAt[i] + every + CATCH_UP_MS - now);
      return;
    }
    behind[i] = false;
    scrolledTo[i] = false;
    drawnAt[i] = now;
    try {
      panel.render(model);
    } catch (err) {
      // A drawing bug must not take the view (and its buttons) down with it.
      report('error', 'render failed', err);
    }
  });
  if (nextDue < Infinity) catchUp = setTimeout(scheduleRender, nextDue);
}

function handle(msg: HostToWebview): void {
  // applyMessage switches over every kind with an exhaustiveness check; unknown kinds never get this far.
  applyMessage(model, msg);
  let saveNow = false;
  for (const m of updatesOf(msg)) {
    // A new run is compared with the run just before it.
    if (m.kind === 'reset' && m.previous === undefined) settings.compareIndex = 0;
    // Live training says 'training' with new text several times a second; every other state is an event.
    if (m.kind === 'reset' || m.kind === 'snapshot' || (m.kind === 'state' && m.state !== 'training')) saveNow = true;
  }
  if (settings.compareIndex >= model.runs.length) settings.compareIndex = 0;
  // A stop, the end of a run, a new run or a replay is saved at once, and drawn whole (a view opened, shown again or
  // reloaded reads complete at once); a run going on is saved at most every PERSIST_MS.
  if (saveNow) {
    persist();
    drawAll = true;
  } else persistSoon();
  requestRender();
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

watchTheme(() => {
  const theme = readChartTheme();
  for (const panel of panels) panel.applyTheme?.(theme);
});

window.nnetGradientFlow = Object.freeze({
  read: () => {
    if (behind.some(Boolean)) renderAll(true);
    return Object.fromEntries(panels.flatMap((p) => (p.chart ? [[p.chart.name, p.chart.read()]] : []))) as Record<
      ChartName,
      ChartSnapshot
    >;
  },
});

// Draw the restored state at once, then ask the host for the live one (it replays the run in progress).
renderAll();
vscode.postMessage({ kind: 'ready' });
