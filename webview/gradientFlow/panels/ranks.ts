// The per-rank panel of a distributed PyTorch run: each process's global gradient norm at its latest step, side by
// side. DDP averages the ranks' gradients in backward, so the ranks of one step should agree: a rank far from the
// others is out of step or not synchronised (a module outside DDP, a rank on its own data path), which one averaged
// set of bars would hide. Hidden while the run has one rank or none.

import { Chart, type ChartOptions, type TooltipItem } from 'chart.js';
import type { RankGradNorm } from '../../../wire/types';
import { formatValue, logBounds, logDisplayValue } from '../scales';
import type { ChartTheme } from '../theme';
import { baseOptions, logYAxis, restyle, snapshot, tooltipStyle, type ChartSnapshot } from '../chartParts';
import { appendMarkup, byId, setAttr, setText, type PanelFactory } from '../panel';
import { bindLegend, legendMarkup } from '../legend';
import { changeTracker } from '../changes';

const MARKUP = `<section id="ranks-panel" class="panel" aria-labelledby="ranks-heading" hidden>
  <div class="panel-head">
    <h3 id="ranks-heading" title="Each process's global gradient norm at its latest step; after DDP's all-reduce the ranks should agree">Gradient norm per rank</h3>
  </div>
  ${legendMarkup('ranks-legend', [{ label: 'global ‖grad‖ of each rank', swatch: '' }])}
  <div class="chart chart-ranks">
    <canvas id="ranks-chart" role="img" aria-label="Global gradient norm of each rank"></canvas>
  </div>
  <p id="ranks-summary" class="meta" role="status"></p>
</section>`;

/** Ranks whose norms differ by more than this factor are called out (and their bars take the exploding colour). */
export const RANK_SPREAD_WARN = 10;

/** The bars, and a summary of how far the ranks disagree. */
export const ranksPanel: PanelFactory = (parent, context) => {
  appendMarkup(parent, MARKUP);
  const section = byId<HTMLElement>('ranks-panel');
  const canvas = byId<HTMLCanvasElement>('ranks-chart');
  const summary = byId<HTMLElement>('ranks-summary');
  const chart = createRanksChart(canvas, context.theme, byId<HTMLElement>('ranks-legend'));

  return {
    render(model) {
      section.hidden = model.ranks.length <= 1;
      if (section.hidden) return;
      chart.update(model.ranks);
      setText(summary, ranksSummary(model.ranks, model.step));
      setAttr(canvas, 'aria-label', `Global gradient norm of each rank. ${summary.textContent}`);
    },
    applyTheme: (theme) => chart.applyTheme(theme),
    chart: { name: 'ranks', read: () => chart.read() },
  };
};

/** Max/min of the finite positive norms, NaN when fewer than two ranks have one. */
export function rankSpread(ranks: readonly RankGradNorm[]): number {
  const norms = ranks.map((r) => r.gradNorm).filter((n) => Number.isFinite(n) && n > 0);
  return norms.length < 2 ? NaN : Math.max(...norms) / Math.min(...norms);
}

/** One line: the ranks' count, their spread, and any rank whose norm is not finite. */
function ranksSummary(ranks: readonly RankGradNorm[], step: number | null): string {
  const bad = ranks.filter((r) => !Number.isFinite(r.gradNorm)).map((r) => `rank ${r.rank}`);
  const spread = rankSpread(ranks);
  return [
    `${ranks.length} ranks${step === null ? '' : ` · step ${step}`}`,
    Number.isNaN(spread)
      ? ''
      : spread > RANK_SPREAD_WARN
        ? `ranks differ ${formatValue(spread)}×`
        : `max/min ${formatValue(spread)}`,
    bad.length ? `not finite: ${bad.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/** The per-rank bars. */
interface RanksChart {
  update(ranks: readonly RankGradNorm[]): void;
  applyTheme(theme: ChartTheme): void;
  read(): ChartSnapshot;
}

/** The median of `xs` (NaN for none): the ranks' consensus, which one odd rank cannot drag. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * One bar per rank on a log axis (norms of disagreeing ranks span decades). A bar more than RANK_SPREAD_WARN× above
 * the ranks' median takes the exploding colour, one that far below it the vanishing colour, a non-finite one the
 * error colour.
 */
function createRanksChart(canvas: HTMLCanvasElement, theme: ChartTheme, legendList: HTMLElement): RanksChart {
  let currentTheme = theme;
  let raw: number[] = [];
  let bounds = logBounds([]);
  const barColors = (): string[] => {
    const mid = median(raw.filter((n) => Number.isFinite(n)));
    return raw.map((n) =>
      !Number.isFinite(n)
        ? currentTheme.error
        : n > RANK_SPREAD_WARN * mid
          ? currentTheme.exploding
          : n * RANK_SPREAD_WARN < mid
            ? currentTheme.vanishing
            : currentTheme.mean,
    );
  };

  const options = (): ChartOptions<'bar'> => ({
    ...baseOptions(currentTheme),
    interaction: { mode: 'index', intersect: false },
    scales: {
      x: {
        type: 'category',
        grid: { display: false },
        border: { color: currentTheme.grid },
        ticks: { color: currentTheme.foreground, maxRotation: 0, autoSkipPadding: 4 },
      },
      y: logYAxis(bounds, '‖grad‖ (log)', currentTheme),
    },
    plugins: {
      tooltip: {
        ...tooltipStyle(currentTheme),
        callbacks: {
          label: (item: TooltipItem<'bar'>) => `‖grad‖: ${formatValue(raw[item.dataIndex] ?? NaN)}`,
        },
      },
    },
  });

  const chart = new Chart<'bar', (number | null)[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        {
          label: 'global ‖grad‖ of each rank',
          data: [],
          backgroundColor: theme.mean,
          barPercentage: 0.8,
          categoryPercentage: 0.9,
          borderWidth: 0,
        },
      ],
    },
    options: options(),
  });
  // One entry, always there: the legend changes only when a click hides it, which it handles itself.
  bindLegend(legendList, chart).render();
  const changed = changeTracker();

  return {
    update(ranks) {
      raw = ranks.map((r) => r.gradNorm);
      bounds = logBounds(raw);
      const labels = ranks.map((r) => `rank ${r.rank}`);
      const bars = raw.map((n) => logDisplayValue(n, bounds.min));
      const colors = barColors();
      if (!changed([bounds.min, bounds.max, labels, bars, colors])) return;
      chart.data.labels = labels;
      chart.data.datasets[0].data = bars;
      chart.data.datasets[0].backgroundColor = colors;
      const y = chart.options.scales?.y;
      if (y) Object.assign(y, { min: bounds.min, max: bounds.max });
      chart.update('none');
    },
    applyTheme(t) {
      currentTheme = t;
      chart.data.datasets[0].backgroundColor = barColors();
      chart.options = options();
      restyle(chart);
    },
    read: () => snapshot(chart, 'backgroundColor', () => currentTheme.mean),
  };
}
