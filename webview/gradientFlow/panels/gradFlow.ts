// The gradient flow panel: per-layer mean and max |grad| bars (the classic plot_grad_flow), with vanishing and
// exploding layers highlighted, the thresholds in force, a warning for NaN/∞ and a table for screen readers.

import { Chart, type ChartOptions, type ScriptableScaleContext, type TooltipItem } from 'chart.js';
import { DEFAULT_VIEW_LIMITS, type ViewLimits } from '../protocol';
import type { LayerGradStats } from '../../../wire/types';
import { classifyLayers, type LayerHealth } from '../model';
import { formatValue, logBounds, logDisplayValue } from '../scales';
import type { ChartTheme } from '../theme';
import {
  axisTitle,
  baseOptions,
  linearYAxis,
  logYAxis,
  restyle,
  snapshot,
  tooltipStyle,
  type ChartSnapshot,
} from '../chartParts';
import { appendMarkup, byId, setAttr, setText, onToggle, type Checkbox, type PanelFactory } from '../panel';
import { bindLegend, legendMarkup } from '../legend';
import { changeTracker } from '../changes';

const MARKUP = `<section class="panel" aria-labelledby="gradflow-heading">
  <div class="panel-head">
    <h3 id="gradflow-heading">Gradient flow</h3>
    <span id="step" class="meta"></span>
    <span class="panel-controls"><vscode-checkbox id="grad-log">Log scale</vscode-checkbox></span>
  </div>
  ${legendMarkup('gradflow-legend', [
    { label: 'mean |grad|', swatch: '' },
    { label: 'max |grad|', swatch: 'swatch-max' },
  ])}
  <div class="chart chart-gradflow">
    <canvas id="gradflow-chart" role="img" aria-label="Per-layer mean and max absolute gradient"></canvas>
  </div>
  <ul id="health-legend" class="legend" aria-label="Bar colours">
    <li><span class="swatch swatch-vanishing"></span><span id="legend-vanishing">vanishing (&lt; 10⁻³ × output)</span></li>
    <li><span class="swatch swatch-exploding"></span><span id="legend-exploding">exploding</span></li>
    <li><span class="legend-name legend-nonfinite">name</span>NaN/∞ (no bar)</li>
  </ul>
  <p id="health-summary" class="meta" role="status"></p>
  <p id="nonfinite" class="warning" hidden></p>
  <table id="gradflow-table" class="visually-hidden">
    <caption>Per-layer gradient magnitudes</caption>
    <thead><tr><th scope="col">Layer</th><th scope="col">mean |grad|</th><th scope="col">max |grad|</th><th scope="col">verdict</th></tr></thead>
    <tbody></tbody>
  </table>
</section>`;

const VERDICT: Record<LayerHealth, string> = {
  ok: 'ok',
  vanishing: 'vanishing',
  exploding: 'exploding',
  nonFinite: 'NaN/∞',
};

