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
import {
  DEFAULT_VIEW_LIMITS,
  type GradFlowLayer,
  type GradNormPoint,
  type PreviousRun,
  type ViewLimits,
} from './protocol';
import { classifyLayers, classifyUpdateRatio, HEALTHY_UPDATE_RATIO, type LayerHealth, type LossPoint } from './model';
import { formatLogTick, formatValue, logTicks, logBounds, logDisplayValue, type LogBounds } from './scales';
import type { ChartTheme } from './theme';
import { verticalMarker } from './marker';

// Only the parts in use are registered, which keeps the webview bundle small.
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  LogarithmicScale,
  Legend,
  Tooltip,
);

const FONT_SIZE = 11;
/** Roughly one tick label per this many pixels of axis height. */
const PX_PER_LABEL = 22;

/** What a chart holds, copied out for inspection (tests, debugging); never a live reference. */
export interface ChartSnapshot {
  readonly labels: unknown[];
  /** `color` is the dataset's colour; where bars are coloured one by one, `colors` has each bar's and `color` the usual one. */
  readonly datasets: { label: string; data: unknown[]; color: string; colors?: string[]; hidden: boolean }[];
  readonly yScale: { type: string; min: number; max: number };
  /** x of the paused-here marker (loss: epoch or step, norm: step), when the chart has one and it is shown. */
  readonly marker?: number | null;
  /** The loss chart's x unit. */
  readonly xAxis?: 'epoch' | 'step';
}

/** The parts of a chart a snapshot reads; structural, so bar and line charts both fit without casts. */
interface Inspectable {
  readonly data: {
    labels?: unknown[];
    datasets: { label?: string; data: unknown[]; backgroundColor?: unknown; borderColor?: unknown; hidden?: boolean }[];
  };
  readonly scales: { [id: string]: { type: string; min: number; max: number } };
}

