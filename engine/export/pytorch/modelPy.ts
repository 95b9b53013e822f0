// Writes model.py: the network as a readable nn.Module. Attribute names are the .nnet layer names; the copies a
// `repeat` made become an nn.ModuleList; residual blocks a Residual around a body module; each layer's source line
// is a comment. NNET_LAYERS maps nnet's flattened layer names to the modules holding their parameters.
import type { LayerSpec, NetworkSpec, ResidualSpec } from '../../language/spec';
import type { LeafSpec } from '../../nn/layers';
import { fusedActivation } from '../../nn/losses';
import { Model } from '../../nn/model';
import { ACTIVATION_PY, PYTORCH_KINDS, type PyLayer } from './kinds';

/** A width known at export time (`value`) and how the code writes it (`expr`: a number, or `in_width` in a class). */
interface Width {
  readonly expr: string;
  readonly value: number;
}

/** What emitting a stack of layers produces. */
interface Out {
  init: string[];
  forward: string[];
  classes: string[];
  /** [nnet's flattened name, module path] of every layer with parameters, in nnet's order. */
  paths: [string, string][];
  imports: Set<string>;
  classNames: Set<string>;
}

/** The export context: the source lines (for comments) and which top-level layer, if any, the loss is fused with. */
interface Ctx {
  readonly lines: readonly string[];
  readonly fusedIndex: number;
}

/** model.py for a checked spec and its source text. */
export function modelPy(spec: NetworkSpec, source: string): { text: string; fused: boolean } {
  const fused = new Model(spec.inputSize, spec.layers, 1).fusesWith(spec.loss);
  const ctx: Ctx = { lines: source.split(/\r?\n/), fusedIndex: fused ? spec.layers.length - 1 : -1 };
  const out: Out = { init: [], forward: [], classes: [], paths: [], imports: new Set(), classNames: new Set() };
  emitStack(spec.layers, { expr: String(spec.inputSize), value: spec.inputSize }, [], '', ctx, out, true);
  const cls = className(spec.name).replace(/(Net)?$/, 'Net');
  const act = fusedActivation(spec.loss);
  const usesMasks = out.imports.has('MaskSource');
  const imports = [...out.imports].sort();
  const text = [
    `"""${spec.name}: the network of the .nnet file as a PyTorch module (written by \`nnet export --to pytorch\`).`,
    '',
    "Attribute names are the layer names of the .nnet file; the comments give each layer's source line.",
    fused
      ? `The output's ${act} is fused into the loss, as in nnet: forward() returns the logits, predict() the ${act === 'softmax' ? 'probabilities' : 'probabilities'}.`
      : 'forward() returns the output of the last layer.',
    '"""',
    '',
    'from __future__ import annotations',
    '',
    'import math',
    '',
    'import torch',
    'import torch.nn.functional as F',
    'from torch import Tensor, nn',
    '',
    ...(imports.length ? [`from nnet_torch import ${imports.join(', ')}`, ''] : []),
    `LOSS = ${JSON.stringify(spec.loss)}`,
    `"""nnet's loss (nnet_torch.nnet_loss)."""`,
    `FUSED = ${fused ? 'True' : 'False'}`,
    fused
      ? `"""The output's ${act} is fused into ${spec.loss}: the loss takes the logits, δ = (a − y)/N."""`
      : `"""The loss takes the network's outputs (no fused activation)."""`,
    ...(usesMasks
      ? [
          '',
          'MASKS = MaskSource()',
          '"""Where the dropout layers draw their masks (train.py gives it nnet\'s generator)."""',
        ]
      : []),
    '',
    ...out.classes,
    '',
    `class ${cls}(nn.Module):`,
    `    """${spec.name}: ${spec.inputSize} inputs, loss ${spec.loss}."""`,
    '',
    '    def __init__(self) -> None:',
    '        super().__init__()',
    ...out.init.map((l) => `        ${l}`),
    '',
    '    def forward(self, x: Tensor) -> Tensor:',
    ...out.forward.map((l) => `        ${l}`),
    '        return x',
    '',
    '    def predict(self, x: Tensor) -> Tensor:',
    `        """The network's outputs${fused ? ` (the fused ${act} applied)` : ''}."""`,
    `        return ${fused ? ACTIVATION_PY[act!]('self(x)', 0) : 'self(x)'}`,
    '',
    '',
    'Net = ' + cls,
    '"""The network class, under a fixed name for train.py."""',
    '',
    'NNET_LAYERS: list[tuple[str, str]] = [',
    ...out.paths.map(([n, p]) => `    (${JSON.stringify(n)}, ${JSON.stringify(p)}),`),
    ']',
    '"""(nnet\'s layer name, the module holding its W and b) for every layer with parameters, in nnet\'s order."""',
    '',
    '',
    'def nnet_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:',
    '    """The modules of NNET_LAYERS, looked up in `model`."""',
    '    return [(name, model.get_submodule(path)) for name, path in NNET_LAYERS]',
    '',
  ].join('\n');
  return { text, fused };
}

