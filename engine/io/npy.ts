// Reading one numpy `.npy` array from bytes: the header (a Python dict literal, parsed by a small strict reader that
// never evaluates anything) and little-endian float32/float64 data in C order. Everything else is refused by name.

/** A float array read from a .npy file; `data` is in C (row-major) order. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'float64';
  readonly data: Float32Array | Float64Array;
}

/** The arrays of an .npz, keyed as numpy's `np.load(file)[key]` (the entry name without `.npy`). */
export type NpzArrays = ReadonlyMap<string, NpyArray>;

/** The header fields of a .npy file that matter here. */
export interface NpyHeader {
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Offset of the first data byte. */
  readonly dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Longest header read: numpy pads headers to 64 bytes and never writes one this long for a plain array. */
const MAX_HEADER = 65536;
/** True on the hosts nnet runs on (x86, ARM): typed arrays are in the file's byte order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Most dimensions a shape may have (numpy's own limit is 64). */
const MAX_DIMS = 32;

/** Parses the magic, version and header dict of a .npy file; `name` is how messages call it. */
export function readNpyHeader(bytes: Uint8Array, name: string): NpyHeader | { readonly error: string } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    return { error: `'${name}' is not a .npy array (no \\x93NUMPY magic)` };
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let len: number, start: number;
  if (major === 1) {
    len = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) return { error: `'${name}' is truncated inside its header` };
    len = view.getUint32(8, true);
    start = 12;
  } else return { error: `'${name}' has .npy format version ${major}.${bytes[7]}; versions 1 to 3 are read` };
  if (len > MAX_HEADER) return { error: `'${name}' has a header of ${len} bytes, more than ${MAX_HEADER}` };
  if (start + len > bytes.length) return { error: `'${name}' is truncated inside its header` };
  let text = '';
  for (let i = start; i < start + len; i++) {
    const c = bytes[i];
    if (c > 0x7e || (c < 0x20 && c !== 0x0a)) return { error: `'${name}' has a header that is not plain text` };
    text += String.fromCharCode(c);
  }
  const dict = parseDict(text);
  if ('error' in dict) return { error: `'${name}' has an unreadable header (${dict.error}): ${text.trim()}` };
  const { descr, fortran_order: fortran, shape } = dict.value;
  if (typeof descr !== 'string') return { error: `'${name}' has no 'descr' (dtype) in its header` };
  if (typeof fortran !== 'boolean') return { error: `'${name}' has no 'fortran_order' in its header` };
  if (!Array.isArray(shape)) return { error: `'${name}' has no 'shape' in its header` };
  return { descr, fortranOrder: fortran, shape, dataOffset: start + len };
}

/**
 * Reads a float32/float64 array from a whole .npy file. Refuses (with a message naming `name`) object and pickled
 * arrays, other dtypes, big-endian data, Fortran order, and data shorter or longer than the shape says. Allocates
 * only after checking that the bytes hold every element.
 */
export function readNpy(bytes: Uint8Array, name: string): NpyArray | { readonly error: string } {
  const h = readNpyHeader(bytes, name);
  if ('error' in h) return h;
  const size = h.descr === '<f4' ? 4 : h.descr === '<f8' ? 8 : 0;
  if (size === 0) return { error: `'${name}' ${dtypeProblem(h.descr)}` };
  if (h.fortranOrder)
    return {
      error: `'${name}' is in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray) and try again`,
    };
  const have = bytes.length - h.dataOffset;
  // Multiply step by step against what the bytes hold: a lying shape of huge dimensions stops at the first overflow.
  let count = 1;
  for (const d of h.shape) {
    count *= d;
    if (count * size > have) break;
  }
  const shown = `(${h.shape.join(', ')})`;
  if (count * size > have)
    return {
      error: `'${name}' is truncated: its shape ${shown} needs more than the ${have} bytes of data it holds`,
    };
  if (count * size < have)
    return { error: `'${name}' has ${have - count * size} bytes after the data its shape ${shown} describes` };
  if (LITTLE_ENDIAN) {
    // A copy of the data bytes (memcpy, aligned at 0) viewed as floats: a 16 MB array in milliseconds.
    // (Not bytes.slice: a Node Buffer's slice is a view, maybe unaligned, into a shared pool.)
    const own = new ArrayBuffer(count * size);
    new Uint8Array(own).set(bytes.subarray(h.dataOffset, h.dataOffset + count * size));
    return size === 4
      ? { shape: h.shape, dtype: 'float32', data: new Float32Array(own) }
      : { shape: h.shape, dtype: 'float64', data: new Float64Array(own) };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, have);
  if (size === 4) {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
    return { shape: h.shape, dtype: 'float32', data };
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, true);
  return { shape: h.shape, dtype: 'float64', data };
}

/** Why a dtype other than <f4 and <f8 is refused, as the end of a sentence. */
function dtypeProblem(descr: string): string {
  if (descr.includes('O'))
    return 'holds Python objects (dtype object, stored with pickle); nnet never unpickles: save float arrays';
  if (/^>f[48]$/.test(descr))
    return `is big-endian (dtype '${descr}'); save it little-endian with array.astype('<f${descr[2]}')`;
  return `has dtype '${descr}'; only float32 ('<f4') and float64 ('<f8') arrays are read`;
}

type PyValue = string | boolean | number[];

/**
 * The header dict: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. Keys are quoted strings; values
 * a quoted string, True/False, or a tuple of non-negative integers. Nothing else is accepted.
 */
function parseDict(s: string): { value: Record<string, PyValue> } | { error: string } {
  let i = 0;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const str = (): string | null => {
    const q = s[i];
    if (q !== "'" && q !== '"') return null;
    const end = s.indexOf(q, i + 1);
    if (end < 0) return null;
    const v = s.slice(i + 1, end);
    if (v.includes('\\')) return null;
    i = end + 1;
    return v;
  };
  const value = (): PyValue | null => {
    if (s.startsWith('True', i)) return ((i += 4), true);
    if (s.startsWith('False', i)) return ((i += 5), false);
    if (s[i] === '(') {
      i++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (s[i] === ')') return (i++, dims);
        const m = /^\d{1,15}/.exec(s.slice(i, i + 16));
        if (!m || dims.length >= MAX_DIMS) return null;
        dims.push(Number(m[0]));
        i += m[0].length;
        while (s[i] === 'L') i++; // Python 2's long suffix
        ws();
        if (s[i] === ',') i++;
        else if (s[i] !== ')') return null;
      }
    }
    return str();
  };
  const out: Record<string, PyValue> = Object.create(null) as Record<string, PyValue>;
  ws();
  if (s[i++] !== '{') return { error: "expected '{'" };
  for (;;) {
    ws();
    if (s[i] === '}') break;
    const k = str();
    if (k === null) return { error: `expected a quoted key at ${i}` };
    ws();
    if (s[i++] !== ':') return { error: `expected ':' after '${k}'` };
    ws();
    const v = value();
    if (v === null) return { error: `unreadable value of '${k}'` };
    out[k] = v;
    ws();
    if (s[i] === ',') i++;
    else if (s[i] !== '}') return { error: `expected ',' or '}' after '${k}'` };
  }
  return { value: out };
}
