// Maps breakpoint lines of a .nnet file onto runtime nodes: verified on a layer line (every node on it, so a line
// inside `repeat` breaks at each copy), moved to the nearest layer line inside the network block, otherwise
// unverified with a reason.

import type { NetworkSpec } from '../../engine/language/spec';
import { flattenLayers } from '../../engine/nn/model';

/** Where a requested breakpoint ended up. Lines are 1-based. */
export interface ResolvedBreakpoint {
  readonly requestedLine: number;
  readonly verified: boolean;
  readonly line: number;
  /** Indices of the runtime nodes it breaks on (empty if unverified). */
  readonly nodes: readonly number[];
  readonly message?: string;
}

/** Resolves requested 1-based lines against a parsed network (null when the file has errors). */
export function resolveBreakpoints(
  spec: NetworkSpec | null,
  lines: readonly number[],
  firstError?: string,
): ResolvedBreakpoint[] {
  if (!spec) {
    const message = `The file has errors, so no breakpoint can be placed${firstError ? `: ${firstError}` : ''}`;
    return lines.map((requestedLine) => ({ requestedLine, verified: false, line: requestedLine, nodes: [], message }));
  }
  const nodes = flattenLayers(spec.inputSize, spec.layers).nodes;
  const nodeLines = nodes.map((n) => n.line + 1);
  const layerLines = [...new Set(nodeLines)].sort((a, b) => a - b);
  const onLine = (line: number) => nodeLines.flatMap((l, i) => (l === line ? [i] : []));
  const first = spec.inputRange.line; // 0-based line of `input`, i.e. the 1-based line just above it is `network`
  const last = layerLines[layerLines.length - 1];
  return lines.map((requestedLine) => {
    if (layerLines.includes(requestedLine))
      return { requestedLine, verified: true, line: requestedLine, nodes: onLine(requestedLine) };
    if (requestedLine >= first && requestedLine <= last) {
      const best = layerLines.reduce(
        (b, l) => (Math.abs(l - requestedLine) < Math.abs(b - requestedLine) ? l : b),
        layerLines[0],
      );
      const name = nodes[onLine(best)[0]].name;
      return {
        requestedLine,
        verified: true,
        line: best,
        nodes: onLine(best),
        message: `Moved to the nearest layer, '${name}'`,
      };
    }
    return {
      requestedLine,
      verified: false,
      line: requestedLine,
      nodes: [],
      message: 'nnet breaks on layer lines only (the lines of the network block)',
    };
  });
}
