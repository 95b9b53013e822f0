// The Gradient Flow view's two chart.js charts: per-layer mean/max |grad| bars and the loss curve.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartOptions,
  type Scale,
  type ScriptableScaleContext,
  type TooltipItem,
} from 'chart.js';
import type { GradFlowLayer } from '../protocol';
import type { LossPoint } from './model';
import { formatLogTick, formatValue, logTicks, logBounds, logDisplayValue, type LogBounds } from './scales';
import type { ChartTheme } from './theme';

// Only the parts in use are registered, which keeps the webview bundle small.
Chart.register(
  BarController, BarElement, LineController, LineElement, PointElement,
  CategoryScale, LinearScale, LogarithmicScale, Legend, Tooltip,
);

const FONT_SIZE = 11;
/** Roughly one tick label per this many pixels of axis height. */
const PX_PER_LABEL = 22;

/** What a chart holds, copied out for inspection (tests, debugging); never a live reference. */
export interface ChartSnapshot {
  readonly labels: unknown[];
  readonly datasets: { label: string; data: unknown[]; color: string }[];
  readonly yScale: { type: string; min: number; max: number };
}

/** The parts of a chart a snapshot reads; structural, so bar and line charts both fit without casts. */
interface Inspectable {
  readonly data: { labels?: unknown[]; datasets: { label?: string; data: unknown[]; backgroundColor?: unknown; borderColor?: unknown }[] };
  readonly scales: { [id: string]: { type: string; min: number; max: number } };
}

function snapshot(chart: Inspectable, colorKey: 'backgroundColor' | 'borderColor'): ChartSnapshot {
  const y = chart.scales.y;
  return {
    labels: [...(chart.data.labels ?? [])],
    datasets: chart.data.datasets.map((d) => ({
      label: String(d.label),
      data: JSON.parse(JSON.stringify(d.data)),
      color: String(d[colorKey]),
    })),
    yScale: { type: y.type, min: y.min, max: y.max },
  };
}

/** Sets the font chart.js falls back to everywhere (legend, ticks, titles, tooltips) to the editor UI font. */
function applyDefaultFont(theme: ChartTheme): void {
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.font.size = FONT_SIZE;
}

/** Common look: no animation (live updates arrive several times a second), theme colours, small sidebar fonts. */
function baseOptions(theme: ChartTheme) {
  applyDefaultFont(theme);
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    color: theme.foreground,
    layout: { padding: { top: 2, right: 4 } },
  };
}

function legendOptions(theme: ChartTheme) {
  return {
    position: 'top' as const,
    align: 'start' as const,
    labels: { color: theme.foreground, boxWidth: 10, boxHeight: 10, padding: 8 },
  };
}

function tooltipStyle(theme: ChartTheme) {
  return {
    backgroundColor: theme.tooltipBackground,
    titleColor: theme.tooltipForeground,
    bodyColor: theme.tooltipForeground,
    borderColor: theme.tooltipBorder,
    borderWidth: 1,
    displayColors: true,
    boxPadding: 3,
  };
}

function axisTitle(text: string, theme: ChartTheme) {
  return { display: true, text, color: theme.muted, font: { size: FONT_SIZE }, padding: 2 };
}

/** A log y axis with bounds fixed to whole decades and ticks from `logTicks`. */
function logYAxis(bounds: LogBounds, title: string, theme: ChartTheme) {
  return {
    type: 'logarithmic' as const,
    min: bounds.min,
    max: bounds.max,
    title: axisTitle(title, theme),
    grid: { color: theme.grid },
    border: { color: theme.grid },
    afterBuildTicks: (scale: Scale) => {
      const maxLabels = Math.max(2, Math.floor((scale.height || 150) / PX_PER_LABEL));
      scale.ticks = logTicks(scale.min, scale.max, maxLabels);
    },
    ticks: { color: theme.foreground, autoSkip: false, callback: (v: number | string) => formatLogTick(Number(v)) },
  };
}

const OVERLAP = { grouped: false, barPercentage: 0.8, categoryPercentage: 0.9, borderWidth: 0 } as const;

