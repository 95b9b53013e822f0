// The `data` section of a .nnet file: inline rows, `data csv "FILE.csv" …`, or `data generate NAME …`.

import { loadCsv, type CsvDataset } from '../data/csv';
import { GENERATORS, GENERATOR_NAMES, generate } from '../data/generators';
import { at, readOptions, type Line, type ParseContext, type ReadFile } from './context';
import { float32Overflow, parseNumber, unquote, type Token } from './lexer';
import { LIMITS, type DataSource, type SourceRange } from './spec';

/** A data row as written (or loaded); `origin` names a file or generator for messages about loaded rows. */
export interface RowDraft {
  readonly x: number[];
  readonly y: number[];
  readonly range: SourceRange;
  readonly origin?: string;
}

/** What the data section gathered. */
export interface DataDraft {
  readonly rows: RowDraft[];
  source: DataSource;
  /** The `data …` line, null until seen. */
  range: SourceRange | null;
  /** The `data …` line had an error, so "no rows" would only repeat it. */
  failed: boolean;
  /** Inline rows past the sample limit: counted for the message, not parsed or kept. */
  dropped: number;
}

/** Flags and options `data csv` accepts. */
export const CSV_OPTIONS = ['inputs', 'target', 'onehot', 'standardize'] as const;

/** A new, empty data draft. */
export function emptyData(): DataDraft {
  return { rows: [], source: { kind: 'inline' }, range: null, failed: false, dropped: 0 };
}

/** Parses the `data …` line itself. */
export function dataHeader(ctx: ParseContext, line: Line, d: DataDraft, readFile: ReadFile | undefined): void {
  d.range = line.whole;
  const form = line.toks[1];
  if (!form) return;
  if (form.text === 'csv') return csvHeader(ctx, line, d, readFile);
  if (form.text === 'generate') return generateHeader(ctx, line, d);
  d.failed = true;
  ctx.error(
    at(line, form),
    `expected 'data' alone (rows follow), 'data csv "FILE.csv" …' or 'data generate NAME …', not '${form.text}'`,
  );
}

/** Parses one inline row `x1 x2 … -> y1 …`. */
export function dataRow(ctx: ParseContext, line: Line, d: DataDraft): void {
  if (d.source.kind !== 'inline') {
    ctx.error(
      line.whole,
      `rows cannot follow 'data ${d.source.kind}': the samples come from ${d.source.kind === 'csv' ? 'the file' : 'the generator'}`,
    );
    return;
  }
  if (d.rows.length > LIMITS.maxSamples) {
    d.dropped++;
    return;
  }
  const arrow = line.toks.findIndex((t) => t.text === '->');
  if (arrow < 0) {
    ctx.error(line.whole, "a data row needs '->' between inputs and targets, e.g. '0 1 -> 1'");
    return;
  }
  const x: number[] = [],
    y: number[] = [];
  let ok = true;
  line.toks.forEach((t, i) => {
    if (i === arrow) return;
    const v = parseNumber(t.text);
    const overflow = v === null ? null : float32Overflow(v);
    if (v === null || overflow) {
      ctx.error(at(line, t), `'${t.text}' is ${overflow ?? 'not a finite number'}`);
      ok = false;
    } else (i < arrow ? x : y).push(v);
  });
  if (ok && (!x.length || !y.length)) {
    ctx.error(line.whole, 'a data row needs at least one input and one target');
    ok = false;
  }
  if (ok) d.rows.push({ x, y, range: line.whole });
}

/** Checks a data path without touching the disk: relative, forward slashes, a .csv file. Returns an error or null. */
export function checkDataPath(p: string): string | null {
  if (p === '') return 'the file name is empty';
  if (/[\u0000-\u001f]/.test(p)) return 'the file name contains control characters';
  if (/^([A-Za-z]:|[\\/]|[A-Za-z][\w+.-]*:)/.test(p))
    return `'${p}' must be a path relative to the .nnet file, e.g. "data/points.csv"`;
  if (p.includes('\\')) return `write '${p.replace(/\\/g, '/')}' with forward slashes`;
  if (!/\.csv$/i.test(p)) return `only .csv files can be read, not '${p}'`;
  return null;
}

/** Splits `a,"b c",d` into names, honouring quotes. */
function nameList(value: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|([^,]+)|(?<=,|^)(?=,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    out.push((m[1] ?? m[2] ?? '').trim());
    if (m[0] === '') re.lastIndex++;
  }
  return out;
}

