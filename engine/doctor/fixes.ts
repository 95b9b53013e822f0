// The doctor's Quick Fixes: per rule, the edits of the .nnet source that remove the cause of a finding (the cures
// the lessons name). Computed from the spec (which layers, which optimizer) and the source lines (where the words are).

import type { LayerSpec, NetworkSpec } from '../language/spec';
import type { Finding, Fix, TextEdit } from './types';

type Draft = Omit<Finding, 'fixes'>;

/** The fixes the catalogue offers for `f`; none without the source text (there is nothing to edit). */
export function fixesFor(f: Draft, spec: NetworkSpec, lines: readonly string[] | undefined): Fix[] {
  if (!lines) return [];
  const out: (Fix | null)[] = [];
  switch (f.rule) {
    case 'vanishing':
      out.push(reluStack(spec, lines), residual(spec, lines), batchnorm(spec, lines));
      break;
    case 'saturated':
      // A skip path carries δ past a saturated layer but leaves its outputs saturated: no residual fix here.
      out.push(reluStack(spec, lines), batchnorm(spec, lines));
      break;
    case 'unchanged-weights':
      // On a sigmoid/tanh layer of a deep stack the weights stay put because the gradient vanished on the way.
      if (squashingLines(spec).includes(f.line))
        out.push(reluStack(spec, lines), residual(spec, lines), batchnorm(spec, lines));
      break;
    case 'nan':
      out.push(clip(spec, lines), lowerLr(spec, lines));
      break;
    case 'dead-relu':
      out.push(zeroBias(f.line, lines), leaky(f.line, lines));
      break;
    case 'symmetric-units':
    case 'all-zero':
    case 'poor-init':
      out.push(reinit(f.line, lines));
      break;
    case 'exploding':
      // A gradient too large at step 0 comes from the initialisation and the data, which no learning rate changes.
      out.push(clip(spec, lines), f.firstStep > 0 ? lowerLr(spec, lines) : null, warmup(f, spec, lines));
      break;
    case 'loss-spike':
      // Lower learning rate first: measured to cure layernorm.nnet's spike, which a clip at 1.0 does not.
      out.push(lowerLr(spec, lines), clip(spec, lines));
      break;
    case 'update-ratio':
      if (f.evidence.measured > f.evidence.threshold) out.push(lowerLr(spec, lines));
      break;
    case 'overfitting':
      out.push(adamW(spec, lines));
      break;
    case 'unscaled-inputs':
      out.push(standardize(spec, lines));
      break;
    case 'loss-not-decreasing':
      break;
  }
  return out.filter((x): x is Fix => x !== null);
}

/** A line split into indent, statement and trailing comment: edits touch the statement only. */
function statement(lines: readonly string[], line: number): { start: number; end: number; code: string } {
  const text = lines[line] ?? '';
  const hash = text.indexOf('#');
  const body = hash >= 0 ? text.slice(0, hash) : text;
  const start = body.length - body.trimStart().length;
  const code = body.trim();
  return { start, end: start + code.length, code };
}

/** Replaces the statement on `line` by `rewrite(code)`; null when nothing changes. */
function rewriteLine(lines: readonly string[], line: number, rewrite: (code: string) => string): TextEdit | null {
  const s = statement(lines, line);
  const next = rewrite(s.code);
  return next === s.code ? null : { line, col: s.start, endCol: s.end, newText: next };
}

function fix(title: string, edits: readonly (TextEdit | null)[]): Fix | null {
  const es = edits.filter((e): e is TextEdit => e !== null);
  return es.length ? { title, edits: es } : null;
}

/** Sets (or adds) `init=` on a dense statement; `bias_init=` is left alone. */
function withInit(code: string, init: string): string {
  return /(^|\s)init=\S+/.test(code) ? code.replace(/(^|\s)init=\S+/, `$1init=${init}`) : `${code} init=${init}`;
}

/** The dense layers of a stack, nested blocks included, in source order. */
function denseLayers(layers: readonly LayerSpec[]): LayerSpec[] {
  return layers.flatMap((l) => (l.kind === 'residual' ? denseLayers(l.body) : l.kind === 'dense' ? [l] : []));
}

/** The lines of the hidden sigmoid/tanh dense layers (the output layer keeps the activation its loss needs). */
function squashingLines(spec: NetworkSpec): number[] {
  const last = spec.layers[spec.layers.length - 1];
  const hidden = denseLayers(spec.layers).filter(
    (l) => l !== last && l.kind === 'dense' && (l.activation === 'sigmoid' || l.activation === 'tanh'),
  );
  return [...new Set(hidden.map((l) => l.range.line))];
}