/** Emits a stack of layers; returns its output width. `strip` holds the repeat suffixes to take off names (outer first). */
function emitStack(
  layers: readonly LayerSpec[],
  w: Width,
  strip: readonly string[],
  prefix: string,
  ctx: Ctx,
  out: Out,
  top: boolean,
): Width {
  for (let i = 0; i < layers.length;) {
    const limit = top && ctx.fusedIndex >= 0 ? ctx.fusedIndex : layers.length;
    const g = i < limit ? repeatGroup(layers, i, strip, limit) : null;
    if (g) {
      w = emitGroup(layers, i, g, w, strip, prefix, ctx, out);
      i += g.period * g.copies;
    } else {
      w = emitOne(layers[i], w, strip, prefix, ctx, out, top && i === ctx.fusedIndex);
      i++;
    }
  }
  return w;
}

/** A run of copies made by `repeat`: `period` layers per copy, named base_1 … base_N on the same source lines. */
function repeatGroup(
  layers: readonly LayerSpec[],
  i: number,
  strip: readonly string[],
  limit: number,
): { period: number; copies: number } | null {
  const first = attr(layers[i].name, strip);
  const m = /^(.*)_1$/.exec(first);
  if (!m) return null;
  let period = 0;
  for (let j = i + 1; j < limit; j++)
    if (layers[j].range.line === layers[i].range.line && attr(layers[j].name, strip) === `${m[1]}_2`) {
      period = j - i;
      break;
    }
  if (!period) return null;
  let copies = 1;
  const sameCopy = (k: number) =>
    i + (k + 1) * period <= limit &&
    Array.from({ length: period }, (_, o) => o).every((o) => {
      const a = layers[i + o],
        b = layers[i + k * period + o];
      return a.range.line === b.range.line && a.kind === b.kind && attr(b.name, strip).endsWith(`_${k + 1}`);
    });
  while (sameCopy(copies)) copies++;
  return copies > 1 ? { period, copies } : null;
}

