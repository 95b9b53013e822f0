// Writes numpy .npz archives (a ZIP of .npy files, stored uncompressed): how nnet hands weights and data to PyTorch
// without pickle. Little-endian, C order; float32 tensors and int32 index arrays.

/** One array of an .npz archive: its key (the file name without `.npy`), shape and values in C order. */
export interface NpzArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

/**
 * The bytes of an .npz archive holding `arrays` (numpy.load reads it; nothing in it is pickled). Throws RangeError
 * when a shape does not match its data's length, a name is empty or repeated, or the archive would pass ZIP's 4 GiB.
 */
export function writeNpz(arrays: readonly NpzArray[]): Uint8Array {
  const seen = new Set<string>();
  const entries = arrays.map((a) => {
    if (!a.name || seen.has(a.name)) throw new RangeError(`npz: array name '${a.name}' is empty or repeated`);
    seen.add(a.name);
    return { name: new TextEncoder().encode(`${a.name}.npy`), body: npyBytes(a) };
  });
  const size = entries.reduce((s, e) => s + 30 + e.name.length + e.body.length + 46 + e.name.length, 0) + 22;
  if (size >= 2 ** 32) throw new RangeError('npz: the archive would be larger than 4 GiB (ZIP64 is not written)');
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let off = 0;
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.body));
  // Local file headers with their data, then the central directory, then its end record.
  entries.forEach((e, i) => {
    offsets.push(off);
    off = header(view, out, off, 0x04034b50, e.name, crcs[i], e.body.length, -1);
    out.set(e.body, off);
    off += e.body.length;
  });
  const dirStart = off;
  entries.forEach((e, i) => {
    off = header(view, out, off, 0x02014b50, e.name, crcs[i], e.body.length, offsets[i]);
  });
  view.setUint32(off, 0x06054b50, true);
  view.setUint16(off + 8, entries.length, true);
  view.setUint16(off + 10, entries.length, true);
  view.setUint32(off + 12, off - dirStart, true);
  view.setUint32(off + 16, dirStart, true);
  return out;
}

/** A local (localOffset −1) or central directory header for a stored entry; returns the offset after it. */
function header(
  view: DataView,
  out: Uint8Array,
  off: number,
  signature: number,
  name: Uint8Array,
  crc: number,
  size: number,
  localOffset: number,
): number {
  const central = localOffset >= 0;
  view.setUint32(off, signature, true);
  let p = off + 4;
  if (central) {
    view.setUint16(p, 20, true); // version made by
    p += 2;
  }
  view.setUint16(p, 20, true); // version needed
  view.setUint16(p + 2, 0x0800, true); // flags: UTF-8 names
  view.setUint16(p + 4, 0, true); // method: stored
  view.setUint16(p + 6, 0, true); // time
  view.setUint16(p + 8, 0x21, true); // date: 1980-01-01
  view.setUint32(p + 10, crc, true);
  view.setUint32(p + 14, size, true);
  view.setUint32(p + 18, size, true);
  view.setUint16(p + 22, name.length, true);
  view.setUint16(p + 24, 0, true); // extra
  p += 26;
  if (central) {
    // comment length, disk, internal and external attributes (all 0), then the local header's offset
    view.setUint32(p + 10, localOffset, true);
    p += 14;
  }
  out.set(name, p);
  return p + name.length;
}

/** One .npy file (format 1.0): magic, header dict padded to a multiple of 64 bytes, then the raw values. */
function npyBytes(a: NpzArray): Uint8Array {
  const count = a.shape.reduce((s, d) => s * d, 1);
  if (!a.shape.every((d) => Number.isInteger(d) && d >= 0) || count !== a.data.length)
    throw new RangeError(`npz: '${a.name}' has shape [${a.shape.join(', ')}] but ${a.data.length} values`);
  const descr = a.data instanceof Float32Array ? '<f4' : '<i4';
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  dict += ' '.repeat(pad % 64) + '\n';
  const head = new TextEncoder().encode(dict);
  const out = new Uint8Array(10 + head.length + a.data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY 1.0
  new DataView(out.buffer).setUint16(8, head.length, true);
  out.set(head, 10);
  const values = new DataView(out.buffer, 10 + head.length);
  for (let i = 0; i < a.data.length; i++)
    if (a.data instanceof Float32Array) values.setFloat32(i * 4, a.data[i], true);
    else values.setInt32(i * 4, a.data[i], true);
  return out;
}

let table: Uint32Array | null = null;

/** CRC-32 (IEEE, as ZIP) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
