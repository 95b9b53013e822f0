// Parses and checks .nnet text into a NetworkSpec. Never throws; reports every problem it can with a precise range.

import { ACTIVATIONS, type Activation } from '../nn/activations';
import { INITS, type Init } from '../nn/init';
import { LOSSES, type Loss } from '../nn/losses';
import type { OptimizerConfig } from '../nn/optimizers';
import { parseInteger, parseNumber, tokenizeLine, type Token } from './lexer';
import { LIMITS, parameterCount, type DenseSpec, type Diagnostic, type NetworkSpec, type SourceRange } from './spec';

/** The result of parsing: a spec when there are no errors, and all diagnostics (errors and warnings). */
export interface ParseResult {
  readonly spec: NetworkSpec | null;
  readonly diagnostics: readonly Diagnostic[];
}

type Section = 'none' | 'network' | 'data' | 'train';

interface Draft {
  name: string | null;
  networkRange: SourceRange | null;
  input: { size: number; range: SourceRange } | null;
  layers: DenseSpec[];
  loss: { kind: Loss; range: SourceRange } | null;
  rows: { x: number[]; y: number[]; range: SourceRange }[];
  dataRange: SourceRange | null;
  epochs: number;
  batch: number | null;
  batchRange: SourceRange | null;
  optimizer: OptimizerConfig;
  optimizerLine: number;
  clipNorm: number | null;
  clipLine: number;
  seed: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['network', 'input', 'dense', 'loss', 'data', 'train', ...ACTIVATIONS]);