/** The bars, their legend and summary, and the log/linear toggle (`settings.gradLogScale`). */
export const gradFlowPanel: PanelFactory = (parent, context) => {
  appendMarkup(parent, MARKUP);
  const canvas = byId<HTMLCanvasElement>('gradflow-chart');
  const gradLog = byId<Checkbox>('grad-log');
  const step = byId<HTMLElement>('step');
  const nonFinite = byId<HTMLElement>('nonfinite');
  const healthSummary = byId<HTMLElement>('health-summary');
  const legendVanishing = byId<HTMLElement>('legend-vanishing');
  const legendExploding = byId<HTMLElement>('legend-exploding');
  const tableBody = byId<HTMLTableElement>('gradflow-table').tBodies[0];
  const chart = createGradFlowChart(canvas, context.theme, byId<HTMLElement>('gradflow-legend'));
  onToggle(gradLog, context, 'gradLogScale');

  return {
    render(model) {
      chart.update(model.layerNames, model.layers, context.settings.gradLogScale, model.limits);
      // The legend states the thresholds in force (the nnet.exceptions settings).
      const lim = model.limits;
      setText(
        legendVanishing,
        `vanishing (< ${formatValue(lim.vanishingRatio)} × output, or < ${formatValue(lim.vanishingFloor)})`,
      );
      setText(legendExploding, `exploding (max > ${formatValue(lim.explodingMax)})`);
      gradLog.checked = context.settings.gradLogScale;
      setText(step, model.step === null ? '' : `step ${model.step}`);
      const bad = model.layers.filter((l) => !Number.isFinite(l.meanAbsGrad) || !Number.isFinite(l.maxAbsGrad));
      nonFinite.hidden = bad.length === 0;
      setText(nonFinite, `⚠ Non-finite gradient (NaN/∞) in ${bad.map((l) => l.name).join(', ')}`);
      const health = classifyLayers(model.layers, model.limits);
      const named = (h: LayerHealth) => model.layers.filter((_, i) => health[i] === h).map((l) => l.name);
      const vanishing = named('vanishing'),
        exploding = named('exploding');
      setText(
        healthSummary,
        [
          vanishing.length ? `Vanishing: ${vanishing.join(', ')}` : '',
          exploding.length ? `Exploding: ${exploding.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
      );
      renderTable(
        tableBody,
        model.layers.map((l, i) => [l.name, formatValue(l.meanAbsGrad), formatValue(l.maxAbsGrad), VERDICT[health[i]]]),
        health,
      );
      setAttr(canvas, 'aria-label', gradFlowLabel(model.layers, model.step));
    },
    applyTheme: (theme) => chart.applyTheme(theme),
    chart: { name: 'gradFlow', read: () => chart.read() },
  };
};

/** The table's rows, one per layer (its cells' texts and verdict), written in place: only what changed is touched. */
function renderTable(body: HTMLTableSectionElement, rows: readonly string[][], health: readonly LayerHealth[]): void {
  while (body.rows.length > rows.length) body.deleteRow(-1);
  rows.forEach((cells, i) => {
    const tr = body.rows[i] ?? body.insertRow();
    if (tr.dataset.health !== health[i]) tr.dataset.health = health[i];
    cells.forEach((text, j) => setText(tr.cells[j] ?? tr.appendChild(document.createElement('td')), text));
  });
}

/** A spoken summary of the bars; the hidden table has the full numbers. */
function gradFlowLabel(layers: readonly LayerGradStats[], step: number | null): string {
  if (layers.length === 0) return 'Per-layer mean and max absolute gradient: no data yet';
  const parts = layers
    .slice(0, 30)
    .map((l) => `${l.name} mean ${formatValue(l.meanAbsGrad)} max ${formatValue(l.maxAbsGrad)}`);
  const more = layers.length > 30 ? `; and ${layers.length - 30} more layers` : '';
  return `Gradient flow at step ${step ?? 0}: ${parts.join('; ')}${more}`;
}

const OVERLAP = { grouped: false, barPercentage: 0.8, categoryPercentage: 0.9, borderWidth: 0 } as const;

/** The per-layer gradient bars. */
interface GradFlowChart {
  /** `logScale` false draws the bars on a linear axis from 0. */
  update(
    layerNames: readonly string[],
    layers: readonly LayerGradStats[],
    logScale?: boolean,
    limits?: ViewLimits,
  ): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/**
 * Mean and max bars overlap (max drawn behind mean), as in the classic `plot_grad_flow`: in a narrow sidebar that
 * keeps each bar twice as wide as side-by-side groups would, and max ≥ mean so both stay visible.
 */
function createGradFlowChart(canvas: HTMLCanvasElement, theme: ChartTheme, legendList: HTMLElement): GradFlowChart {
  let raw: { mean: number[]; max: number[] } = { mean: [], max: [] };
  let health: LayerHealth[] = [];
  /** Mean bars take the highlight colour of their layer's verdict; max bars stay as they are. */
  const meanColors = (): string[] =>
    health.map((h) =>
      h === 'vanishing' ? currentTheme.vanishing : h === 'exploding' ? currentTheme.exploding : currentTheme.mean,
    );
  let bounds = logBounds([]);
  let currentTheme = theme;
  let logScale = true;

  const options = (): ChartOptions<'bar'> => ({
    ...baseOptions(currentTheme),
    interaction: { mode: 'index', intersect: false },
    scales: {
      x: {
        type: 'category',
        title: axisTitle('layer', currentTheme),
        grid: { display: false },
        border: { color: currentTheme.grid },
        ticks: {
          // Layers with NaN/∞ gradients have no bar to show; their name turns the error colour instead.
          // Highlighted layers' names take their verdict's colour too, so the verdict survives a missing bar.
          color: (ctx: ScriptableScaleContext) => {
            const h = health[Number(ctx.tick?.value)];
            return h === 'nonFinite'
              ? currentTheme.error
              : h === 'vanishing'
                ? currentTheme.vanishing
                : h === 'exploding'
                  ? currentTheme.exploding
                  : currentTheme.foreground;
          },
          // Up to vertical before skipping: every layer name matters, and a narrow sidebar rarely fits them flat.
          maxRotation: 90,
          autoSkipPadding: 2,
        },
      },
      y: logScale ? logYAxis(bounds, '|grad| (log)', currentTheme) : linearYAxis('|grad|', currentTheme),
    },
    plugins: {
      tooltip: {
        ...tooltipStyle(currentTheme),
        callbacks: {
          // Tooltips show the true value: the bar itself may be clamped to the axis minimum or missing (NaN).
          label: (item: TooltipItem<'bar'>) => {
            const series = item.datasetIndex === 0 ? raw.mean : raw.max;
            return `${item.dataset.label}: ${formatValue(series[item.dataIndex] ?? NaN)}`;
          },
        },
      },
    },
  });

  const chart = new Chart<'bar', (number | null)[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      // grouped: false puts both bars in the same slot; the lower `order` (mean) is drawn on top.
      datasets: [
        { label: 'mean |grad|', data: [], order: 0, backgroundColor: theme.mean, ...OVERLAP },
        { label: 'max |grad|', data: [], order: 1, backgroundColor: theme.max, ...OVERLAP },
      ],
    },
    options: options(),
  });
  // Both series are always drawn: the legend changes only when a click hides one, which it handles itself.
  bindLegend(legendList, chart).render();
  const changed = changeTracker();

  return {
    update(layerNames, layers, log = true, limits = DEFAULT_VIEW_LIMITS) {
      const modeChanged = log !== logScale;
      logScale = log;
      const labels = layers.length > 0 ? layers.map((l) => l.name) : [...layerNames];
      raw = { mean: layers.map((l) => l.meanAbsGrad), max: layers.map((l) => l.maxAbsGrad) };
      health = classifyLayers(layers, limits);
      bounds = logBounds([...raw.mean, ...raw.max]);
      const shown = (v: number) => (logScale ? logDisplayValue(v, bounds.min) : Number.isFinite(v) ? v : null);
      const mean = raw.mean.map(shown),
        max = raw.max.map(shown);
      // The tick colours follow `health`, which the bar colours alone do not show (a NaN layer has no bar).
      if (!changed([logScale, bounds.min, bounds.max, labels, mean, max, health]) && !modeChanged) return;
      chart.data.datasets[0].backgroundColor = meanColors();
      chart.data.labels = labels;
      chart.data.datasets[0].data = mean;
      chart.data.datasets[1].data = max;
      if (modeChanged) {
        chart.options = options();
        restyle(chart);
        return;
      }
      const y = chart.options.scales?.y;
      if (y && logScale) Object.assign(y, { min: bounds.min, max: bounds.max });
      chart.update('none');
    },
    applyTheme(t) {
      currentTheme = t;
      chart.data.datasets[0].backgroundColor = meanColors();
      chart.data.datasets[1].backgroundColor = t.max;
      chart.options = options();
      restyle(chart);
    },
    read: () => snapshot(chart, 'backgroundColor', (i) => (i === 0 ? currentTheme.mean : currentTheme.max)),
  };
}
