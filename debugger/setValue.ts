// Set Value while paused: the learning rate, or one entry of a parameter tensor (`h1.W[0][1]`, `out.b[2]`).

import { formatValue } from '../engine/expr/format';
import { isTensor, type ExprScope } from '../engine/expr/values';
import type { Trainer } from '../engine/runtime/trainer';

/** A decimal number: optional sign, digits with an optional fraction, optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parameter tensors that may be edited (by the last part of their path). */
const EDITABLE = /\.(W|b|gamma|beta|P|c)$/;

/** A Set Value made: the new value as text, and the write itself, which a replay passing the edit's event makes again. */
export interface SetValueEdit {
  readonly text: string;
  /** Writes the value again (the same assignment: making it twice is making it once). */
  readonly apply: () => void;
}

/**
 * Parses `value` as a finite number and writes it to `path`; returns the new value as text and the write.
 * @throws Error with a message for the user when the path or value is not editable.
 */
export function applySetValue(t: Trainer, scope: ExprScope, path: string, value: string): SetValueEdit {
  const text = value.trim();
  // Decimal only: Number() would also take '0x10', '0b1', '' and ' ', which no one means as a weight.
  if (!DECIMAL.test(text)) throw new Error(`'${value}' is not a decimal number (e.g. 0.5, -1e-3)`);
  const v = Number(text);
  if (!Number.isFinite(v)) throw new Error(`'${value}' is not a finite number`);
  if (path === 'lr') {
    if (!(v > 0)) throw new Error('the learning rate must be positive');
    const apply = () => {
      t.baseLr = v;
    };
    apply();
    return { text: formatValue(v), apply };
  }
  const m = /^([A-Za-z_][\w.]*?)((?:\[\d+\])+)$/.exec(path.replace(/\s+/g, ''));
  if (!m || !EDITABLE.test(m[1]))
    throw new Error(`only lr and single entries of parameters (e.g. h1.W[0][1]) can be set, not '${path}'`);
  const tensor = scope.lookup(m[1]);
  if (!isTensor(tensor)) throw new Error(`'${m[1]}' is not a tensor here`);
  const idx = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
  if (idx.length !== tensor.shape.length)
    throw new Error(`'${m[1]}' has ${tensor.shape.length} dimension(s); give one index per dimension`);
  let flat = 0;
  idx.forEach((k, d) => {
    if (k >= tensor.shape[d])
      throw new Error(`index ${k} is out of range for dimension ${d} of size ${tensor.shape[d]}`);
    flat = flat * tensor.shape[d] + k;
  });
  // Parameters are float32: a value beyond its range would be stored as ±Inf.
  if (!Number.isFinite(Math.fround(v))) throw new Error(`${text} is beyond the float32 range of a weight (±3.4e38)`);
  // Parameter tensors are views onto the trainer's parameter buffer, so this writes the real weight (and a replay,
  // which restores that buffer in place, the same one again).
  const data = tensor.data as Float32Array,
    apply = () => {
      data[flat] = v;
    };
  apply();
  return { text: formatValue(data[flat]), apply };
}