/** Parses and checks a .nnet document. */
export function parseNnet(text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const error = (range: SourceRange, message: string) => diagnostics.push({ severity: 'error', message, range });
  const warn = (range: SourceRange, message: string) => diagnostics.push({ severity: 'warning', message, range });
  const d: Draft = {
    name: null, networkRange: null, input: null, layers: [], loss: null, rows: [], dataRange: null,
    epochs: 100, batch: null, batchRange: null, optimizer: { kind: 'sgd', lr: 0.1 }, optimizerLine: -1,
    clipNorm: null, clipLine: -1, seed: 0,
  };
  let section: Section = 'none';
  const lines = text.split(/\r?\n/);
  const seen = new Map<string, SourceRange>();
  let denseLines = 0;

  for (let ln = 0; ln < lines.length; ln++) {
    const toks = tokenizeLine(lines[ln]);
    if (toks.length === 0) continue;
    const at = (t: Token): SourceRange => ({ line: ln, col: t.col, endCol: t.endCol });
    const whole: SourceRange = { line: ln, col: toks[0].col, endCol: toks[toks.length - 1].endCol };
    const head = toks[0].text;
    const once = (key: string): boolean => {
      const prev = seen.get(key);
      if (prev) { error(whole, `'${key}' is already given on line ${prev.line + 1}`); return false; }
      seen.set(key, whole);
      return true;
    };

    switch (head) {
      case 'network':
        section = 'network';
        if (!once('network')) break;
        d.networkRange = whole;
        if (toks.length < 2) error(whole, "expected a name after 'network', e.g. 'network xor'");
        else if (!IDENT.test(toks[1].text)) error(at(toks[1]), `'${toks[1].text}' is not a valid network name`);
        else d.name = toks[1].text;
        extra(toks, 2, at, error);
        continue;
      case 'data':
        section = 'data';
        if (once('data')) d.dataRange = whole;
        extra(toks, 1, at, error);
        continue;
      case 'train':
        section = 'train';
        once('train');
        extra(toks, 1, at, error);
        continue;
      case 'loss': {
        if (!once('loss')) break;
        const k = toks[1];
        if (!k) error(whole, `expected a loss after 'loss': ${LOSSES.join(', ')}`);
        else if (!(LOSSES as readonly string[]).includes(k.text)) error(at(k), `unknown loss '${k.text}'; expected one of ${LOSSES.join(', ')}`);
        else d.loss = { kind: k.text as Loss, range: whole };
        extra(toks, 2, at, error);
        continue;
      }
    }
    if (head === 'network' || head === 'data' || head === 'train' || head === 'loss') continue; // a repeated section, reported above

    switch (section) {
      case 'network':
        if (head === 'input') {
          if (!once('input')) break;
          if (d.layers.length) error(whole, "'input' must come before the first layer");
          const n = toks[1] ? parseInteger(toks[1].text) : null;
          if (!toks[1] || n === null || n < 1) error(toks[1] ? at(toks[1]) : whole, "expected the input width, a positive integer, e.g. 'input 2'");
          else if (n > LIMITS.maxUnits) error(at(toks[1]), `input width ${n} is larger than the limit of ${LIMITS.maxUnits}`);
          else d.input = { size: n, range: whole };
          extra(toks, 2, at, error);
        } else if (head === 'dense') {
          denseLines++;
          const layer = parseDense(toks, ln, whole, at, error, d.layers.length + 1);
          if (!layer) break;
          const dup = d.layers.find((l) => l.name === layer.name);
          if (dup) error(whole, `a layer named '${layer.name}' already exists on line ${dup.range.line + 1}`);
          else d.layers.push(layer);
        } else {
          error(at(toks[0]), `unknown layer '${head}'; expected 'input' or 'dense'`);
        }
        break;
      case 'data':
        parseRow(toks, whole, at, error, d);
        break;
      case 'train':
        parseSetting(toks, whole, at, error, d, once);
        break;
      case 'none':
        error(at(toks[0]), `unexpected '${head}'; a file starts with 'network NAME'`);
        break;
    }
  }

  const top: SourceRange = { line: 0, col: 0, endCol: Math.max(1, (lines[0] ?? '').length) };
  if (!d.networkRange) error(top, "missing 'network NAME' section");
  else {
    if (!d.input && !diagnostics.some((x) => x.message.includes("'input'"))) error(d.networkRange, "the network needs an 'input N' line");
    if (!denseLines) error(d.networkRange, "the network needs at least one 'dense' layer");
  }
  if (!d.loss && !seen.has('loss')) error(top, "missing 'loss' line (mse, half_mse or bce)");
  if (!d.dataRange) error(top, "missing 'data' section");
  else if (!d.rows.length) error(d.dataRange, "the 'data' section has no rows, e.g. '0 1 -> 1'");
  if (d.rows.length > LIMITS.maxSamples) error(d.dataRange ?? top, `${d.rows.length} samples exceed the limit of ${LIMITS.maxSamples}`);

  // Checks of the whole network only make sense when every layer line parsed; otherwise they would cascade.
  if (d.input && d.layers.length && d.layers.length === denseLines) {
    const params = parameterCount(d.input.size, d.layers);
    if (params > LIMITS.maxParameters) {
      error(d.networkRange ?? top, `the network has ${params.toLocaleString('en-US')} parameters, more than the limit of ${LIMITS.maxParameters.toLocaleString('en-US')}`);
    }
    const out = d.layers[d.layers.length - 1];
    for (const r of d.rows) {
      if (r.x.length !== d.input.size) error(r.range, `this row has ${r.x.length} input value(s) but the network's input is ${d.input.size} wide`);
      else if (r.y.length !== out.units) error(r.range, `this row has ${r.y.length} target value(s) but the output layer '${out.name}' has ${out.units} unit(s)`);
    }
    if (d.loss?.kind === 'bce') {
      if (out.activation !== 'sigmoid') {
        error(out.range, `loss bce needs outputs in (0, 1): make the output layer '${out.name}' sigmoid (it is ${out.activation})`);
      }
      if (d.rows.some((r) => r.y.some((v) => v < 0 || v > 1))) error(d.loss.range, 'loss bce needs targets between 0 and 1');
    }
  }
  if (d.batch !== null && d.rows.length && d.batch > d.rows.length && d.batchRange) {
    warn(d.batchRange, `batch ${d.batch} is larger than the ${d.rows.length} samples; training uses full batches of ${d.rows.length}`);
  }

  diagnostics.sort((a, b) => a.range.line - b.range.line || a.range.col - b.range.col);
  if (diagnostics.some((x) => x.severity === 'error') || !d.input || !d.loss || !d.name) return { spec: null, diagnostics };
  const n = d.rows.length;
  return {
    diagnostics,
    spec: {
      name: d.name,
      inputSize: d.input.size,
      inputRange: d.input.range,
      layers: d.layers,
      loss: d.loss.kind,
      lossRange: d.loss.range,
      data: { x: d.rows.map((r) => r.x), y: d.rows.map((r) => r.y), range: d.dataRange! },
      train: {
        epochs: d.epochs, batch: Math.min(d.batch ?? n, n), optimizer: d.optimizer, clipNorm: d.clipNorm, seed: d.seed,
        optimizerLine: d.optimizerLine, clipLine: d.clipLine,
      },
    },
  };
}

type At = (t: Token) => SourceRange;
type Report = (range: SourceRange, message: string) => void;

function extra(toks: Token[], from: number, at: At, error: Report): void {
  if (toks.length > from) {
    const r = at(toks[from]);
    error({ ...r, endCol: toks[toks.length - 1].endCol }, `unexpected '${toks[from].text}'`);
  }
}

