// Where a finding's anchor sits in the .nnet source: the line and column of a layer or of a statement.

import type { NetworkSpec } from '../language/spec';
import type { Trainer } from '../runtime/trainer';
import type { Anchor } from './types';

/** Where an anchor sits in the source: 0-based line and column. */
export function anchorPosition(
  spec: NetworkSpec,
  t: Trainer,
  a: Anchor,
  lines?: readonly string[],
): { line: number; column: number; node: number } {
  if (a.kind === 'layer') {
    const n = t.model.nodes[a.node];
    // A residual block's end node sits on its `end` line; the spec's range is the block's statement.
    const col = n.line === n.spec.range.line ? n.spec.range.col : indentOf(lines, n.line);
    return { line: n.line, column: col, node: a.node };
  }
  const line =
    a.kind === 'loss'
      ? spec.lossRange.line
      : a.kind === 'data'
        ? spec.data.range.line
        : a.kind === 'clip' && spec.train.clipLine >= 0
          ? spec.train.clipLine
          : spec.train.optimizerLine >= 0
            ? spec.train.optimizerLine
            : spec.lossRange.line; // no optimizer line: the defaults apply, and the loss line is the nearest statement
  return { line, column: line === spec.lossRange.line ? spec.lossRange.col : indentOf(lines, line), node: -1 };
}

function indentOf(lines: readonly string[] | undefined, line: number): number {
  const text = lines?.[line];
  return text ? text.length - text.trimStart().length : 0;
}
