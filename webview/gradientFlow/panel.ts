// What a Gradient Flow panel is: a module that builds its own markup into the page, draws the model and recolours
// with the theme. main.ts builds the panels of panels/index.ts in order and knows nothing else about them.

import type { ChartSnapshot } from './chartParts';
import type { ChartName } from './panels';
import type { GradientFlowModel } from './model';
import type { WebviewToHost } from './protocol';
import type { ChartTheme } from './theme';

/** The id of the one element the host's page gives the view (`gradientFlowHtml.ts`): the panels build the rest. */
export const VIEW_CONTAINER_ID = 'gradient-flow';

/** The view's own settings, persisted with the model: scales, series and the earlier run compared with. */
export interface ViewSettings {
  lossLogScale: boolean;
  gradLogScale: boolean;
  showPrevious: boolean;
  /** Index into `model.runs` (newest first) of the run the loss overlay shows. */
  compareIndex: number;
  lossPerStep: boolean;
}

/** The settings of a view that has saved none. */
export const DEFAULT_SETTINGS: Readonly<ViewSettings> = {
  lossLogScale: false,
  gradLogScale: true,
  showPrevious: true,
  compareIndex: 0,
  lossPerStep: false,
};

/** What the page gives a panel when it builds it. */
export interface PanelContext {
  /** The model every panel draws; messages update it in place. */
  readonly model: GradientFlowModel;
  /** Changed by the panels' own controls, which then call `changed`. */
  readonly settings: ViewSettings;
  /** The chart colours when the page starts; `Panel.applyTheme` brings later ones. */
  readonly theme: ChartTheme;
  /** A setting changed: the page saves its state and redraws. */
  changed(): void;
  /** Sends a message to the extension host (the toolbar's commands). */
  post(message: WebviewToHost): void;
}

/** A live panel. */
export interface Panel {
  /** Draws the model as it is now (and the settings in `PanelContext`); called at most once per frame. */
  render(model: GradientFlowModel): void;
  /** Redraws in the new theme's colours: canvases cannot follow CSS variables by themselves. */
  applyTheme?(theme: ChartTheme): void;
  /** The panel's chart, read under `name` by `window.nnetGradientFlow.read()` (tests, developer tools). */
  readonly chart?: { readonly name: ChartName; read(): ChartSnapshot };
}

/** A panel module: appends its markup to `parent`, wires its controls and returns the live panel. */
export type PanelFactory = (parent: HTMLElement, context: PanelContext) => Panel;

/**
 * Appends static markup (a constant of the panel's module, never text from a message) to `parent`. Dynamic text is
 * set through `textContent` by `render`; the page's CSP admits no inline styles or scripts, and markup has none.
 */
export function appendMarkup(parent: HTMLElement, markup: string): void {
  const template = document.createElement('template');
  template.innerHTML = markup;
  parent.append(template.content);
}

/** The element with `id`, which the panel's own markup put on the page. */
export function byId<T extends Element>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`gradient flow view: #${id} missing from the page`);
  return e as unknown as T;
}

/**
 * Sets an element's text only when it differs: the same text written again still replaces the element's text node,
 * which makes the page recompute style and layout on every frame a run draws.
 */
export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets an attribute only when it differs (a spoken summary, a tooltip): see `setText`. */
export function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** A toolkit checkbox. */
export type Checkbox = HTMLElement & { checked: boolean };

/** Keeps a view setting in step with its checkbox: the user's change is saved and redrawn. */
export function onToggle(box: Checkbox, context: PanelContext, key: BooleanSetting): void {
  box.addEventListener('change', () => {
    if (box.checked === context.settings[key]) return;
    context.settings[key] = box.checked;
    context.changed();
  });
}

/** The settings a checkbox can hold. */
export type BooleanSetting = {
  [K in keyof ViewSettings]: ViewSettings[K] extends boolean ? K : never;
}[keyof ViewSettings];
