// Whole-network checks after parsing: names, sizes, data widths, and whether the loss fits the output layer.

import { kindOf } from '../nn/layers';
import { fusedActivation, type Loss } from '../nn/losses';
import type { ParseContext } from './context';
import type { RowDraft } from './data';
import {
  LIMITS,
  outputWidth,
  parameterCount,
  type DataSource,
  type LayerSpec,
  type NetworkSpec,
  type SourceRange,
} from './spec';
import { estimateMemory, formatBytes } from './resources';
import { scheduleOf, type TrainDraft } from './train';

/** Everything the parser gathered. */
export interface NetworkDraft {
  readonly name: string | null;
  readonly networkRange: SourceRange;
  readonly input: { size: number; range: SourceRange } | null;
  readonly layers: readonly LayerSpec[];
  /** False when some layer line failed to parse; width checks would then cascade. */
  readonly layersComplete: boolean;
  readonly loss: { kind: Loss; range: SourceRange } | null;
  readonly rows: readonly RowDraft[];
  /** Inline rows past the sample limit that were counted but not kept. */
  readonly rowsDropped: number;
  readonly dataRange: SourceRange;
  readonly dataSource: DataSource;
  readonly train: TrainDraft;
  /** Bytes training may use (parameters, gradients, optimizer state, activations). */
  readonly memoryBudget: number;
}

/** Checks a draft and returns the spec (meaningful only if no errors were reported). */
export function checkNetwork(ctx: ParseContext, d: NetworkDraft): NetworkSpec | null {
  const names = new Map<string, SourceRange>();
  let count = 0;
  const visit = (layers: readonly LayerSpec[]) => {
    for (const l of layers) {
      count++;
      const prev = names.get(l.name);
      if (prev && prev.line !== l.range.line)
        ctx.error(l.range, `a layer named '${l.name}' already exists on line ${prev.line + 1}`);
      else if (prev)
        ctx.error(
          l.range,
          `a layer named '${l.name}' appears twice (inside a repeat, names get _1, _2, … suffixes; rename one)`,
        );
      names.set(l.name, l.range);
      if (l.kind === 'residual') visit(l.body);
    }
  };
  visit(d.layers);
  if (count > LIMITS.maxLayers)
    ctx.error(d.networkRange, `the network has ${count} layers, more than the limit of ${LIMITS.maxLayers}`);
  const samples = d.rows.length + d.rowsDropped;
  if (samples > LIMITS.maxSamples)
    ctx.error(d.dataRange, `${samples} samples exceed the limit of ${LIMITS.maxSamples}`);

  let y = d.rows.map((r) => r.y);
  if (d.input && d.layers.length && d.layersComplete) {
    const params = parameterCount(d.input.size, d.layers);
    if (params > LIMITS.maxParameters) {
      ctx.error(
        d.networkRange,
        `the network has ${params.toLocaleString('en-US')} parameters, more than the limit of ${LIMITS.maxParameters.toLocaleString('en-US')}`,
      );
    } else if (count <= LIMITS.maxLayers) checkMemory(ctx, d);
    checkInputs(ctx, d.input.size, d.layers, new Set());
    const out = d.layers[d.layers.length - 1];
    const K = d.layers.reduce((w, l) => outputWidth(l, w), d.input.size);
    // Loaded rows (CSV, generators) share one range: report a problem there once, not once per sample.
    const reported = new Set<string>();
    if (d.loss) y = checkLoss(ctx, d.loss, out, K, d.rows, reported);
    for (let i = 0; i < d.rows.length; i++) {
      const r = d.rows[i];
      // A row that fits needs no key: no string per row for the ~100,000 rows of a large CSV, on every edit.
      if (r.x.length === d.input.size && y[i].length === K) continue;
      const key = `${r.range.line}:${r.range.col}`;
      if (reported.has(key)) continue;
      const what = r.origin ? `${r.origin} has` : 'this row has';
      if (r.x.length !== d.input.size)
        ctx.error(r.range, `${what} ${r.x.length} input value(s) but the network's input is ${d.input.size} wide`);
      else
        ctx.error(r.range, `${what} ${r.y.length} target value(s) but the output layer '${out.name}' has ${K} unit(s)`);
      reported.add(key);
    }
  }

  const t = d.train,
    n = d.rows.length;
  const nTrain = n - Math.floor(n * t.validation);
  if (t.validation > 0 && n && (nTrain < 1 || Math.floor(n * t.validation) < 1) && t.validationRange) {
    ctx.error(
      t.validationRange,
      `validation ${t.validation} of ${n} samples leaves ${nTrain < 1 ? 'no training' : 'no validation'} samples`,
    );
  }
  if (t.batch !== null && nTrain > 0 && t.batch > nTrain && t.batchRange) {
    ctx.warn(
      t.batchRange,
      `batch ${t.batch} is larger than the ${nTrain} training samples; training uses full batches of ${nTrain}`,
    );
  }
  // Kinds that need several samples per batch (batch norm) say so when a batch can hold one, once per kind.
  const batch = Math.min(t.batch ?? nTrain, nTrain);
  if (nTrain > 0 && (batch === 1 || nTrain % batch === 1)) {
    const where = batch === 1 ? '' : ` at the end of each epoch (${nTrain} training samples, batch ${batch})`;
    const warned = new Set<string>();
    const visitKinds = (layers: readonly LayerSpec[]): void =>
      layers.forEach((l) => {
        if (l.kind === 'residual') return visitKinds(l.body);
        const warning = kindOf(l).singleSampleWarning;
        if (warning && !warned.has(l.kind)) {
          warned.add(l.kind);
          ctx.warn(t.batchRange ?? d.networkRange, warning(where));
        }
      });
    visitKinds(d.layers);
  }
  if (!d.input || !d.loss || !d.name) return null;
  return {
    name: d.name,
    inputSize: d.input.size,
    inputRange: d.input.range,
    layers: d.layers,
    loss: d.loss.kind,
    lossRange: d.loss.range,
    data: { x: d.rows.map((r) => r.x), y, range: d.dataRange, source: d.dataSource },
    train: {
      epochs: t.epochs,
      batch: Math.max(1, Math.min(t.batch ?? nTrain, nTrain)),
      accumulate: t.accumulate,
      optimizer: t.optimizer,
      schedule: scheduleOf(t),
      clip: t.clip,
      seed: t.seed,
      validation: t.validation,
      shuffle: t.shuffle,
      optimizerLine: t.optimizerLine,
      clipLine: t.clipLine,
    },
  };
}

