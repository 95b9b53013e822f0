// Turns VS Code's theme variables into the Gradient Flow charts' colours (canvas cannot follow CSS variables alone).

import { themeVar } from '../page';

/** Colours and font for the charts, resolved from the current theme. */
export interface ChartTheme {
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly gridMinor: string;
  readonly mean: string;
  readonly max: string;
  readonly loss: string;
  readonly valLoss: string;
  readonly vanishing: string;
  readonly exploding: string;
  readonly threshold: string;
  /** The previous run's faded loss overlay. */
  readonly previousRun: string;
  readonly error: string;
  readonly tooltipBackground: string;
  readonly tooltipForeground: string;
  readonly tooltipBorder: string;
  readonly fontFamily: string;
  readonly highContrast: boolean;
}

/** Dark Modern values, used only if a variable is missing (e.g. an old VS Code or a page outside VS Code). */
const FALLBACK: Record<string, string> = {
  '--vscode-charts-foreground': '#cccccc',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-errorForeground': '#f85149',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-editorHoverWidget-background': '#202020',
  '--vscode-editorHoverWidget-foreground': '#cccccc',
  '--vscode-editorHoverWidget-border': '#454545',
  '--vscode-font-family': 'system-ui, sans-serif',
};

function cssVar(style: CSSStyleDeclaration, name: string): string {
  return themeVar(style, name, FALLBACK[name] || '');
}

let scratch: CanvasRenderingContext2D | null | undefined;

/**
 * `color` with its alpha multiplied by `alpha`. Theme colours come in any CSS syntax (#rgb, #rrggbbaa, rgb(), names),
 * so a 2D context normalises them first: it reads back as `#rrggbb` or `rgba(r, g, b, a)`.
 */
export function withAlpha(color: string, alpha: number): string {
  if (scratch === undefined) scratch = document.createElement('canvas').getContext('2d');
  if (!scratch) return color;
  scratch.fillStyle = '#000000';
  scratch.fillStyle = color;
  const norm = String(scratch.fillStyle);
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(norm);
  if (hex) {
    return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, ${alpha})`;
  }
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)(?:,([^)]+))?\)$/.exec(norm.replace(/\s+/g, ''));
  if (rgba) {
    const a = rgba[4] === undefined ? 1 : Number(rgba[4]);
    return `rgba(${rgba[1]}, ${rgba[2]}, ${rgba[3]}, ${a * alpha})`;
  }
  return color;
}

/** The chart theme as the page's CSS variables say right now. */
export function readChartTheme(): ChartTheme {
  const style = getComputedStyle(document.body);
  const highContrast = document.body.classList.contains('vscode-high-contrast');
  const lines = cssVar(style, '--vscode-charts-lines');
  return {
    foreground: cssVar(style, '--vscode-charts-foreground'),
    muted: cssVar(style, '--vscode-descriptionForeground'),
    // charts-lines is already translucent; high contrast themes want grid lines that stay visible.
    grid: highContrast ? lines : withAlpha(lines, 0.5),
    gridMinor: highContrast ? withAlpha(lines, 0.5) : withAlpha(lines, 0.18),
    mean: cssVar(style, '--vscode-charts-blue'),
    max: cssVar(style, '--vscode-charts-orange'),
    loss: cssVar(style, '--vscode-charts-blue'),
    valLoss: cssVar(style, '--vscode-charts-green'),
    vanishing: cssVar(style, '--vscode-charts-purple'),
    exploding: cssVar(style, '--vscode-charts-red'),
    threshold: cssVar(style, '--vscode-charts-foreground'),
    previousRun: withAlpha(cssVar(style, '--vscode-charts-foreground'), highContrast ? 0.8 : 0.45),
    error: cssVar(style, '--vscode-errorForeground'),
    tooltipBackground: cssVar(style, '--vscode-editorHoverWidget-background'),
    tooltipForeground: cssVar(style, '--vscode-editorHoverWidget-foreground'),
    tooltipBorder: cssVar(style, '--vscode-editorHoverWidget-border'),
    fontFamily: cssVar(style, '--vscode-font-family'),
    highContrast,
  };
}
