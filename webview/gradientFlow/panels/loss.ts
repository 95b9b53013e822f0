// The loss panel: the loss curve per epoch or per step, validation loss, and an earlier run to compare with.

import { Chart, type ChartOptions, type TooltipItem } from 'chart.js';
import type { PreviousRun } from '../protocol';
import { lossPointsForDisplay, type GradientFlowModel, type LossPoint } from '../model';
import { formatValue, logBounds, logDisplayValue } from '../scales';
import type { ChartTheme } from '../theme';
import { verticalMarker } from '../marker';
import { axisTitle, baseOptions, logYAxis, restyle, snapshot, tooltipStyle, type ChartSnapshot } from '../chartParts';
import { appendMarkup, byId, setAttr, setText, onToggle, type Checkbox, type PanelFactory } from '../panel';
import { bindLegend, legendMarkup } from '../legend';
import { changeTracker } from '../changes';

const MARKUP = `<section class="panel" aria-labelledby="loss-heading">
  <div class="panel-head">
    <h3 id="loss-heading">Loss</h3>
    <span class="panel-controls">
      <vscode-checkbox id="loss-log">Log scale</vscode-checkbox>
      <vscode-checkbox id="loss-steps">Per step</vscode-checkbox>
      <vscode-checkbox id="loss-prev">Compare with</vscode-checkbox>
      <vscode-dropdown id="loss-compare" aria-label="Earlier run to compare with" title="Earlier run to compare with"></vscode-dropdown>
    </span>
  </div>
  ${legendMarkup('loss-legend', [
    { label: 'loss', swatch: 'swatch-line' },
    { label: 'validation loss', swatch: 'swatch-line swatch-dashed swatch-val' },
    { label: 'previous run', swatch: 'swatch-line swatch-previous' },
  ])}
  <div class="chart chart-loss">
    <canvas id="loss-chart" role="img" aria-label="Loss by epoch"></canvas>
  </div>
  <p id="loss-summary" class="meta"></p>
</section>`;

type Dropdown = HTMLElement & { value: string };

/**
 * The curve and its summary; toggles for a log axis (`settings.lossLogScale`), the per-step samples
 * (`lossPerStep`) and the overlay (`showPrevious`), and the selector of the earlier run it shows (`compareIndex`).
 */
export const lossPanel: PanelFactory = (parent, context) => {
  appendMarkup(parent, MARKUP);
  const { settings } = context;
  const canvas = byId<HTMLCanvasElement>('loss-chart');
  const lossLog = byId<Checkbox>('loss-log');
  const lossSteps = byId<Checkbox>('loss-steps');
  const lossPrev = byId<Checkbox>('loss-prev');
  const lossCompare = byId<Dropdown>('loss-compare');
  const summary = byId<HTMLElement>('loss-summary');
  const chart = createLossChart(canvas, context.theme, byId<HTMLElement>('loss-legend'));
  onToggle(lossLog, context, 'lossLogScale');
  onToggle(lossSteps, context, 'lossPerStep');
  onToggle(lossPrev, context, 'showPrevious');
  lossCompare.addEventListener('change', () => {
    const i = Number(lossCompare.value);
    if (!Number.isInteger(i) || i < 0 || i >= context.model.runs.length || i === settings.compareIndex) return;
    settings.compareIndex = i;
    context.changed();
  });

  /** The earlier run the overlay shows (the selector's choice, else the newest). */
  const compared = (model: GradientFlowModel): PreviousRun | null =>
    model.runs[settings.compareIndex] ?? model.runs[0] ?? model.previous;

  /** Rebuilds the selector's options when the runs change (a rebuild on every frame would reset keyboard focus). */
  let compareKey = '';
  function renderCompare(model: GradientFlowModel): void {
    const key = model.runs.map((r) => `${r.title}:${r.points.length}`).join('|');
    lossCompare.hidden = model.runs.length === 0;
    if (key !== compareKey) {
      compareKey = key;
      lossCompare.replaceChildren(
        ...model.runs.map((r, i) => {
          const o = document.createElement('vscode-option') as HTMLElement & { value: string };
          o.value = String(i);
          const last = r.points[r.points.length - 1];
          o.textContent = `${i === 0 ? 'last run' : `${i + 1} runs ago`}: ${r.title}${last ? ` (loss ${formatValue(last.loss)})` : ''}`;
          return o;
        }),
      );
    }
    if (lossCompare.value !== String(settings.compareIndex)) lossCompare.value = String(settings.compareIndex);
  }

  return {
    render(model) {
      const { lossPerStep, lossLogScale, showPrevious } = settings;
      // Per step: the sampled mini-batch losses at x = step (earlier runs are per epoch, so no overlay then).
      const points: LossPoint[] = lossPerStep
        ? lossPointsForDisplay(model.stepLoss).map((p) => ({ epoch: p.step, loss: p.loss }))
        : lossPointsForDisplay(model.loss);
      const previous = lossPerStep ? null : compared(model);
      const marker = model.pausedAt ? (lossPerStep ? model.pausedAt.step : model.pausedAt.epoch) : null;
      chart.update(points, lossLogScale, previous, showPrevious, marker, lossPerStep ? 'step' : 'epoch');
      renderCompare(model);
      lossCompare.hidden = previous === null;
      lossLog.checked = lossLogScale;
      lossSteps.checked = lossPerStep;
      setAttr(
        lossSteps,
        'title',
        'Plot the loss of the latest mini-batch, sampled a few times a second, against the optimizer step',
      );
      lossPrev.hidden = previous === null;
      lossPrev.checked = showPrevious;
      setAttr(lossPrev, 'title', previous ? `Overlay an earlier run: ${previous.title}` : '');
      const last = points[points.length - 1];
      if (!last) {
        setText(summary, '');
        return;
      }
      let min = Infinity;
      for (const p of points) if (p.loss < min) min = p.loss;
      const series = lossPerStep ? model.stepLoss : model.loss;
      const thinned = series.stride > 1 ? ` · lowest and highest of every ${series.stride} shown` : '';
      const prev = previous && showPrevious ? previousSummary(previous.title, previous.points) : '';
      setText(
        summary,
        `${lossPerStep ? 'step' : 'epoch'} ${formatValue(last.epoch)}: ${formatValue(last.loss)}` +
          (last.valLoss !== undefined ? ` · val ${formatValue(last.valLoss)}` : '') +
          ` · min ${formatValue(min)}${thinned}${prev}`,
      );
    },
    applyTheme: (theme) => chart.applyTheme(theme),
    chart: { name: 'loss', read: () => chart.read() },
  };
};

