// The gradient norm panel: the global gradient norm before and after clipping, and the clip threshold.

import { Chart, type ChartOptions, type TooltipItem } from 'chart.js';
import type { GradNormPoint } from '../protocol';
import { lossPointsForDisplay } from '../model';
import { formatValue, logBounds, logDisplayValue } from '../scales';
import type { ChartTheme } from '../theme';
import { verticalMarker } from '../marker';
import { axisTitle, baseOptions, logYAxis, restyle, snapshot, tooltipStyle, type ChartSnapshot } from '../chartParts';
import { appendMarkup, byId, setAttr, setText, type PanelFactory } from '../panel';
import { bindLegend, legendMarkup } from '../legend';
import { changeTracker } from '../changes';

const MARKUP = `<section class="panel" aria-labelledby="norm-heading">
  <div class="panel-head">
    <h3 id="norm-heading">Gradient norm</h3>
  </div>
  ${legendMarkup('norm-legend', [
    { label: 'before clip', swatch: 'swatch-line swatch-max' },
    { label: 'after clip', swatch: 'swatch-line' },
    { label: 'clip threshold', swatch: 'swatch-line swatch-dashed swatch-threshold' },
  ])}
  <div class="chart chart-norm">
    <canvas id="norm-chart" role="img" aria-label="Global gradient norm before and after clipping"></canvas>
  </div>
  <p id="norm-summary" class="meta"></p>
</section>`;

/** The curves, the paused step marked on them, and how often clipping applied. */
export const normPanel: PanelFactory = (parent, context) => {
  appendMarkup(parent, MARKUP);
  const canvas = byId<HTMLCanvasElement>('norm-chart');
  const summary = byId<HTMLElement>('norm-summary');
  const chart = createNormChart(canvas, context.theme, byId<HTMLElement>('norm-legend'));

  return {
    render(model) {
      const points = lossPointsForDisplay(model.gradNorm);
      chart.update(points, model.clipNorm, model.pausedAt?.step ?? null);
      const last = points[points.length - 1];
      const parts: string[] = [];
      if (last) parts.push(`step ${last.step}: ${formatValue(last.before)} → ${formatValue(last.after)}`);
      if (model.clipNorm !== null) {
        parts.push(`threshold ${formatValue(model.clipNorm)}`);
        if (model.normSamples > 0) {
          const pct = Math.round((100 * model.clippedSamples) / model.normSamples);
          const steps = model.normCounted ? 'steps' : 'sampled steps';
          parts.push(`clipped in ${model.clippedSamples} of ${model.normSamples} ${steps} (${pct}%)`);
        }
      } else if (last) {
        parts.push('no clipping');
      }
      setText(summary, parts.join(' · '));
      setAttr(canvas, 'aria-label', `Global gradient norm before and after clipping. ${summary.textContent}`);
    },
    applyTheme: (theme) => chart.applyTheme(theme),
    chart: { name: 'norm', read: () => chart.read() },
  };
};

/** The global gradient norm chart. */
interface NormChart {
  update(points: readonly GradNormPoint[], clipNorm: number | null, marker?: number | null): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/**
 * Global gradient norm before and after clipping against the optimizer step, log y (norms span decades when
 * gradients explode), with the clip threshold as a dashed horizontal line across the plotted steps.
 */
function createNormChart(canvas: HTMLCanvasElement, theme: ChartTheme, legendList: HTMLElement): NormChart {
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
  // The threshold's entry is struck through while the run has no clipping (its dataset hidden), as chart.js's was.
  const legend = bindLegend(legendList, chart);
  legend.render();
  const changed = changeTracker();

  return {
    update(points, clipNorm, marker = null) {
      threshold = clipNorm;
      markerAt = marker;
      raw = { before: points.map((p) => p.before), after: points.map((p) => p.after) };
      bounds = logBounds([...raw.before, ...raw.after, ...(clipNorm === null ? [] : [clipNorm])]);
      const before = points.map((p) => ({ x: p.step, y: logDisplayValue(p.before, bounds.min) }));
      const after = points.map((p) => ({ x: p.step, y: logDisplayValue(p.after, bounds.min) }));
      const first = points[0]?.step ?? 0;
      const last = points[points.length - 1]?.step ?? 1;
      const line =
        clipNorm === null
          ? []
          : [
              { x: first, y: clipNorm },
              { x: Math.max(last, first + 1), y: clipNorm },
            ];
      if (!changed([bounds.min, bounds.max, marker, before, after, line])) return;
      chart.data.datasets[0].data = before;
      chart.data.datasets[1].data = after;
      chart.data.datasets[2].data = line;
      chart.data.datasets[2].hidden = clipNorm === null;
      const y = chart.options.scales?.y;
      if (y) Object.assign(y, { min: bounds.min, max: bounds.max });
      chart.update('none');
      legend.render();
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