function emitGroup(
  layers: readonly LayerSpec[],
  i: number,
  g: { period: number; copies: number },
  w: Width,
  strip: readonly string[],
  prefix: string,
  ctx: Ctx,
  out: Out,
): Width {
  const copy = (k: number) => layers.slice(i + k * g.period, i + (k + 1) * g.period);
  const inner = (k: number) => [...strip, `_${k + 1}`];
  const first = copy(0);
  const name = attr(first[0].name, inner(0));
  const line = first[0].range.line;
  // The widths each copy starts from (the first may differ: `repeat` after a wider or narrower layer).
  const widths: Width[] = [w];
  for (let k = 0; k < g.copies; k++) widths.push(stackWidth(copy(k), widths[k]));
  // Parameter paths of every copy, from a scratch emission of that copy.
  const listName = g.period === 1 ? name : `repeat${line + 1}`;
  for (let k = 0; k < g.copies; k++) {
    const scratch = emptyOut();
    const c = copy(k)[0];
    if (g.period > 1) emitStack(copy(k), widths[k], inner(k), `${prefix}${listName}.${k}.`, ctx, scratch, false);
    else if (c.kind === 'residual') {
      emitStack(c.body, widths[k], inner(k), `${prefix}${listName}.${k}.body.`, ctx, scratch, false);
      if (widths[k + 1].value !== widths[k].value) scratch.paths.push([c.name, `${prefix}${listName}.${k}.proj`]);
    } else if (leaf(c, widths[k]).params) scratch.paths.push([c.name, `${prefix}${listName}.${k}`]);
    out.paths.push(...scratch.paths);
  }
  const comment = `# line ${line + 1}: ${src(ctx, line)} (repeated ${g.copies} times)`;
  if (g.period === 1 && first[0].kind !== 'residual') {
    const s = first[0];
    const l = leaf(s, w);
    l.imports.forEach((x) => out.imports.add(x));
    if (!l.module) {
      out.forward.push(`for _ in range(${g.copies}):  ${comment}`, `    x = ${l.call('', 'x')}`);
    } else {
      const mods = widths.slice(0, g.copies).map((cw) => leaf(s, cw).module!);
      out.init.push(`self.${name} = nn.ModuleList(${listOf(mods)})  ${comment}`);
      out.forward.push(`for ${name} in self.${name}:`, `    x = ${l.call(name, 'x')}`);
    }
    return widths[g.copies];
  }
  if (g.period === 1) {
    // A repeated residual block: a ModuleList of Residual modules, its body class written once.
    const r = first[0] as ResidualSpec;
    const cls = uniqueClass(out, `${className(name)}Body`);
    const body = emptyOut();
    body.classNames = out.classNames;
    emitStack(r.body, { expr: 'in_width', value: w.value }, inner(0), '', ctx, body, false);
    out.classes.push(
      ...body.classes,
      classText(cls, `The body F of residual block ${name} (out = F(x) + skip).`, body),
    );
    body.imports.forEach((x) => out.imports.add(x));
    out.imports.add('Residual');
    const mods = widths
      .slice(0, g.copies)
      .map((cw, k) => `Residual(${cls}(${cw.expr}), ${cw.expr}, ${widths[k + 1].expr})`);
    out.init.push(`self.${name} = nn.ModuleList(${listOf(mods)})  ${comment}`);
    out.forward.push(`for ${name} in self.${name}:`, `    x = ${name}(x)`);
    return widths[g.copies];
  }
  // Several layers per copy: one class for the copy, built once per copy.
  const cls = uniqueClass(out, `Repeat${line + 1}`);
  const body = emptyOut();
  body.classNames = out.classNames;
  emitStack(first, { expr: 'in_width', value: w.value }, inner(0), '', ctx, body, false);
  out.classes.push(...body.classes, classText(cls, `The layers repeated from line ${line + 1}, one copy.`, body));
  body.imports.forEach((x) => out.imports.add(x));
  const ins = widths.slice(0, g.copies).map((cw) => cw.expr);
  const list = `repeat${line + 1}`;
  out.init.push(`self.${list} = nn.ModuleList(${listOf(ins.map((e) => `${cls}(${e})`))})  ${comment}`);
  out.forward.push(`for block in self.${list}:`, `    x = block(x)`);
  return widths[g.copies];
}