function parseDense(toks: Token[], ln: number, whole: SourceRange, at: At, error: Report, index: number): DenseSpec | null {
  let name: string | null = null, units: number | null = null, activation: Activation = 'identity', init: Init = 'xavier';
  let ok = true;
  for (let i = 1; i < toks.length; i++) {
    const t = toks[i];
    const eq = t.text.indexOf('=');
    if (eq > 0) {
      const key = t.text.slice(0, eq), value = t.text.slice(eq + 1);
      if (key === 'init') {
        if ((INITS as readonly string[]).includes(value)) init = value as Init;
        else { error(at(t), `unknown init '${value}'; expected one of ${INITS.join(', ')}`); ok = false; }
      } else { error(at(t), `unknown dense parameter '${key}'; expected init=…`); ok = false; }
    } else if ((ACTIVATIONS as readonly string[]).includes(t.text)) {
      activation = t.text as Activation;
    } else if (/^[-+.\d]/.test(t.text)) {
      const n = parseInteger(t.text);
      if (units !== null) { error(at(t), `unexpected '${t.text}': the width is already ${units}`); ok = false; }
      else if (n === null || n < 1) { error(at(t), `the layer width must be a positive integer, not '${t.text}'`); ok = false; }
      else if (n > LIMITS.maxUnits) { error(at(t), `width ${n} is larger than the limit of ${LIMITS.maxUnits}`); ok = false; }
      else units = n;
    } else if (i === 1 && IDENT.test(t.text) && !RESERVED.has(t.text)) {
      name = t.text;
    } else {
      error(at(t), !IDENT.test(t.text) || i === 1 ? `unexpected '${t.text}'`
        : units === null ? `expected the layer width (a positive integer) here, not '${t.text}'`
        : `unknown activation '${t.text}'; expected one of ${ACTIVATIONS.join(', ')}`);
      ok = false;
    }
  }
  if (units === null && ok) { error(whole, "expected the layer width, e.g. 'dense h1 4 tanh'"); ok = false; }
  if (!ok || units === null) return null;
  return { kind: 'dense', name: name ?? `dense${index}`, units, activation, init, range: { ...whole, line: ln } };
}

function parseRow(toks: Token[], whole: SourceRange, at: At, error: Report, d: Draft): void {
  const arrow = toks.findIndex((t) => t.text === '->');
  if (arrow < 0) { error(whole, "a data row needs '->' between inputs and targets, e.g. '0 1 -> 1'"); return; }
  const x: number[] = [], y: number[] = [];
  let ok = true;
  toks.forEach((t, i) => {
    if (i === arrow) return;
    const v = parseNumber(t.text);
    if (v === null) { error(at(t), `'${t.text}' is not a finite number`); ok = false; }
    else (i < arrow ? x : y).push(v);
  });
  if (ok && (!x.length || !y.length)) { error(whole, 'a data row needs at least one input and one target'); ok = false; }
  if (ok) d.rows.push({ x, y, range: whole });
}

function parseSetting(toks: Token[], whole: SourceRange, at: At, error: Report, d: Draft, once: (k: string) => boolean): void {
  const head = toks[0].text;
  const int = (t: Token | undefined, what: string, max: number): number | null => {
    const v = t ? parseInteger(t.text) : null;
    if (!t || v === null || v < 1) { error(t ? at(t) : whole, `expected ${what}, a positive integer`); return null; }
    if (v > max) { error(at(t), `${what} ${v} is larger than the limit of ${max}`); return null; }
    return v;
  };
  switch (head) {
    case 'epochs': {
      if (!once(head)) return;
      const v = int(toks[1], 'the number of epochs', LIMITS.maxEpochs);
      if (v !== null) d.epochs = v;
      extra(toks, 2, at, error);
      return;
    }
    case 'batch': {
      if (!once(head)) return;
      const v = int(toks[1], 'the batch size', LIMITS.maxSamples);
      if (v !== null) { d.batch = v; d.batchRange = whole; }
      extra(toks, 2, at, error);
      return;
    }
    case 'seed': {
      if (!once(head)) return;
      const v = toks[1] ? parseInteger(toks[1].text) : null;
      if (v === null || v > 0xffffffff) error(toks[1] ? at(toks[1]) : whole, 'expected a seed, an integer from 0 to 4294967295');
      else d.seed = v;
      extra(toks, 2, at, error);
      return;
    }
    case 'clip': {
      if (!once(head)) return;
      const v = toks[2] ? parseNumber(toks[2].text) : null;
      if (toks[1]?.text !== 'norm') error(toks[1] ? at(toks[1]) : whole, "expected 'clip norm MAX', e.g. 'clip norm 1.0'");
      else if (v === null || v <= 0) error(toks[2] ? at(toks[2]) : whole, 'expected a positive maximum norm');
      else { d.clipNorm = v; d.clipLine = whole.line; }
      extra(toks, 3, at, error);
      return;
    }
    case 'optimizer': {
      if (!once(head)) return;
      const kind = toks[1]?.text;
      if (kind !== 'sgd' && kind !== 'adam') { error(toks[1] ? at(toks[1]) : whole, "expected 'sgd' or 'adam' after 'optimizer'"); return; }
      const p: Record<string, number> = kind === 'sgd' ? { lr: 0.1 } : { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
      for (const t of toks.slice(2)) {
        const [key, value] = t.text.split('=', 2);
        const v = value !== undefined ? parseNumber(value) : null;
        if (!(key in p)) error(at(t), `unknown ${kind} parameter '${key}'; expected ${Object.keys(p).map((k) => `${k}=…`).join(', ')}`);
        else if (v === null || v < 0 || (key === 'lr' && v === 0) || (key.startsWith('beta') && v >= 1)) error(at(t), `invalid value for ${key}: '${value ?? ''}'`);
        else p[key] = v;
      }
      d.optimizer = kind === 'sgd' ? { kind, lr: p.lr } : { kind, lr: p.lr, beta1: p.beta1, beta2: p.beta2, eps: p.eps };
      d.optimizerLine = whole.line;
      return;
    }
    default:
      error(at(toks[0]), `unknown training setting '${head}'; expected epochs, batch, optimizer, clip or seed`);
  }
}