function snapshot(
  chart: Inspectable,
  colorKey: 'backgroundColor' | 'borderColor',
  baseColor?: (i: number) => string,
): ChartSnapshot {
  const y = chart.scales.y;
  return {
    labels: [...(chart.data.labels ?? [])],
    datasets: chart.data.datasets.map((d, i) => {
      const c = d[colorKey];
      const hidden = d.hidden === true;
      return Array.isArray(c)
        ? {
            label: String(d.label),
            data: JSON.parse(JSON.stringify(d.data)),
            color: baseColor ? baseColor(i) : String(c[0]),
            colors: c.map(String),
            hidden,
          }
        : { label: String(d.label), data: JSON.parse(JSON.stringify(d.data)), color: String(c), hidden };
    }),
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

/**
 * Legend of a bar chart whose first dataset is coloured bar by bar (health highlights): its entry shows the
 * dataset's usual colour rather than whatever the first bar happens to be.
 */
function barLegend(theme: ChartTheme) {
  return {
    ...legendOptions(theme),
    labels: {
      ...legendOptions(theme).labels,
      generateLabels: (c: Chart) =>
        Chart.defaults.plugins.legend.labels
          .generateLabels(c)
          .map((item) =>
            item.datasetIndex === 0 ? { ...item, fillStyle: theme.mean, strokeStyle: theme.mean } : item,
          ),
    },
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

/** A linear y axis from 0, for magnitudes. */
function linearYAxis(title: string, theme: ChartTheme) {
  return {
    type: 'linear' as const,
    min: 0,
    title: axisTitle(title, theme),
    grid: { color: theme.grid },
    border: { color: theme.grid },
    ticks: { color: theme.foreground, maxTicksLimit: 6, callback: (v: number | string) => formatValue(Number(v)) },
  };
}

const OVERLAP = { grouped: false, barPercentage: 0.8, categoryPercentage: 0.9, borderWidth: 0 } as const;

/** The per-layer gradient bars. */
export interface GradFlowChart {
  /** `logScale` false draws the bars on a linear axis from 0. */
  update(
    layerNames: readonly string[],
    layers: readonly GradFlowLayer[],
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
export function createGradFlowChart(canvas: HTMLCanvasElement, theme: ChartTheme): GradFlowChart {
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
      legend: barLegend(currentTheme),
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
    update(layerNames, layers, log = true, limits = DEFAULT_VIEW_LIMITS) {
      const modeChanged = log !== logScale;
      logScale = log;
      const labels = layers.length > 0 ? layers.map((l) => l.name) : [...layerNames];
      raw = { mean: layers.map((l) => l.meanAbsGrad), max: layers.map((l) => l.maxAbsGrad) };
      health = classifyLayers(layers, limits);
      chart.data.datasets[0].backgroundColor = meanColors();
      bounds = logBounds([...raw.mean, ...raw.max]);
      chart.data.labels = labels;
      const shown = (v: number) => (logScale ? logDisplayValue(v, bounds.min) : Number.isFinite(v) ? v : null);
      chart.data.datasets[0].data = raw.mean.map(shown);
      chart.data.datasets[1].data = raw.max.map(shown);
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

/**
 * Redraws after colours changed. Not `update('none')`: in that mode chart.js keeps the element options it shares
 * between bars, so the old theme's colours would stay. With animations off the default mode is just as immediate.
 */
function restyle(chart: { update(): void }): void {
  chart.update();
}

/** The loss curve. */
export interface LossChart {
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
      // With training loss alone the axis title names it; a legend appears only once validation loss does.
      legend: {
        ...legendOptions(currentTheme),
        display: hasVal || hasPrev,
        labels: {
          ...legendOptions(currentTheme).labels,
          // Only the curves actually drawn: no entry for an absent validation split or a hidden overlay.
          filter: (item: { datasetIndex?: number }, data: { datasets: { data: unknown[]; hidden?: boolean }[] }) => {
            const d = data.datasets[item.datasetIndex ?? 0];
            return !!d && d.data.length > 0 && d.hidden !== true;
          },
        },
      },
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

  return {
    update(points, log, previous = null, showPrevious = true, marker = null, xAxis = 'epoch') {
      markerAt = marker;
      const unitChanged = xAxis !== xUnit;
      xUnit = xAxis;
      const valPoints = points.filter((p) => p.valLoss !== undefined);
      const prevShown = !!previous && showPrevious && previous.points.length > 0;
      const modeChanged = unitChanged || log !== logScale || valPoints.length > 0 !== hasVal || prevShown !== hasPrev;
      logScale = log;
      hasVal = valPoints.length > 0;
      hasPrev = prevShown;
      rawLoss = points.map((p) => p.loss);
      rawVal = valPoints.map((p) => p.valLoss ?? NaN);
      const prevPoints = previous?.points ?? [];
      rawPrev = prevPoints.map((p) => p.loss);
      if (logScale) bounds = logBounds([...rawLoss, ...rawVal, ...(prevShown ? rawPrev : [])]);
      const y = (v: number) => (logScale ? logDisplayValue(v, bounds.min) : Number.isFinite(v) ? v : null);
      chart.data.datasets[0].data = points.map((p) => ({ x: p.epoch, y: y(p.loss) }));
      chart.data.datasets[1].data = valPoints.map((p) => ({ x: p.epoch, y: y(p.valLoss ?? NaN) }));
      // The overlay keeps its points while hidden, so the toggle brings it back without the host.
      chart.data.datasets[2].data = prevPoints.map((p) => ({ x: p.epoch, y: y(p.loss) }));
      chart.data.datasets[2].label = previous ? `previous: ${previous.title}` : 'previous run';
      chart.data.datasets[2].hidden = !prevShown;
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

/** The global gradient norm chart. */
export interface NormChart {
  update(points: readonly GradNormPoint[], clipNorm: number | null, marker?: number | null): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/**
 * Global gradient norm before and after clipping against the optimizer step, log y (norms span decades when
 * gradients explode), with the clip threshold as a dashed horizontal line across the plotted steps.
 */
export function createNormChart(canvas: HTMLCanvasElement, theme: ChartTheme): NormChart {
  let currentTheme = theme;
  let bounds = logBounds([]);
  let raw: { before: number[]; after: number[] } = { before: [], after: [] };
  let threshold: number | null = null;
  let markerAt: number | null = null;

  const options = (): ChartOptions<'line'> => ({
    ...baseOptions(currentTheme),
    parsing: false,
    spanGaps: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    scales: {
      x: {
        type: 'linear',
        title: axisTitle('step', currentTheme),
        grid: { color: currentTheme.grid },
        border: { color: currentTheme.grid },
        ticks: { color: currentTheme.foreground, maxTicksLimit: 5, maxRotation: 0 },
      },
      y: logYAxis(bounds, '‖grad‖ (log)', currentTheme),
    },
    plugins: {
      legend: legendOptions(currentTheme),
      tooltip: {
        ...tooltipStyle(currentTheme),
        callbacks: {
          title: (items: TooltipItem<'line'>[]) => (items[0] ? `step ${formatValue(items[0].parsed.x ?? NaN)}` : ''),
          label: (item: TooltipItem<'line'>) => {
            if (item.datasetIndex === 2) return `clip threshold: ${formatValue(threshold ?? NaN)}`;
            const series = item.datasetIndex === 0 ? raw.before : raw.after;
            return `${item.dataset.label}: ${formatValue(series[item.dataIndex] ?? NaN)}`;
          },
        },
      },
    },
  });

  const line = { borderWidth: 1.5, pointRadius: 0, pointHoverRadius: 3, tension: 0 };
  const chart = new Chart<'line', { x: number; y: number | null }[]>(canvas, {
    type: 'line',
    data: {
      datasets: [
        // After-clip is drawn on top (lower order) and thinner, so where the two agree both stay visible.
        {
          label: 'before clip',
          data: [],
          borderColor: theme.max,
          backgroundColor: theme.max,
          ...line,
          borderWidth: 2.5,
          order: 1,
        },
        {
          label: 'after clip',
          data: [],
          borderColor: theme.mean,
          backgroundColor: theme.mean,
          ...line,
          borderWidth: 1.25,
          order: 0,
        },
        {
          label: 'clip threshold',
          data: [],
          borderColor: theme.threshold,
          backgroundColor: theme.threshold,
          ...line,
          borderWidth: 1,
          borderDash: [6, 4],
        },
      ],
    },
    options: options(),
    plugins: [
      verticalMarker('nnetNormMarker', {
        x: () => markerAt,
        label: () => `paused · step ${markerAt}`,
        color: () => currentTheme.foreground,
      }),
    ],
  });

  return {
    update(points, clipNorm, marker = null) {
      threshold = clipNorm;
      markerAt = marker;
      raw = { before: points.map((p) => p.before), after: points.map((p) => p.after) };
      bounds = logBounds([...raw.before, ...raw.after, ...(clipNorm === null ? [] : [clipNorm])]);
      chart.data.datasets[0].data = points.map((p) => ({ x: p.step, y: logDisplayValue(p.before, bounds.min) }));
      chart.data.datasets[1].data = points.map((p) => ({ x: p.step, y: logDisplayValue(p.after, bounds.min) }));
      const first = points[0]?.step ?? 0;
      const last = points[points.length - 1]?.step ?? 1;
      chart.data.datasets[2].data =
        clipNorm === null
          ? []
          : [
              { x: first, y: clipNorm },
              { x: Math.max(last, first + 1), y: clipNorm },
            ];
      chart.data.datasets[2].hidden = clipNorm === null;
      const y = chart.options.scales?.y;
      if (y) Object.assign(y, { min: bounds.min, max: bounds.max });
      chart.update('none');
    },
    applyTheme(t) {
      currentTheme = t;
      const colors = [t.max, t.mean, t.threshold];
      chart.data.datasets.forEach((d, i) => {
        d.borderColor = colors[i];
        d.backgroundColor = colors[i];
      });
      chart.options = options();
      restyle(chart);
    },
    read: () => ({ ...snapshot(chart, 'borderColor'), marker: markerAt }),
  };
}

/** The per-layer update-to-weight ratio bars. */
export interface RatioChart {
  update(layerNames: readonly string[], layers: readonly GradFlowLayer[]): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/**
 * ‖lr·ΔW‖ / ‖W‖ per layer on a log axis, with a dashed reference line at the healthy 1e-3 drawn across the whole plot
 * (a line dataset holds it, for the legend, tooltips and tests; a plugin draws it edge to edge, since a line over
 * category labels would only span the first to the last bar's centre). Bars more than 10× below the reference take
 * the vanishing colour (learning slowly), more than 10× above it the exploding one (updates too large).
 */
export function createRatioChart(canvas: HTMLCanvasElement, theme: ChartTheme): RatioChart {
  let currentTheme = theme;
  let raw: (number | undefined)[] = [];
  let bounds = logBounds([HEALTHY_UPDATE_RATIO, HEALTHY_UPDATE_RATIO * 10]);
  const barColors = (): string[] =>
    raw.map((r) => {
      const h = classifyUpdateRatio(r);
      return h === 'slow' ? currentTheme.vanishing : h === 'fast' ? currentTheme.exploding : currentTheme.mean;
    });

  const referenceLine = {
    id: 'nnetRatioReference',
    afterDatasetsDraw(c: Chart) {
      const ds = c.data.datasets[1];
      const y = c.scales.y;
      if (!ds || ds.hidden || !y) return;
      const py = y.getPixelForValue(HEALTHY_UPDATE_RATIO);
      const { left, right, top, bottom } = c.chartArea;
      if (py < top - 0.5 || py > bottom + 0.5) return;
      const ctx = c.ctx;
      ctx.save();
      ctx.strokeStyle = currentTheme.threshold;
      ctx.lineWidth = 1;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(left, py);
      ctx.lineTo(right, py);
      ctx.stroke();
      ctx.restore();
    },
  };

  const options = (): ChartOptions<'bar' | 'line'> => ({
    ...baseOptions(currentTheme),
    interaction: { mode: 'index', intersect: false },
    scales: {
      x: {
        type: 'category',
        grid: { display: false },
        border: { color: currentTheme.grid },
        ticks: { color: currentTheme.foreground, maxRotation: 90, autoSkipPadding: 2 },
      },
      y: logYAxis(bounds, '‖ΔW‖/‖W‖ (log)', currentTheme),
    },
    plugins: {
      legend: barLegend(currentTheme),
      tooltip: {
        ...tooltipStyle(currentTheme),
        callbacks: {
          label: (item: TooltipItem<'bar' | 'line'>) =>
            item.datasetIndex === 1
              ? `healthy: ${formatValue(HEALTHY_UPDATE_RATIO)}`
              : `${item.dataset.label}: ${raw[item.dataIndex] === undefined ? 'no step yet' : formatValue(raw[item.dataIndex] ?? NaN)}`,
        },
      },
    },
  });

  const chart = new Chart<'bar' | 'line', (number | null)[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        {
          type: 'bar',
          label: 'update / weight',
          data: [],
          order: 0,
          backgroundColor: theme.mean,
          barPercentage: 0.8,
          categoryPercentage: 0.9,
          borderWidth: 0,
        },
        {
          // Drawn edge to edge by the plugin; the dataset itself paints nothing.
          type: 'line',
          label: 'healthy ≈ 1e-3',
          data: [],
          order: 1,
          backgroundColor: theme.threshold,
          borderColor: theme.threshold,
          borderWidth: 1,
          borderDash: [6, 4],
          showLine: false,
          pointRadius: 0,
          pointHoverRadius: 0,
        },
      ],
    },
    options: options(),
    plugins: [referenceLine],
  });

  return {
    update(layerNames, layers) {
      const labels = layers.length > 0 ? layers.map((l) => l.name) : [...layerNames];
      raw = layers.map((l) => l.updateRatio);
      // The reference decade and the one above it are always on the axis, so the line sits inside the plot.
      bounds = logBounds([
        ...raw.filter((r): r is number => r !== undefined),
        HEALTHY_UPDATE_RATIO,
        HEALTHY_UPDATE_RATIO * 10,
      ]);
      chart.data.labels = labels;
      chart.data.datasets[0].data = raw.map((r) => (r === undefined ? null : logDisplayValue(r, bounds.min)));
      chart.data.datasets[0].backgroundColor = barColors();
      chart.data.datasets[1].data = labels.map(() => HEALTHY_UPDATE_RATIO);
      const y = chart.options.scales?.y;
      if (y) Object.assign(y, { min: bounds.min, max: bounds.max });
      chart.update('none');
    },
    applyTheme(t) {
      currentTheme = t;
      chart.data.datasets[0].backgroundColor = barColors();
      chart.data.datasets[1].backgroundColor = t.threshold;
      chart.data.datasets[1].borderColor = t.threshold;
      chart.options = options();
      restyle(chart);
    },
    read: () => snapshot(chart, 'backgroundColor', (i) => (i === 0 ? currentTheme.mean : currentTheme.threshold)),
  };
}
