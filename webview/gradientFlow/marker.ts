// A chart.js plugin that draws a labelled vertical line at one x value: where a paused debug session is.

import type { Chart } from 'chart.js';

/** The marker's position and look, read at every draw so updates need no new plugin. */
export interface MarkerSource {
  /** x value of the line (chart units), or null for none. */
  x(): number | null;
  label(): string;
  color(): string;
}

/** A plugin (register it per chart) drawing the marker above the datasets, clipped to the chart area. */
export function verticalMarker(id: string, source: MarkerSource) {
  return {
    id,
    afterDatasetsDraw(c: Chart) {
      const x = source.x(),
        scale = c.scales.x;
      if (x === null || !scale) return;
      const px = scale.getPixelForValue(x);
      const { left, right, top, bottom } = c.chartArea;
      if (!Number.isFinite(px) || px < left - 0.5 || px > right + 0.5) return;
      const ctx = c.ctx;
      ctx.save();
      ctx.strokeStyle = source.color();
      ctx.fillStyle = source.color();
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = '10px sans-serif';
      ctx.textBaseline = 'top';
      // The label sits inside the plot, on whichever side of the line has room.
      const text = source.label(),
        w = ctx.measureText(text).width;
      ctx.textAlign = px + 4 + w <= right ? 'left' : 'right';
      ctx.fillText(text, ctx.textAlign === 'left' ? px + 4 : px - 4, top + 2);
      ctx.restore();
    },
  };
}
