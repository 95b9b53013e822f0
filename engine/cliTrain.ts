// `nnet train`: trains a checked network and prints what a learner needs to follow it — loss, accuracy and the
// validation numbers per epoch, and per layer the gradient sizes and how far one step moves the weights.

import type { NetworkSpec } from './language/spec';
import { formatSummary } from './nn/tensor';
import { nodeTensors } from './runtime/snapshot';
import { NonFiniteError, Trainer, type EpochMetrics } from './runtime/trainer';

/** One weighted layer's numbers for an epoch (its last step's gradients, its first step's update). */
export interface LayerEpochStats {
  readonly name: string;
  /** Mean and max |∂L/∂W| of the epoch's last backward pass, before clipping. */
  readonly meanAbsGrad: number;
  readonly maxAbsGrad: number;
  /** ‖ΔW‖ / ‖W‖ of the epoch's first optimizer step (NaN when W was all zero). */
  readonly updateRatio: number;
}

/** The weights of every weighted node (copies), keyed by node index. */
function copyWeights(t: Trainer): Map<number, Float32Array | Float64Array> {
  const out = new Map<number, Float32Array | Float64Array>();
  t.model.nodes.forEach((n, i) => {
    if (n.wSize > 0) out.set(i, nodeTensors(t, i).W!.values.slice());
  });
  return out;
}

/** ‖W_now − W_before‖ / ‖W_before‖ per node of `before`. */
function updateRatios(t: Trainer, before: Map<number, Float32Array | Float64Array>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [i, w0] of before) {
    const w = nodeTensors(t, i).W!.values;
    let d = 0,
      n = 0;
    for (let k = 0; k < w0.length; k++) {
      d += (w[k] - w0[k]) ** 2;
      n += w0[k] ** 2;
    }
    out.set(i, n > 0 ? Math.sqrt(d / n) : NaN);
  }
  return out;
}

/** The epoch's line for `--json` (non-finite numbers as null, as JSON.stringify writes them). */
function epochJson(t: Trainer, m: EpochMetrics, ratios: Map<number, number>): string {
  const layers: LayerEpochStats[] = t.gradStats().map((g) => ({
    name: g.name,
    meanAbsGrad: g.meanAbsGrad,
    maxAbsGrad: g.maxAbsGrad,
    updateRatio: ratios.get(g.node) ?? NaN,
  }));
  return JSON.stringify({
    epoch: m.epoch,
    step: t.step,
    loss: m.loss,
    ...(m.accuracy !== null && { accuracy: m.accuracy }),
    ...(m.valLoss !== null && { valLoss: m.valLoss }),
    ...(m.valAccuracy !== null && { valAccuracy: m.valAccuracy }),
    gradNorm: t.clip.normBefore,
    gradNormClipped: t.clip.normAfter,
    layers,
  });
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The epoch's line for people: loss, then accuracy and validation numbers where the run has them. */
function epochLine(m: EpochMetrics): string {
  let s = `epoch ${String(m.epoch).padStart(6)}  loss ${formatSummary(m.loss)}`;
  if (m.accuracy !== null) s += `  accuracy ${percent(m.accuracy)}`;
  if (m.valLoss !== null) s += `  val loss ${formatSummary(m.valLoss)}`;
  if (m.valAccuracy !== null) s += `  val accuracy ${percent(m.valAccuracy)}`;
  return s;
}

/** Trains `spec` to the end of its schedule; 1 when training hit a non-finite value, else 0. */
export function trainCommand(
  spec: NetworkSpec,
  json: boolean,
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const t = new Trainer(spec);
  const started = performance.now();
  const every = Math.max(1, Math.floor(spec.train.epochs / 20));
  // The first step of each epoch is measured: its weights before, compared after the step.
  let before: Map<number, Float32Array | Float64Array> | null = null,
    beforeStep = -1,
    ratios = new Map<number, number>(),
    epoch = 0;
  try {
    for (;;) {
      if (json && before === null && t.atStepStart && ratios.size === 0) {
        before = copyWeights(t);
        beforeStep = t.step;
      }
      if (!t.advanceStep()) break; // whole steps: nothing here looks inside one (all-dense networks run generated code)
      if (before && t.step > beforeStep) {
        ratios = updateRatios(t, before);
        before = null;
      }
      if (t.epoch === epoch) continue;
      epoch = t.epoch;
      const m = t.epochs.last!;
      if (json) out(epochJson(t, m, ratios));
      else if (epoch % every === 0 || epoch === spec.train.epochs) out(epochLine(m));
      ratios = new Map();
    }
  } catch (e) {
    if (e instanceof NonFiniteError) {
      err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    t.dispose(); // the helper thread of the large products, if any
  }
  if (!json) {
    const secs = (performance.now() - started) / 1000;
    out(`\n${t.step} steps in ${secs.toFixed(2)} s (${Math.round(t.step / secs)} steps/s)\n`);
    out('layer        mean|grad|    max|grad|    ‖W‖');
    for (const g of t.gradStats()) {
      const w = nodeTensors(t, g.node).W!.values;
      let sq = 0;
      for (const v of w) sq += v * v;
      const norm = Math.sqrt(sq);
      out(
        `${g.name.padEnd(12)} ${formatSummary(g.meanAbsGrad).padStart(10)}  ${formatSummary(g.maxAbsGrad).padStart(11)}  ${formatSummary(norm).padStart(8)}`,
      );
    }
  }
  return 0;
}
