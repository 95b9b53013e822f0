// The Gradient Flow charts' series legends in HTML, beside the canvas instead of on it: chart.js re-fits and repaints
// a canvas legend at every update, about a fifth of a chart's cost per frame; these are touched only when a label or
// a series' visibility changes. Swatches follow the theme through CSS variables (style.css), as the canvas colours do.

import type { Chart } from 'chart.js';
import { setAttr, setText } from './panel';

/** One entry: the dataset's label as the chart starts, and the swatch classes that draw its colour and stroke. */
export interface LegendEntry {
  readonly label: string;
  /** Classes after `swatch` (style.css): e.g. `swatch-line swatch-max` for an orange line. */
  readonly swatch: string;
}

/**
 * The static markup of a legend of `entries`, one per dataset in order (constants of a panel's module: labels are
 * escaped anyway, and labels that change are set by `LegendView.render` through `textContent`).
 */
export function legendMarkup(id: string, entries: readonly LegendEntry[]): string {
  const items = entries.map(
    (e, i) =>
      `<li data-dataset="${i}"><button type="button" class="legend-item" aria-pressed="true">` +
      `<span class="swatch ${escapeHtml(e.swatch)}"></span><span class="legend-label">${escapeHtml(e.label)}</span></button></li>`,
  );
  return `<ul id="${escapeHtml(id)}" class="legend chart-legend" aria-label="Series">${items.join('')}</ul>`;
}

/** A legend bound to its chart. */
export interface LegendView {
  /** Brings labels, shown entries and struck-through (hidden) series in line with the chart; touches only changes. */
  render(): void;
}

/**
 * Binds the legend `list` (from `legendMarkup`) to `chart`. As chart.js's own legend does, an entry shows its dataset's
 * label, is struck through while the dataset is hidden, and toggles the dataset on click (a button here, so also by
 * keyboard); `shown(i)` false leaves an entry out (a curve with nothing to draw).
 */
export function bindLegend(
  list: HTMLElement,
  chart: Pick<Chart, 'data' | 'isDatasetVisible' | 'setDatasetVisibility' | 'update'>,
  shown: (datasetIndex: number) => boolean = () => true,
): LegendView {
  const items = [...list.querySelectorAll<HTMLElement>('li[data-dataset]')].map((li) => ({
    li,
    index: Number(li.dataset.dataset),
    button: li.querySelector('button') as HTMLButtonElement,
    label: li.querySelector('.legend-label') as HTMLElement,
  }));
  const view: LegendView = {
    render() {
      let any = false;
      for (const { li, index, button, label } of items) {
        const dataset = chart.data.datasets[index];
        const hide = !dataset || !shown(index);
        if (li.hidden !== hide) li.hidden = hide;
        if (hide) continue;
        any = true;
        setText(label, String(dataset.label ?? ''));
        setAttr(button, 'aria-pressed', String(chart.isDatasetVisible(index)));
      }
      if (list.hidden === any) list.hidden = !any;
    },
  };
  for (const { index, button } of items) {
    button.addEventListener('click', () => {
      chart.setDatasetVisibility(index, !chart.isDatasetVisible(index));
      chart.update('none');
      view.render();
    });
  }
  return view;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
