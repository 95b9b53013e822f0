// unscaled-inputs: input columns far from the unit scale, read once from the data (no per-step cost).

import type { NetworkSpec } from '../../language/spec';
import type { DoctorThresholds } from '../thresholds';
import type { Hit, Rule, RuleContext } from '../types';

const fmt = (x: number) => x.toPrecision(3);

/** One input column off the unit scale: its statistics, the one past its threshold, and by how much. */
export interface UnscaledColumn {
  readonly column: number;
  readonly name: string;
  readonly mean: number;
  readonly std: number;
  readonly measured: number;
  readonly threshold: number;
  readonly excess: number;
}

/**
 * The input columns of `spec`'s samples whose |mean| is above `unscaledMean`, or whose standard deviation is above
 * `unscaledStd` or (when not 0: a constant column has no scale to fix) below its inverse; worst first.
 */
export function unscaledColumns(spec: NetworkSpec, th: DoctorThresholds): UnscaledColumn[] {
  const x = spec.data.x,
    n = x.length,
    src = spec.data.source,
    names = src?.kind === 'csv' ? src.inputs : [];
  const out: UnscaledColumn[] = [];
  for (let j = 0; n && j < spec.inputSize; j++) {
    let s = 0,
      sq = 0;
    for (let i = 0; i < n; i++) s += x[i][j];
    const mean = s / n;
    for (let i = 0; i < n; i++) sq += (x[i][j] - mean) ** 2;
    const std = Math.sqrt(sq / n),
      low = 1 / th.unscaledStd;
    const candidates = [
      { measured: Math.abs(mean), threshold: th.unscaledMean, excess: Math.abs(mean) / th.unscaledMean },
      { measured: std, threshold: th.unscaledStd, excess: std / th.unscaledStd },
      { measured: std, threshold: low, excess: std > 0 ? low / std : 0 },
    ];
    const worst = candidates.reduce((a, b) => (b.excess > a.excess ? b : a));
    if (worst.excess > 1) out.push({ column: j, name: names[j] ?? `x${j + 1}`, mean, std, ...worst });
  }
  return out.sort((a, b) => b.excess - a.excess);
}

/**
 * unscaled-inputs: some input column's |mean| or standard deviation is an order of magnitude off the unit scale
 * that Xavier/He initialisation assume (LeCun et al. 1998, Efficient BackProp §4.3: inputs of mean 0 and equal
 * variance). The first layer's pre-activations then start far from where its activation has a slope, and the loss
 * surface is stretched along that column's weights (the step size that suits one column is too large or too small
 * for the others). Checked once, from the samples; silent when the first layer is a `batchnorm` (it standardizes
 * the inputs itself). Sits on the `data` line.
 */
export function unscaledInputs(): Rule {
  const measure = ({ trainer: t, thresholds: th }: RuleContext): Hit | null => {
    if (t.spec.layers[0]?.kind === 'batchnorm') return null;
    const cols = unscaledColumns(t.spec, th);
    if (!cols.length) return null;
    const w = cols[0];
    const listed = cols
      .slice(0, 4)
      .map((c) => `'${c.name}' (mean ${fmt(c.mean)}, std ${fmt(c.std)})`)
      .join(', ');
    return {
      anchor: { kind: 'data' },
      step: 0,
      measured: w.measured,
      threshold: w.threshold,
      excess: w.excess,
      message: () =>
        `unscaled inputs: ${cols.length === 1 ? 'input column' : `${cols.length} input columns, e.g.`} ${listed} ${cols.length === 1 ? 'is' : 'are'} off the unit scale (thresholds |mean| ≤ ${th.unscaledMean}, std in [${1 / th.unscaledStd}, ${th.unscaledStd}]); standardize them to mean 0 and std 1 (\`standardize\` on a \`data csv\` line, or rescale the columns)`,
    };
  };
  // Measured after the first step (then unsubscribed), for a debug session's exception filter to stop on at the end
  // of the first epoch; measured again at the end, with the thresholds as they are then.
  let first: Hit | null = null,
    measured = false;
  return {
    id: 'unscaled-inputs',
    afterUpdate(ctx) {
      first = measure(ctx);
      measured = true;
      return false;
    },
    pending() {
      const h = first;
      first = null;
      if (h) return h;
      return measured ? false : null; // measured: nothing more to offer until the end
    },
    finish(ctx) {
      const h = measure(ctx);
      if (h) ctx.report(h);
    },
  };
}
