// CSV text → a dataset: header row, chosen input and target columns, class labels to one-hot, standardisation.
// Pure (text in, numbers out): reading the file is the caller's business, so the parser stays free of I/O.

import { float32Overflow, parseNumber } from '../language/lexer';

/** Which columns to use and how. Column names refer to the header row. */
export interface CsvOptions {
  /** Input columns; null means every column that is not a target. */
  readonly inputs: readonly string[] | null;
  /** Target columns; null means the last column. */
  readonly targets: readonly string[] | null;
  /** Map the (single) target column's distinct labels to one-hot vectors, classes in sorted order. */
  readonly onehot: boolean;
  /** Rescale each input column to mean 0 and standard deviation 1 (over all rows). */
  readonly standardize: boolean;
}

/** A loaded dataset, or the problems that stopped it (each names the CSV line when it can). */
export interface CsvDataset {
  readonly x: number[][];
  readonly y: number[][];
  readonly inputColumns: readonly string[];
  readonly targetColumns: readonly string[];
  /** Class names in one-hot order when `onehot` was asked for. */
  readonly classes: readonly string[] | null;
  /** Problems that make the data unusable; empty when the dataset is good. */
  readonly errors: readonly string[];
}

/** Most errors reported for one file: enough to fix it, without flooding the Problems view. */
const MAX_ERRORS = 5;
/** Most classes a one-hot target may have. */
export const MAX_CLASSES = 1000;

/** One record of the file with the 1-based line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/** Work between the pauses of `loadCsvSteps`: characters split, records converted (a few milliseconds each). */
const CHARS_PER_STEP = 1 << 17,
  RECORDS_PER_STEP = 1 << 11;