/** The per-layer gradient bars. */
export interface GradFlowChart {
  update(layerNames: readonly string[], layers: readonly GradFlowLayer[]): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/**
 * Mean and max bars overlap (max drawn behind mean), as in the classic `plot_grad_flow`: in a narrow sidebar that
 * keeps each bar twice as wide as side-by-side groups would, and max ≥ mean so both stay visible.
 */
export function createGradFlowChart(canvas: HTMLCanvasElement, theme: ChartTheme): GradFlowChart {
  let raw: { mean: number[]; max: number[] } = { mean: [], max: [] };
  let bounds = logBounds([]);
  let currentTheme = theme;

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
          color: (ctx: ScriptableScaleContext) => {
            const i = Number(ctx.tick?.value);
            const bad = !Number.isFinite(raw.mean[i] ?? 0) || !Number.isFinite(raw.max[i] ?? 0);
            return bad ? currentTheme.error : currentTheme.foreground;
          },
          // Up to vertical before skipping: every layer name matters, and a narrow sidebar rarely fits them flat.
          maxRotation: 90,
          autoSkipPadding: 2,
        },
      },
      y: logYAxis(bounds, '|grad| (log)', currentTheme),
    },
    plugins: {
      legend: legendOptions(currentTheme),
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

  return {
    update(layerNames, layers) {
      const labels = layers.length > 0 ? layers.map((l) => l.name) : [...layerNames];
      raw = { mean: layers.map((l) => l.meanAbsGrad), max: layers.map((l) => l.maxAbsGrad) };
      bounds = logBounds([...raw.mean, ...raw.max]);
      chart.data.labels = labels;
      chart.data.datasets[0].data = raw.mean.map((v) => logDisplayValue(v, bounds.min));
      chart.data.datasets[1].data = raw.max.map((v) => logDisplayValue(v, bounds.min));
      const y = chart.options.scales?.y;
      if (y) Object.assign(y, { min: bounds.min, max: bounds.max });
      chart.update('none');
    },
    applyTheme(t) {
      currentTheme = t;
      chart.data.datasets[0].backgroundColor = t.mean;
      chart.data.datasets[1].backgroundColor = t.max;
      chart.options = options();
      restyle(chart);
    },
    read: () => snapshot(chart, 'backgroundColor'),
  };
}

/**
 * Redraws after colours changed. Not `update('none')`: in that mode chart.js keeps the element options it shares
 * between bars, so the old theme's colours would stay. With animations off the default mode is just as immediate.
 */
function restyle(chart: { update(): void }): void {
  chart.update();
}

/** The loss curve. */
export interface LossChart {
  update(points: readonly LossPoint[], logScale: boolean): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/** Loss against epoch; linear or log y. Points are drawn unparsed ({x, y}) because that is chart.js's fast path. */
export function createLossChart(canvas: HTMLCanvasElement, theme: ChartTheme): LossChart {
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
        title: axisTitle('epoch', currentTheme),
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
      // One series: the axis title already names it, and the legend would cost a line of a short chart.
      legend: { display: false },
      tooltip: {
        ...tooltipStyle(currentTheme),
        callbacks: {
          title: (items: TooltipItem<'line'>[]) => (items[0] ? `epoch ${formatValue(items[0].parsed.x ?? NaN)}` : ''),
          label: (item: TooltipItem<'line'>) => `loss: ${formatValue(rawLoss[item.dataIndex] ?? NaN)}`,
        },
      },
    },
  });

  let rawLoss: number[] = [];
  const chart = new Chart<'line', { x: number; y: number | null }[]>(canvas, {
    type: 'line',
    data: {
      datasets: [{
        label: 'loss', data: [], borderColor: theme.loss, backgroundColor: theme.loss,
        borderWidth: 1.5, pointRadius: 0, pointHoverRadius: 3, tension: 0,
      }],
    },
    options: options(),
  });

  return {
    update(points, log) {
      const modeChanged = log !== logScale;
      logScale = log;
      rawLoss = points.map((p) => p.loss);
      if (logScale) bounds = logBounds(rawLoss);
      chart.data.datasets[0].data = points.map((p) => ({
        x: p.epoch,
        y: logScale ? logDisplayValue(p.loss, bounds.min) : Number.isFinite(p.loss) ? p.loss : null,
      }));
      if (logScale && chart.options.scales?.y) Object.assign(chart.options.scales.y, bounds);
      if (modeChanged) {
        chart.options = options();
        restyle(chart);
      } else {
        chart.update('none');
      }
    },
    applyTheme(t) {
      currentTheme = t;
      chart.data.datasets[0].borderColor = t.loss;
      chart.data.datasets[0].backgroundColor = t.loss;
      chart.options = options();
      restyle(chart);
    },
    read: () => snapshot(chart, 'borderColor'),
  };
}
