// Numbers in JSON messages (DAP bodies, webview messages): JSON has no NaN, ±∞ or -0, so the encoder spells them
// and the decoder reads them back. NaN travels as null (what JSON.stringify writes), the others as strings.

/** How a number travels in JSON. */
export type JsonNumber = number | null | 'Infinity' | '-Infinity' | '-0';

/** A number for JSON: finite numbers as they are, NaN as null, ±∞ and -0 spelled out. */
export function encodeNumber(x: number): JsonNumber {
  if (Number.isNaN(x)) return null;
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return x;
}

/** Reads a number written by `encodeNumber` (null → NaN); undefined when `x` is none of its forms. */
export function decodeNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (x === null) return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  if (x === '-0') return -0;
  return undefined;
}

/** What `encodeJson` makes of a value's type: every number may become a JsonNumber. */
export type Encoded<T> = T extends number
  ? JsonNumber
  : T extends string | boolean | null | undefined
    ? T
    : T extends readonly (infer E)[]
      ? readonly Encoded<E>[]
      : { readonly [K in keyof T]: Encoded<T[K]> };

/**
 * A copy of a plain JSON-shaped value (no typed arrays: tensors travel as `EncodedTensor`) with ±∞ and -0 spelled
 * out; NaN is left to JSON.stringify, which writes null. Only what holds such a number is copied, so most messages
 * come back as they are.
 */
export function encodeJson<T>(value: T): Encoded<T> {
  return walk(value) as Encoded<T>;
}

function walk(x: unknown): unknown {
  if (typeof x === 'number') return x === Infinity || x === -Infinity || Object.is(x, -0) ? encodeNumber(x) : x;
  if (typeof x !== 'object' || x === null) return x;
  if (Array.isArray(x)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < x.length; i++) {
      const v: unknown = x[i],
        w = walk(v);
      if (!Object.is(w, v)) (out ??= x.slice())[i] = w;
    }
    return out ?? x;
  }
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(x)) {
    const w = walk(v);
    if (!Object.is(w, v)) (out ??= { ...x })[k] = w;
  }
  return out ?? x;
}
