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
    case 'saturated':
      out.push(reluStack(spec, lines));
      break;
    case 'unchanged-weights':
      // On a sigmoid/tanh layer of a deep stack the weights stay put because the gradient vanished on the way.
      if (squashingLines(spec).includes(f.line)) out.push(reluStack(spec, lines));
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
    case 'loss-spike':
      out.push(clip(spec, lines), lowerLr(spec, lines));
      break;
    case 'update-ratio':
      if (f.evidence.measured > f.evidence.threshold) out.push(lowerLr(spec, lines));
      break;
    case 'overfitting':
      out.push(adamW(spec, lines));
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