function csvHeader(ctx: ParseContext, line: Line, d: DataDraft, readFile: ReadFile | undefined): void {
  const pathTok = line.toks[2];
  // Whatever goes wrong below, the samples were meant to come from a file: no "no rows" error, no inline rows.
  d.source = {
    kind: 'csv',
    path: unquote(pathTok?.text ?? '') ?? pathTok?.text ?? '',
    inputs: [],
    targets: [],
    classes: null,
    standardize: false,
  };
  if (!pathTok) {
    ctx.error(line.whole, 'expected the file after \'data csv\', e.g. data csv "points.csv" target=label');
    return;
  }
  const file = unquote(pathTok.text) ?? (pathTok.text.startsWith('"') ? null : pathTok.text);
  const pathRange = at(line, pathTok);
  if (file === null) {
    ctx.error(pathRange, 'unterminated string: add the closing "');
    return;
  }
  let inputs: string[] | null = null,
    targets: string[] | null = null,
    onehot = false,
    standardize = false,
    ok = true;
  for (const t of line.toks.slice(3)) {
    const eq = t.text.indexOf('=');
    const key = eq > 0 ? t.text.slice(0, eq) : t.text,
      value = eq > 0 ? t.text.slice(eq + 1) : null;
    const list = value === null ? null : nameList(value);
    if ((key === 'inputs' || key === 'target') && (!list || !list.length || list.some((n) => n === ''))) {
      ctx.error(at(line, t), `write ${key}=NAME[,NAME…] with the header's column names`);
      ok = false;
    } else if (key === 'inputs') inputs = list;
    else if (key === 'target') targets = list;
    else if ((key === 'onehot' || key === 'standardize') && value === null) {
      if (key === 'onehot') onehot = true;
      else standardize = true;
    } else {
      ctx.error(at(line, t), `unknown csv option '${t.text}'; expected inputs=…, target=…, onehot, standardize`);
      ok = false;
    }
  }
  const bad = checkDataPath(file);
  if (bad) {
    ctx.error(pathRange, bad);
    return;
  }
  if (!ok) return;
  d.source = { kind: 'csv', path: file, inputs: inputs ?? [], targets: targets ?? [], classes: null, standardize };
  if (!readFile) {
    ctx.error(pathRange, `cannot read '${file}' here: no file reader was supplied to the parser`);
    return;
  }
  const r = readFile(file);
  if ('error' in r) {
    ctx.error(pathRange, r.error);
    return;
  }
  const options = { inputs, targets, onehot, standardize };
  const ds = r.load ? r.load(options) : loadCsv(r.text, options, file);
  for (const e of ds.errors) ctx.error(pathRange, e);
  if (ds.errors.length) return;
  d.source = {
    kind: 'csv',
    path: file,
    inputs: ds.inputColumns,
    targets: ds.targetColumns,
    classes: ds.classes,
    standardize,
  };
  for (const row of loadedRows(ds, pathRange, `'${file}'`)) d.rows.push(row);
}

/** Rows made from a dataset, kept per dataset object: the editor hands the same (cached) dataset to every parse. */
const rowsOf = new WeakMap<Samples, { readonly key: string; readonly rows: readonly RowDraft[] }>();

/** Samples from a CSV file or a generator (both kept and shared between parses). */
type Samples = Pick<CsvDataset, 'x' | 'y'>;

/**
 * The dataset's rows, all on `range` and named by `origin`. Made once per dataset and place: a 16 MB CSV or a
 * generated dataset has up to 100,000 rows, and the editor parses again on every keystroke; new row objects each time
 * kept it busy collecting.
 */
function loadedRows(ds: Samples, range: SourceRange, origin: string): readonly RowDraft[] {
  const key = `${range.line}:${range.col}:${range.endCol}:${origin}`;
  const known = rowsOf.get(ds);
  if (known?.key === key) return known.rows;
  const rows = ds.x.map((x, i) => ({ x, y: ds.y[i], range, origin }));
  rowsOf.set(ds, { key, rows });
  return rows;
}

function generateHeader(ctx: ParseContext, line: Line, d: DataDraft): void {
  const nameTok: Token | undefined = line.toks[2];
  const info = nameTok && GENERATOR_NAMES.includes(nameTok.text) ? GENERATORS[nameTok.text] : undefined;
  if (!nameTok || !info) {
    ctx.error(
      nameTok ? at(line, nameTok) : line.whole,
      `expected a dataset after 'data generate': ${GENERATOR_NAMES.join(', ')}`,
    );
    d.source = { kind: 'generate', name: '', params: {} };
    return;
  }
  const o = readOptions(ctx, line, line.toks.slice(3), info.params, `${nameTok.text} dataset`);
  d.source = { kind: 'generate', name: nameTok.text, params: o ?? {} };
  if (!o) return;
  const g = generate(nameTok.text, o);
  for (const row of loadedRows(g, at(line, nameTok), `the ${nameTok.text} dataset`)) d.rows.push(row);
}