function previousSummary(title: string, points: readonly { loss: number }[]): string {
  let min = Infinity;
  for (const p of points) if (p.loss < min) min = p.loss;
  return points.length ? ` · previous (${title}) min ${formatValue(min)}` : '';
}

/** The loss curve. */
interface LossChart {
  /** `previous` is drawn as a faded overlay when given and `showPrevious` is set. */
  /**
   * `points` are at x = `epoch` (the epoch means) or, with `xAxis` 'step', at the optimizer step in the same field
   * (the per-step samples); the marker is in the same unit.
   */
  update(
    points: readonly LossPoint[],
    logScale: boolean,
    previous?: PreviousRun | null,
    showPrevious?: boolean,
    marker?: number | null,
    xAxis?: 'epoch' | 'step',
  ): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/** Loss against epoch; linear or log y. Points are drawn unparsed ({x, y}) because that is chart.js's fast path. */
function createLossChart(canvas: HTMLCanvasElement, theme: ChartTheme, legendList: HTMLElement): LossChart {
  let currentTheme = theme;
  let logScale = false;
  let bounds = logBounds([]);

  const options = (): ChartOptions<'line'> => ({
    ...baseOptions(currentTheme),
    parsing: false,
    spanGaps: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    scales: {
      x: {
        type: 'linear',
        title: axisTitle(xUnit, currentTheme),
        grid: { color: currentTheme.grid },
        border: { color: currentTheme.grid },
        ticks: { color: currentTheme.foreground, maxTicksLimit: 5, maxRotation: 0 },
      },
      y: logScale
        ? logYAxis(bounds, 'loss (log)', currentTheme)
        : {
            type: 'linear',
            title: axisTitle('loss', currentTheme),
            grid: { color: currentTheme.grid },
            border: { color: currentTheme.grid },
            ticks: { color: currentTheme.foreground, maxTicksLimit: 6 },
          },
    },
    plugins: {
      tooltip: {
        ...tooltipStyle(currentTheme),
        callbacks: {
          title: (items: TooltipItem<'line'>[]) =>
            items[0] ? `${xUnit} ${formatValue(items[0].parsed.x ?? NaN)}` : '',
          label: (item: TooltipItem<'line'>) =>
            `${item.dataset.label}: ${formatValue([rawLoss, rawVal, rawPrev][item.datasetIndex]?.[item.dataIndex] ?? NaN)}`,
        },
      },
    },
  });

  let rawLoss: number[] = [];
  let markerAt: number | null = null;
  let xUnit: 'epoch' | 'step' = 'epoch';
  let rawVal: number[] = [];
  let rawPrev: number[] = [];
  let hasVal = false;
  let hasPrev = false;
  const chart = new Chart<'line', { x: number; y: number | null }[]>(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'loss',
          data: [],
          borderColor: theme.loss,
          backgroundColor: theme.loss,
          borderWidth: 1.5,
          pointRadius: 0,
          pointHoverRadius: 3,
          tension: 0,
        },
        {
          label: 'validation loss',
          data: [],
          borderColor: theme.valLoss,
          backgroundColor: theme.valLoss,
          borderWidth: 1.5,
          borderDash: [4, 3],
          pointRadius: 0,
          pointHoverRadius: 3,
          tension: 0,
        },
        {
          // The previous run, faded and drawn behind the current curves.
          label: 'previous run',
          data: [],
          borderColor: theme.previousRun,
          backgroundColor: theme.previousRun,
          borderWidth: 1.5,
          pointRadius: 0,
          pointHoverRadius: 3,
          tension: 0,
          order: 2,
          hidden: true,
        },
      ],
    },
    options: options(),
    plugins: [
      verticalMarker('nnetLossMarker', {
        x: () => markerAt,
        label: () => `paused · ${xUnit} ${markerAt}`,
        color: () => currentTheme.foreground,
      }),
    ],
  });
  // With training loss alone the axis title names it: the legend appears once validation loss or an earlier run is
  // drawn, and lists only the curves actually drawn (no entry for an absent split or a hidden overlay).
  const legend = bindLegend(legendList, chart, (i) => {
    const d = chart.data.datasets[i];
    return (hasVal || hasPrev) && d.data.length > 0 && d.hidden !== true;
  });
  legend.render();
  const changed = changeTracker();

  return {
    update(points, log, previous = null, showPrevious = true, marker = null, xAxis = 'epoch') {
      markerAt = marker;
      const unitChanged = xAxis !== xUnit;
      xUnit = xAxis;
      const valPoints = points.filter((p) => p.valLoss !== undefined);
      const prevShown = !!previous && showPrevious && previous.points.length > 0;
      const modeChanged = unitChanged || log !== logScale;
      logScale = log;
      hasVal = valPoints.length > 0;
      hasPrev = prevShown;
      rawLoss = points.map((p) => p.loss);
      rawVal = valPoints.map((p) => p.valLoss ?? NaN);
      const prevPoints = previous?.points ?? [];
      rawPrev = prevPoints.map((p) => p.loss);
      if (logScale) bounds = logBounds([...rawLoss, ...rawVal, ...(prevShown ? rawPrev : [])]);
      const y = (v: number) => (logScale ? logDisplayValue(v, bounds.min) : Number.isFinite(v) ? v : null);
      const curve = points.map((p) => ({ x: p.epoch, y: y(p.loss) }));
      const val = valPoints.map((p) => ({ x: p.epoch, y: y(p.valLoss ?? NaN) }));
      // The overlay keeps its points while hidden, so the toggle brings it back without the host.
      const prev = prevPoints.map((p) => ({ x: p.epoch, y: y(p.loss) }));
      const prevLabel = previous ? `previous: ${previous.title}` : 'previous run';
      const drawn = [logScale, xUnit, marker, bounds.min, bounds.max, curve, val, prev, prevLabel, prevShown];
      if (!changed(drawn) && !modeChanged) return;
      chart.data.datasets[0].data = curve;
      chart.data.datasets[1].data = val;
      chart.data.datasets[2].data = prev;
      chart.data.datasets[2].label = prevLabel;
      chart.data.datasets[2].hidden = !prevShown;
      if (logScale && chart.options.scales?.y) Object.assign(chart.options.scales.y, bounds);
      if (modeChanged) {
        chart.options = options();
        restyle(chart);
      } else {
        chart.update('none');
      }
      legend.render();
    },
    applyTheme(t) {
      currentTheme = t;
      chart.data.datasets[0].borderColor = t.loss;
      chart.data.datasets[0].backgroundColor = t.loss;
      chart.data.datasets[1].borderColor = t.valLoss;
      chart.data.datasets[1].backgroundColor = t.valLoss;
      chart.data.datasets[2].borderColor = t.previousRun;
      chart.data.datasets[2].backgroundColor = t.previousRun;
      chart.options = options();
      restyle(chart);
    },
    read: () => ({ ...snapshot(chart, 'borderColor'), marker: markerAt, xAxis: xUnit }),
  };
}