/** The hidden sigmoid/tanh dense layers not already inside a `residual` block (wrapping one twice adds nothing). */
function unwrappedSquashingLines(spec: NetworkSpec): number[] {
  const inside = new Set<number>();
  const walk = (ls: readonly LayerSpec[], nested: boolean): void => {
    for (const l of ls)
      if (l.kind === 'residual') walk(l.body, true);
      else if (nested) inside.add(l.range.line);
  };
  walk(spec.layers, false);
  return squashingLines(spec).filter((ln) => !inside.has(ln));
}

/** Every hidden sigmoid/tanh layer to ReLU with He init. */
function reluStack(spec: NetworkSpec, lines: readonly string[]): Fix | null {
  return fix(
    'Switch the sigmoid/tanh hidden layers to relu with He init',
    squashingLines(spec).map((ln) =>
      rewriteLine(lines, ln, (c) => withInit(c.replace(/(^|\s)(sigmoid|tanh)(?=\s|$)/, '$1relu'), 'he')),
    ),
  );
}

function zeroBias(line: number, lines: readonly string[]): Fix | null {
  return fix('Start the biases at zero (bias_init=zeros)', [
    rewriteLine(lines, line, (c) =>
      /\sbias_init=(?!zeros(\s|$))\S+/.test(c) ? c.replace(/\sbias_init=\S+/, ' bias_init=zeros') : c,
    ),
  ]);
}

function leaky(line: number, lines: readonly string[]): Fix | null {
  return fix('Use leaky_relu (a small slope below zero keeps a gradient)', [
    rewriteLine(lines, line, (c) => c.replace(/(^|\s)relu(?=\s|$)/, '$1leaky_relu')),
  ]);
}