/** Refuses a network whose training buffers would not fit the memory budget, on the line to change. */
function checkMemory(ctx: ParseContext, d: NetworkDraft): void {
  const n = d.rows.length,
    nTrain = n - Math.floor(n * d.train.validation);
  const batch = Math.max(1, Math.min(d.train.batch ?? nTrain, nTrain));
  const m = estimateMemory(d.input!.size, d.layers, batch, d.train.optimizer.kind);
  if (m.total <= d.memoryBudget) return;
  const budget = formatBytes(d.memoryBudget);
  const fixed = m.total - m.activations;
  if (fixed > d.memoryBudget / 2 || !m.widest) {
    ctx.error(
      d.networkRange,
      `parameters, gradients and ${d.train.optimizer.kind} state need ${formatBytes(fixed)}; the memory budget is ${budget}`,
    );
    return;
  }
  const most = Math.max(1, Math.floor((d.memoryBudget - fixed) / (m.valuesPerSample * 4)));
  const fix = d.train.batchRange
    ? `set 'batch' to at most ${most.toLocaleString('en-US')}`
    : `add 'batch N' (N ≤ ${most.toLocaleString('en-US')}) to the train section`;
  ctx.error(
    d.train.batchRange ?? m.widest.layer.range,
    `batch ${batch.toLocaleString('en-US')} × width ${m.widest.width.toLocaleString('en-US')} needs ${formatBytes(m.activations)} for activations (${m.valuesPerSample.toLocaleString('en-US')} values per sample); the memory budget is ${budget} — ${fix}`,
  );
}

/** Checks that the loss fits the output; returns the targets, with class indices expanded to one-hot. */
function checkLoss(
  ctx: ParseContext,
  loss: { kind: Loss; range: SourceRange },
  out: LayerSpec,
  K: number,
  rows: readonly RowDraft[],
  reported: Set<string>,
): number[][] {
  const outAct = out.kind === 'residual' ? null : (kindOf(out).activation?.(out).activation ?? null);
  const wanted = fusedActivation(loss.kind);
  if (loss.kind === 'bce' && outAct === 'softmax') {
    ctx.error(
      out.range,
      `softmax followed by bce: softmax outputs sum to 1 across classes, bce treats each output as its own yes/no. Use 'loss cross_entropy' with softmax, or a sigmoid output with bce`,
    );
  } else if (wanted && outAct !== wanted) {
    const why =
      loss.kind === 'cross_entropy'
        ? `cross_entropy is fused with a softmax output so that δ = (a − y)/B at the output (each sample's a − y, averaged over the batch; stable for any logits); make the output layer '${out.name}' softmax`
        : `loss bce needs outputs in (0, 1): make the output layer '${out.name}' sigmoid (bce is then computed from its logits, δ = (a − y)/(B·K))`;
    ctx.error(out.range, `${why} (it is ${outAct ?? out.kind})`);
  }
  if (loss.kind === 'bce' && rows.some((r) => r.y.some((v) => v < 0 || v > 1)))
    ctx.error(loss.range, 'loss bce needs targets between 0 and 1');
  if (loss.kind !== 'cross_entropy') return rows.map((r) => r.y);
  const report = (r: RowDraft, message: string) => {
    const key = `${r.range.line}:${r.range.col}`;
    if (!reported.has(key)) ctx.error(r.range, r.origin ? `${r.origin}: ${message}` : message);
    reported.add(key);
  };
  return rows.map((r) => {
    if (r.y.length === 1 && K > 1) {
      const c = r.y[0];
      if (!Number.isInteger(c) || c < 0 || c >= K) {
        report(r, `class label ${c} is not an integer from 0 to ${K - 1}`);
        return r.y;
      }
      return Array.from({ length: K }, (_, k) => (k === c ? 1 : 0));
    }
    if (r.y.length === K && (r.y.some((v) => v < 0 || v > 1) || Math.abs(r.y.reduce((a, b) => a + b, 0) - 1) > 1e-6)) {
      report(r, 'cross_entropy targets must be one-hot (or probabilities summing to 1), or a single class index');
    }
    return r.y;
  });
}

/** Each layer's own check of its input width (values written for another shape), once per source line. */
function checkInputs(ctx: ParseContext, inWidth: number, layers: readonly LayerSpec[], reported: Set<string>): void {
  let w = inWidth;
  for (const l of layers) {
    if (l.kind === 'residual') checkInputs(ctx, w, l.body, reported);
    else {
      const problem = kindOf(l).checkInput?.(l as never, w);
      const key = `${l.range.line}:${l.range.col}`;
      if (problem && !reported.has(key)) {
        reported.add(key);
        ctx.error(l.range, problem);
      }
    }
    w = outputWidth(l, w);
  }
}