/** One layer statement or residual block. */
function emitOne(
  s: LayerSpec,
  w: Width,
  strip: readonly string[],
  prefix: string,
  ctx: Ctx,
  out: Out,
  fusedOutput: boolean,
): Width {
  const name = attr(s.name, strip);
  const comment = `# line ${s.range.line + 1}: ${src(ctx, s.range.line)}`;
  if (s.kind === 'residual') {
    const cls = uniqueClass(out, `${className(name)}Body`);
    const body = emptyOut();
    body.classNames = out.classNames;
    const o = emitStack(
      s.body,
      { expr: 'in_width', value: w.value },
      strip,
      `${prefix}${name}.body.`,
      ctx,
      body,
      false,
    );
    out.classes.push(
      ...body.classes,
      classText(cls, `The body F of residual block ${name} (out = F(x) + skip).`, body),
    );
    body.imports.forEach((x) => out.imports.add(x));
    out.imports.add('Residual');
    out.paths.push(...body.paths);
    const outW = o.expr === 'in_width' ? w.expr : o.expr;
    if (o.value !== w.value) out.paths.push([s.name, `${prefix}${name}.proj`]);
    out.init.push(`self.${name} = Residual(${cls}(${w.expr}), ${w.expr}, ${outW})  ${comment}`);
    out.forward.push(`x = self.${name}(x)`);
    return { expr: outW, value: o.value };
  }
  const l = leaf(s, w, fusedOutput);
  l.imports.forEach((x) => out.imports.add(x));
  if (l.module) out.init.push(`self.${name} = ${l.module}  ${comment}`);
  const call = l.call(`self.${name}`, 'x');
  out.forward.push(
    l.module
      ? `x = ${call}${fusedOutput ? '  # logits: the loss applies the activation' : ''}`
      : `x = ${call}  ${comment}`,
  );
  if (l.params) out.paths.push([s.name, `${prefix}${name}`]);
  return widthOf(l, w);
}

function leaf(s: LayerSpec, w: Width, fused = false): PyLayer {
  const ex = PYTORCH_KINDS[(s as LeafSpec).kind] as (s: LeafSpec, w: string, f: boolean) => PyLayer;
  return ex(s as LeafSpec, w.expr, fused);
}

function widthOf(l: PyLayer, w: Width): Width {
  return l.outWidth === w.expr ? w : { expr: l.outWidth, value: Number(l.outWidth) };
}

/** The output width of a stack, with expressions as emitting it would give. */
function stackWidth(layers: readonly LayerSpec[], w: Width): Width {
  for (const s of layers) {
    if (s.kind === 'residual') {
      const o = stackWidth(s.body, w);
      w = o;
    } else w = widthOf(leaf(s, w), w);
  }
  return w;
}

function classText(name: string, doc: string, body: Out): string {
  return [
    '',
    `class ${name}(nn.Module):`,
    `    """${doc}"""`,
    '',
    '    def __init__(self, in_width: int) -> None:',
    '        super().__init__()',
    ...body.init.map((l) => `        ${l}`),
    '',
    '    def forward(self, x: Tensor) -> Tensor:',
    ...body.forward.map((l) => `        ${l}`),
    '        return x',
    '',
  ].join('\n');
}

/** `[a, b, b, b]` as `[a] + [b for _ in range(3)]`, the same expression N times as a comprehension. */
function listOf(items: readonly string[]): string {
  const same = (xs: readonly string[]) => xs.every((x) => x === xs[0]);
  if (same(items)) return `[${items[0]} for _ in range(${items.length})]`;
  if (same(items.slice(1))) return `[${items[0]}] + [${items[1]} for _ in range(${items.length - 1})]`;
  return `[${items.join(', ')}]`;
}

function emptyOut(): Out {
  return { init: [], forward: [], classes: [], paths: [], imports: new Set(), classNames: new Set() };
}

function uniqueClass(out: Out, base: string): string {
  let name = base;
  for (let k = 2; out.classNames.has(name); k++) name = `${base}${k}`;
  out.classNames.add(name);
  return name;
}

/** A layer's attribute name: its nnet name without the repeat suffixes in `strip` (outermost first: it is the name's last suffix). */
function attr(name: string, strip: readonly string[]): string {
  for (const s of strip) if (name.endsWith(s)) name = name.slice(0, -s.length);
  return PY_KEYWORDS.has(name) ? `${name}_` : name;
}

/** `deep_residual` → `DeepResidual`. */
export function className(name: string): string {
  const c = name.replace(/(^|_)([a-zA-Z0-9])/g, (_, _u: string, ch: string) => ch.toUpperCase());
  return /^[A-Za-z]/.test(c) ? c : `Net${c}`;
}

function src(ctx: Ctx, line: number): string {
  return (ctx.lines[line] ?? '').trim().replace(/\s+#.*$/, '');
}

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield self x'.split(
    ' ',
  ),
);
