// Maps breakpoint lines of a .nnet file onto layers: verified on a layer line, moved to the nearest layer line
// inside the network block, otherwise unverified with a reason.

import type { NetworkSpec } from '../../engine/language/spec';

/** Where a requested breakpoint ended up. Lines are 1-based. */
export interface ResolvedBreakpoint {
  readonly requestedLine: number;
  readonly verified: boolean;
  readonly line: number;
  /** Index of the layer it breaks on, or -1. */
  readonly layer: number;
  readonly message?: string;
}

/** Resolves requested 1-based lines against a parsed network (null when the file has errors). */
export function resolveBreakpoints(spec: NetworkSpec | null, lines: readonly number[], firstError?: string): ResolvedBreakpoint[] {
  return lines.map((requestedLine) => {
    if (!spec) {
      return { requestedLine, verified: false, line: requestedLine, layer: -1, message: `The file has errors, so no breakpoint can be placed${firstError ? `: ${firstError}` : ''}` };
    }
    const layerLines = spec.layers.map((l) => l.range.line + 1);
    const exact = layerLines.indexOf(requestedLine);
    if (exact >= 0) return { requestedLine, verified: true, line: requestedLine, layer: exact };
    const networkStart = spec.inputRange.line; // 0-based line of `input`, just below `network`
    const networkEnd = layerLines[layerLines.length - 1];
    if (requestedLine >= networkStart && requestedLine <= networkEnd) {
      let best = 0;
      layerLines.forEach((l, i) => { if (Math.abs(l - requestedLine) < Math.abs(layerLines[best] - requestedLine)) best = i; });
      return { requestedLine, verified: true, line: layerLines[best], layer: best, message: `Moved to the nearest layer, '${spec.layers[best].name}'` };
    }
    return { requestedLine, verified: false, line: requestedLine, layer: -1, message: 'nnet breaks on layer lines only (the dense lines of the network block)' };
  });
}