/** A zero or constant init: He for ReLU-like activations, Xavier otherwise. */
function reinit(line: number, lines: readonly string[]): Fix | null {
  const code = statement(lines, line).code;
  if (!/^dense\s/.test(code) || !/(^|\s)init=(zeros|constant\(|normal\()/.test(code)) return null;
  const init = /(^|\s)(relu|leaky_relu|elu|gelu|silu)(\s|$)/.test(code) ? 'he' : 'xavier';
  return fix(`Initialise the weights with ${init === 'he' ? 'He' : 'Xavier'} (init=${init})`, [
    rewriteLine(lines, line, (c) => withInit(c, init)),
  ]);
}

/** A number as the source would write it, without float noise. */
function num(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** Adds `clip norm 1.0` after the optimizer line, or divides an existing clip's bound by 10. */
function clip(spec: NetworkSpec, lines: readonly string[]): Fix | null {
  const t = spec.train;
  if (t.clip && t.clipLine >= 0) {
    const kind = t.clip.kind;
    return fix(`Tighten the clip (clip ${kind} ${num(t.clip.max / 10)})`, [
      rewriteLine(lines, t.clipLine, () => `clip ${kind} ${num(t.clip!.max / 10)}`),
    ]);
  }
  const after = t.optimizerLine >= 0 ? t.optimizerLine : trainLine(lines);
  if (after < 0) return null;
  const indent = t.optimizerLine >= 0 ? statement(lines, after).start : 2;
  const end = lines[after].length;
  return fix('Clip the gradient norm (clip norm 1.0)', [
    { line: after, col: end, endCol: end, newText: `\n${' '.repeat(indent)}clip norm 1.0` },
  ]);
}

/** The `train` statement's line, or -1. */
function trainLine(lines: readonly string[]): number {
  return lines.findIndex((l) => statement([l], 0).code === 'train');
}

/** Divides the learning rate by 10 (the optimizer's default when the line sets none). */
function lowerLr(spec: NetworkSpec, lines: readonly string[]): Fix | null {
  const t = spec.train;
  if (t.optimizerLine < 0) return null;
  const lr = num(t.optimizer.lr / 10);
  return fix(`Lower the learning rate ×0.1 (lr=${lr})`, [
    rewriteLine(lines, t.optimizerLine, (c) =>
      /\slr=\S+/.test(c) ? c.replace(/\slr=\S+/, ` lr=${lr}`) : `${c} lr=${lr}`,
    ),
  ]);
}

/** Adam with L2 (weight_decay) couples the decay with the adaptive step; AdamW decouples it (same λ). */
function adamW(spec: NetworkSpec, lines: readonly string[]): Fix | null {
  const t = spec.train;
  if (t.optimizerLine < 0 || t.optimizer.kind !== 'adam' || t.optimizer.weightDecay <= 0) return null;
  return fix('Switch Adam + L2 to AdamW (decoupled weight decay)', [
    rewriteLine(lines, t.optimizerLine, (c) => c.replace(/^optimizer\s+adam(?=\s|$)/, 'optimizer adamw')),
  ]);
}

/** The line's indent, as text. */
function indentText(lines: readonly string[], line: number): string {
  return ' '.repeat(statement(lines, line).start);
}

/**
 * Each hidden sigmoid/tanh layer in a `residual` block of its own (its trailing comment goes with it): the skip path
 * carries δ back past φ′, so the layers before it get the output layer's gradient undiminished (He et al. 2016).
 */
function residual(spec: NetworkSpec, lines: readonly string[]): Fix | null {
  return fix(
    'Wrap the sigmoid/tanh hidden layers in residual blocks',
    unwrappedSquashingLines(spec).map((ln) => {
      const ind = indentText(lines, ln),
        text = lines[ln];
      return {
        line: ln,
        col: ind.length,
        endCol: text.length,
        newText: `residual\n${ind}  ${text.trimStart()}\n${ind}end`,
      };
    }),
  );
}

/**
 * Batch norm between each hidden sigmoid/tanh layer's affine part and its activation (Ioffe & Szegedy 2015, as in
 * examples/batchnorm.nnet): z is normalised to mean 0 and variance 1 over the batch, where φ′ is near its maximum,
 * and its backward rescales δ by γ/σ. Needs batches of more than one sample.
 */
function batchnorm(spec: NetworkSpec, lines: readonly string[]): Fix | null {
  if (spec.train.batch < 2) return null;
  return fix(
    'Add batchnorm before each sigmoid/tanh activation',
    squashingLines(spec).map((ln) => {
      const s = statement(lines, ln),
        act = /(?:^|\s)(sigmoid|tanh)(?=\s|$)/.exec(s.code);
      if (!act) return null;
      const ind = indentText(lines, ln),
        dense = s.code.replace(/\s(sigmoid|tanh)(?=\s|$)/, '');
      return {
        line: ln,
        col: s.start,
        endCol: s.end,
        newText: `${dense}\n${ind}batchnorm\n${ind}activation ${act[1]}`,
      };
    }),
  );
}

/** Optimizer steps of the spec's own schedule (as the trainer counts them). */
function totalSteps(spec: NetworkSpec): number {
  const t = spec.train,
    n = spec.data.x.length,
    train = n - Math.floor(n * t.validation);
  return Math.ceil(Math.ceil(train / t.batch) / t.accumulate) * t.epochs;
}

/**
 * `warmup N` for gradients that explode from Adam's first updates: its first steps move every weight by about lr
 * whatever the gradient (m̂/√v̂ ≈ ±1), and its second-moment estimate is least reliable there (Liu et al. 2019);
 * warm-up is the usual cure. Offered when the gradient was still fine at step 0 (the explosion came from the
 * updates, not from the initialisation) and began within the warm-up it proposes: a quarter of the run, at most
 * Ma & Yarats' 2/(1 − β2) steps (2000 for β2 = 0.999). Not for SGD, momentum or RMSprop: there a learning rate too
 * high for the loss surface stays too high after warm-up (measured; lowering it is the fix).
 */
function warmup(f: Draft, spec: NetworkSpec, lines: readonly string[]): Fix | null {
  const t = spec.train,
    o = t.optimizer;
  if ((o.kind !== 'adam' && o.kind !== 'adamw') || f.firstStep < 1 || t.optimizerLine < 0) return null;
  const n = Math.min(Math.round(2 / (1 - o.beta2)), Math.ceil(totalSteps(spec) / 4));
  if (f.firstStep >= n || t.schedule.warmupSteps >= n) return null;
  const title = `Warm the learning rate up over the first ${n} steps (warmup ${n})`;
  const from = trainLine(lines),
    existing = lines.findIndex((_, i) => i > from && /^warmup\s/.test(statement(lines, i).code));
  if (existing >= 0 && t.schedule.warmupSteps > 0)
    return fix(title, [rewriteLine(lines, existing, () => `warmup ${n}`)]);
  const at = t.optimizerLine,
    end = lines[at].length;
  return fix(title, [{ line: at, col: end, endCol: end, newText: `\n${indentText(lines, at)}warmup ${n}` }]);
}

/** `standardize` on a `data csv` line: each input column to mean 0 and standard deviation 1. */
function standardize(spec: NetworkSpec, lines: readonly string[]): Fix | null {
  const src = spec.data.source;
  if (src?.kind !== 'csv' || src.standardize) return null;
  return fix('Standardize the inputs (data csv … standardize)', [
    rewriteLine(lines, spec.data.range.line, (c) => `${c} standardize`),
  ]);
}
