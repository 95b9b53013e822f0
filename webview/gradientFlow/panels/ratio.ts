// The update-to-weight panel: ‖lr·ΔW‖ / ‖W‖ of the last optimizer step per layer, against the healthy 1e-3.

import { Chart, type ChartOptions, type TooltipItem } from 'chart.js';
import type { LayerGradStats } from '../../../wire/types';
import { classifyUpdateRatio, HEALTHY_UPDATE_RATIO } from '../model';
import { formatValue, logBounds, logDisplayValue } from '../scales';
import type { ChartTheme } from '../theme';
import { baseOptions, logYAxis, restyle, snapshot, tooltipStyle, type ChartSnapshot } from '../chartParts';
import { appendMarkup, byId, setAttr, setText, type PanelFactory } from '../panel';
import { bindLegend, legendMarkup } from '../legend';
import { changeTracker } from '../changes';

const MARKUP = `<section class="panel" aria-labelledby="ratio-heading">
  <div class="panel-head">
    <h3 id="ratio-heading" title="‖lr·ΔW‖ / ‖W‖ of the last optimizer step; about 1e-3 is healthy">Update / weight</h3>
  </div>
  ${legendMarkup('ratio-legend', [
    { label: 'update / weight', swatch: '' },
    { label: 'healthy ≈ 1e-3', swatch: 'swatch-line swatch-dashed swatch-threshold' },
  ])}
  <div class="chart chart-ratio">
    <canvas id="ratio-chart" role="img" aria-label="Per-layer update-to-weight ratio"></canvas>
  </div>
  <p id="ratio-summary" class="meta" role="status"></p>
</section>`;

/** The bars and a summary naming the layers that learn too slowly or too fast. */
export const ratioPanel: PanelFactory = (parent, context) => {
  appendMarkup(parent, MARKUP);
  const canvas = byId<HTMLCanvasElement>('ratio-chart');
  const summary = byId<HTMLElement>('ratio-summary');
  const chart = createRatioChart(canvas, context.theme, byId<HTMLElement>('ratio-legend'));

  return {
    render(model) {
      chart.update(model.layerNames, model.layers);
      const known = model.layers.filter((l) => l.updateRatio !== undefined);
      const slow = known.filter((l) => classifyUpdateRatio(l.updateRatio) === 'slow').map((l) => l.name);
      const fast = known.filter((l) => classifyUpdateRatio(l.updateRatio) === 'fast').map((l) => l.name);
      setText(
        summary,
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
              .join(' · '),
      );
      setAttr(canvas, 'aria-label', ratioLabel(known));
    },
    applyTheme: (theme) => chart.applyTheme(theme),
    chart: { name: 'ratio', read: () => chart.read() },
  };
};

/** A spoken summary of the bars. */
function ratioLabel(known: readonly LayerGradStats[]): string {
  const parts = known.slice(0, 30).map((l) => `${l.name} ${formatValue(l.updateRatio ?? NaN)}`);
  return known.length === 0
    ? 'Per-layer update-to-weight ratio: no data yet'
    : `Update-to-weight ratio per layer (healthy about 1e-3): ${parts.join('; ')}${known.length > 30 ? `; and ${known.length - 30} more` : ''}`;
}

/** The per-layer update-to-weight ratio bars. */
interface RatioChart {
  update(layerNames: readonly string[], layers: readonly LayerGradStats[]): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/**
 * ‖lr·ΔW‖ / ‖W‖ per layer on a log axis, with a dashed reference line at the healthy 1e-3 drawn across the whole plot
 * (a line dataset holds it, for the legend, tooltips and tests; a plugin draws it edge to edge, since a line over
 * category labels would only span the first to the last bar's centre). Bars more than 10× below the reference take
 * the vanishing colour (learning slowly), more than 10× above it the exploding one (updates too large).
 */
function createRatioChart(canvas: HTMLCanvasElement, theme: ChartTheme, legendList: HTMLElement): RatioChart {
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
      const y = c.scales.y;
      // Hidden by its legend entry too (a click hides a dataset through its meta, not `dataset.hidden`).
      if (!c.data.datasets[1] || !c.isDatasetVisible(1) || !y) return;
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
  // Both entries are always there: the legend changes only when a click hides one, which it handles itself.
  bindLegend(legendList, chart).render();
  const changed = changeTracker();

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
      const bars = raw.map((r) => (r === undefined ? null : logDisplayValue(r, bounds.min)));
      const colors = barColors();
      if (!changed([bounds.min, bounds.max, labels, bars, colors])) return;
      chart.data.labels = labels;
      chart.data.datasets[0].data = bars;
      chart.data.datasets[0].backgroundColor = colors;
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
