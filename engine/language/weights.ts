// The `weights "FILE.npz"` setting of the train block: training starts from a numpy .npz file's arrays instead of
// the seed's initialisation. The line is read with the other settings; the file is loaded once the layers are
// known, through the caller's `readWeights`, and checked array by array against them.

import { checkWeights, weightSlots, type InitialWeights, type WeightsCheck } from '../io/weights';
import type { NpzArrays } from '../io/npy';
import { at, type Line, type ParseContext, type ReadWeights } from './context';
import { tokenizeLine, unquote } from './lexer';
import { flattenLayers } from '../nn/model';
import type { LayerSpec, SourceRange } from './spec';

/** The `weights` line as written: the path and where to report problems with the file. */
export interface WeightsDraft {
  readonly path: string;
  readonly range: SourceRange;
}

/** Checks a weights path without touching the disk: relative, forward slashes, an .npz file. Returns an error or null. */
export function checkWeightsPath(p: string): string | null {
  if (p === '') return 'the file name is empty';
  if (/[\u0000-\u001f]/.test(p)) return 'the file name contains control characters';
  if (/^([A-Za-z]:|[\\/]|[A-Za-z][\w+.-]*:)/.test(p))
    return `'${p}' must be a path relative to the .nnet file, e.g. "trained.npz"`;
  if (p.includes('\\')) return `write '${p.replace(/\\/g, '/')}' with forward slashes`;
  if (!/\.npz$/i.test(p)) return `weights are read from numpy .npz files (np.savez), not '${p}'`;
  return null;
}

/** Parses `weights "FILE.npz"`; returns the draft, or null after reporting what is wrong. */
export function weightsStatement(ctx: ParseContext, line: Line): WeightsDraft | null {
  const t = line.toks[1];
  ctx.extra(line, 2);
  if (!t) {
    ctx.error(line.whole, 'expected the file after \'weights\', e.g. weights "trained.npz"');
    return null;
  }
  const file = unquote(t.text) ?? (t.text.startsWith('"') ? null : t.text);
  if (file === null) {
    ctx.error(at(line, t), 'unterminated string: add the closing "');
    return null;
  }
  const bad = checkWeightsPath(file);
  if (bad) {
    ctx.error(at(line, t), bad);
    return null;
  }
  return { path: file, range: at(line, t) };
}

/** Checks made per loaded file and network: the editor parses on every keystroke with the same (cached) arrays. */
const checked = new WeakMap<NpzArrays, { readonly key: string; readonly result: WeightsCheck }>();

/**
 * Loads the file of a `weights` line for the finished layers and reports every problem on its path; returns the
 * weights to start from, or undefined.
 */
export function loadWeights(
  ctx: ParseContext,
  draft: WeightsDraft,
  inputSize: number,
  layers: readonly LayerSpec[],
  readWeights: ReadWeights | undefined,
): InitialWeights | undefined {
  if (!readWeights) {
    ctx.error(draft.range, `cannot read '${draft.path}' here: no file reader was supplied to the parser`);
    return undefined;
  }
  const slots = weightSlots(inputSize, layers);
  // Twice the float64 size of every array and a header each: room for a file with a few extra arrays to be named.
  const budget = slots.reduce((sum, s) => sum + 16 * s.shape.reduce((a, d) => a * d, 1) + 4096, 1 << 20);
  const r = readWeights(draft.path, budget);
  if ('error' in r) {
    ctx.error(draft.range, r.error);
    return undefined;
  }
  const key = `${draft.path}\0${slots.map((s) => `${s.key}${s.shape.join('x')}`).join(' ')}`;
  let c = checked.get(r.arrays);
  if (c?.key !== key) {
    c = { key, result: checkWeights(r.arrays, slots, draft.path) };
    checked.set(r.arrays, c);
  }
  for (const e of c.result.errors) ctx.error(draft.range, e);
  for (const w of c.result.warnings) ctx.warn(draft.range, w);
  return c.result.weights ?? undefined;
}

/** The options of a layer line that set its starting values, which a loaded file's arrays replace. */
const STARTING_VALUE_OPTION = /^(init|bias_init|W|b)=/;

/**
 * Marks each `init=`, `bias_init=`, `W=` or `b=` of a layer whose W and b the `weights` file replaced as unused (a
 * warning the editor shows faded): written there, it reads as if it set the starting values, and it does not. (The seed still draws the initialiser, so
 * dropout and shuffling stay as without the file; the values drawn are overwritten.) `lineText` gives a line's source.
 */
export function warnReplacedInits(
  ctx: ParseContext,
  draft: WeightsDraft,
  inputSize: number,
  layers: readonly LayerSpec[],
  lineText: (line: number) => string,
): void {
  const lines = new Set<number>();
  for (const n of flattenLayers(inputSize, layers).nodes) if (n.wSize > 0) lines.add(n.line);
  for (const ln of [...lines].sort((a, b) => a - b))
    for (const t of tokenizeLine(lineText(ln)))
      if (STARTING_VALUE_OPTION.test(t.text)) {
        const option = t.text.slice(0, t.text.indexOf('='));
        ctx.unused(
          { line: ln, col: t.col, endCol: t.endCol },
          `${option}=… is not used: this layer starts from the arrays of '${draft.path}' (the weights line)`,
        );
      }
}