/** Runs a stepwise computation to its end. */
function run<T>(steps: Generator<void, T>): T {
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/** Splits CSV text into records (RFC 4180: commas, double-quoted fields with "" escapes, CRLF or LF). Blank lines are skipped. */
export function splitCsv(text: string): CsvRecord[] {
  return run(splitSteps(text));
}

function* splitSteps(text: string): Generator<void, CsvRecord[]> {
  const records: CsvRecord[] = [];
  let fields: string[] = [],
    field = '',
    quoted = false,
    wasQuoted = false,
    line = 1,
    startLine = 1;
  const endField = () => {
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '') records.push({ line: startLine, fields });
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    if (i % CHARS_PER_STEP === 0 && i > 0) yield;
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (c === ',') endField();
    else if (c === '\n') {
      endRecord();
      line++;
      startLine = line;
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || fields.length) endRecord();
  return records;
}

/** Builds a dataset from CSV text; `file` names it in messages. Never throws. */
export function loadCsv(text: string, options: CsvOptions, file: string): CsvDataset {
  return run(loadCsvSteps(text, options, file));
}

/**
 * `loadCsv` in steps of a few milliseconds: the caller may pause at each `yield` (the editor lets other work run
 * there, so a 16 MB file does not hold its thread for a second). The value it returns is `loadCsv`'s.
 */
export function* loadCsvSteps(text: string, options: CsvOptions, file: string): Generator<void, CsvDataset> {
  const errors: string[] = [];
  const fail = (msg: string): CsvDataset => ({
    x: [],
    y: [],
    inputColumns: [],
    targetColumns: [],
    classes: null,
    errors: [...errors, msg],
  });
  const records = yield* splitSteps(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!records.length) return fail(`${file} is empty; it needs a header row naming the columns`);
  const header = records[0].fields;
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    if (!index.has(h)) index.set(h, i);
  });
  const columns = (names: readonly string[], what: string): number[] | null => {
    const missing = names.filter((n) => !index.has(n));
    if (missing.length) {
      errors.push(
        `${file} has no ${what} column ${missing.map((m) => `'${m}'`).join(', ')}; its columns are ${header.map((h) => `'${h}'`).join(', ')}`,
      );
      return null;
    }
    return names.map((n) => index.get(n)!);
  };
  const targetIdx = columns(options.targets ?? [header[header.length - 1]], 'target');
  const inputIdx = options.inputs
    ? columns(options.inputs, 'input')
    : header.map((_, i) => i).filter((i) => !targetIdx?.includes(i));
  if (!targetIdx || !inputIdx) return fail(errors.pop()!);
  if (!inputIdx.length)
    return fail(`${file}: no input columns are left once the target is taken; name them with inputs=…`);
  const overlap = inputIdx.filter((i) => targetIdx.includes(i));
  if (overlap.length) return fail(`column '${header[overlap[0]]}' cannot be both an input and a target`);
  if (options.onehot && targetIdx.length !== 1)
    return fail(`onehot needs exactly one target column, not ${targetIdx.length}`);

  const x: number[][] = [],
    y: number[][] = [],
    labels: string[] = [];
  for (let k = 1; k < records.length; k++) {
    const r = records[k];
    if (k % RECORDS_PER_STEP === 0) yield;
    if (errors.length >= MAX_ERRORS) break;
    if (r.fields.length !== header.length) {
      errors.push(`${file}:${r.line}: ${r.fields.length} field(s), but the header has ${header.length}`);
      continue;
    }
    const num = (i: number): number | null => {
      const v = parseNumber(r.fields[i]);
      const hint = targetIdx.includes(i) && r.fields[i] !== '' ? " (add 'onehot' if it is a class label)" : '';
      const overflow = v === null ? null : float32Overflow(v);
      if (overflow)
        errors.push(`${file}:${r.line}: column '${header[i]}' is '${r.fields[i].slice(0, 40)}', ${overflow}`);
      else if (v === null)
        errors.push(
          `${file}:${r.line}: column '${header[i]}' is ${r.fields[i] === '' ? 'empty' : `'${r.fields[i].slice(0, 40)}', not a finite number`}${hint}`,
        );
      return overflow ? null : v;
    };
    const row = inputIdx.map(num);
    if (options.onehot) labels.push(r.fields[targetIdx[0]]);
    const target = options.onehot ? [] : targetIdx.map(num);
    if (row.every((v) => v !== null) && target.every((v) => v !== null)) {
      x.push(row as number[]);
      y.push(target as number[]);
    }
  }
  if (errors.length) return fail(errors.pop()!);
  if (!x.length) return fail(`${file} has a header but no data rows`);

  let classes: string[] | null = null;
  if (options.onehot) {
    classes = sortLabels([...new Set(labels)]);
    if (classes.length > MAX_CLASSES)
      return fail(
        `${file}: ${classes.length} distinct labels in '${header[targetIdx[0]]}', more than the limit of ${MAX_CLASSES} classes`,
      );
    const pos = new Map(classes.map((c, i) => [c, i]));
    labels.forEach((l, r) => {
      y[r] = classes!.map((_, k) => (k === pos.get(l) ? 1 : 0));
    });
  }
  if (options.standardize) yield* standardizeSteps(x);
  return {
    x,
    y,
    inputColumns: inputIdx.map((i) => header[i]),
    targetColumns: targetIdx.map((i) => header[i]),
    classes,
    errors: [],
  };
}

/** Numeric labels in numeric order, otherwise in string order, so class k is stable across runs. */
function sortLabels(labels: string[]): string[] {
  const allNumeric = labels.every((l) => parseNumber(l) !== null);
  return allNumeric ? labels.sort((a, b) => Number(a) - Number(b)) : labels.sort();
}

/** In place: each column to mean 0, standard deviation 1 (population); a constant column is only centred. */
export function standardizeColumns(x: number[][]): void {
  run(standardizeSteps(x));
}

function* standardizeSteps(x: number[][]): Generator<void, void> {
  const cols = x[0]?.length ?? 0;
  for (let j = 0; j < cols; j++) {
    if (j > 0) yield;
    let mean = 0;
    for (const r of x) mean += r[j];
    mean /= x.length;
    let v = 0;
    for (const r of x) v += (r[j] - mean) ** 2;
    const std = Math.sqrt(v / x.length);
    for (const r of x) r[j] = (r[j] - mean) / (std > 0 ? std : 1);
  }
}
