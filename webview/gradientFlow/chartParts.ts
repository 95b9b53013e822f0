// The parts every Gradient Flow chart is built from: chart.js registration, the common look (theme colours, fonts,
// tooltips, log and linear y axes) and the snapshot a chart gives for inspection. Legends are HTML (legend.ts).

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type Scale,
} from 'chart.js';
import { formatLogTick, formatValue, logTicks, type LogBounds } from './scales';
import type { ChartTheme } from './theme';

// Only the parts in use are registered, which keeps the webview bundle small. No Legend: the panels draw their own in
// HTML (legend.ts), so an update does not fit and paint one on the canvas.
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  LogarithmicScale,
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

/** A chart's labels, datasets (with their colours) and y scale, copied out. */
export function snapshot(
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

/** Sets the font chart.js falls back to everywhere (ticks, titles, tooltips) to the editor UI font. */
function applyDefaultFont(theme: ChartTheme): void {
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.font.size = FONT_SIZE;
}

/** Common look: no animation (live updates arrive several times a second), theme colours, small sidebar fonts. */
export function baseOptions(theme: ChartTheme) {
  applyDefaultFont(theme);
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    color: theme.foreground,
    layout: { padding: { top: 2, right: 4 } },
  };
}

/** Tooltips styled like VS Code's hovers. */
export function tooltipStyle(theme: ChartTheme) {
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

/** An axis title in the muted colour. */
export function axisTitle(text: string, theme: ChartTheme) {
  return { display: true, text, color: theme.muted, font: { size: FONT_SIZE }, padding: 2 };
}

/** A log y axis with bounds fixed to whole decades and ticks from `logTicks`. */
export function logYAxis(bounds: LogBounds, title: string, theme: ChartTheme) {
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
export function linearYAxis(title: string, theme: ChartTheme) {
  return {
    type: 'linear' as const,
    min: 0,
    title: axisTitle(title, theme),
    grid: { color: theme.grid },
    border: { color: theme.grid },
    ticks: { color: theme.foreground, maxTicksLimit: 6, callback: (v: number | string) => formatValue(Number(v)) },
  };
}

/**
 * Redraws after colours changed. Not `update('none')`: in that mode chart.js keeps the element options it shares
 * between bars, so the old theme's colours would stay. With animations off the default mode is just as immediate.
 */
export function restyle(chart: { update(): void }): void {
  chart.update();
}
