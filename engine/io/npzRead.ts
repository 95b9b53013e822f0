// Reading a numpy `.npz` (a zip of `.npy` arrays, ZIP_STORED from np.savez or DEFLATE from np.savez_compressed)
// from bytes. Nothing is executed or unpickled; every size the file states is checked against the bytes it has, and
// a deflated entry is never inflated past the size its directory entry declares nor past `maxBytes` in all.

import zlib from 'node:zlib';
import { readNpy, type NpyArray, type NpzArrays } from './npy';

export type { NpzArrays } from './npy';

/** An entry of the zip's central directory. */
interface Entry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
  readonly flags: number;
}

const EOCD = 0x06054b50,
  EOCD64 = 0x06064b50,
  LOCATOR64 = 0x07064b50,
  CENTRAL = 0x02014b50,
  LOCAL = 0x04034b50;
/** Most arrays an archive may hold: far more than layers × parameters of any network within the limits. */
const MAX_ENTRIES = 65536;

/** Options of the readers. */
export interface NpzReadOptions {
  /** How messages call the file. */
  readonly name?: string;
  /** Most bytes all arrays may take once inflated (the caller's budget); default 256 MiB. */
  readonly maxBytes?: number;
}

/** The default budget for the inflated arrays of one file. */
export const MAX_NPZ_BYTES = 256 * 1024 * 1024;

type Result = { readonly arrays: NpzArrays } | { readonly error: string };

/** Reads every array of an .npz held in `bytes`, inflating synchronously. Never throws. */
export function readNpz(bytes: Uint8Array, options: NpzReadOptions = {}): Result {
  const name = options.name ?? 'the .npz file';
  const dir = readDirectory(bytes, name, options.maxBytes ?? MAX_NPZ_BYTES);
  if ('error' in dir) return dir;
  const arrays = new Map<string, NpyArray>();
  for (const e of dir.entries) {
    const raw = payload(bytes, e, name);
    if ('error' in raw) return raw;
    let data: Uint8Array;
    if (e.method === 0) data = raw.bytes;
    else {
      try {
        data = zlib.inflateRawSync(raw.bytes, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        return { error: inflateError(err, e, name) };
      }
    }
    const a = arrayOf(data, e, name);
    if ('error' in a) return a;
    arrays.set(keyOf(e.name), a);
  }
  return { arrays };
}

/** Like `readNpz`, but deflated entries are inflated on the thread pool, so a large file does not hold the caller. */
export async function readNpzAsync(bytes: Uint8Array, options: NpzReadOptions = {}): Promise<Result> {
  const name = options.name ?? 'the .npz file';
  const dir = readDirectory(bytes, name, options.maxBytes ?? MAX_NPZ_BYTES);
  if ('error' in dir) return dir;
  const arrays = new Map<string, NpyArray>();
  for (const e of dir.entries) {
    const raw = payload(bytes, e, name);
    if ('error' in raw) return raw;
    let data: Uint8Array;
    if (e.method === 0) data = raw.bytes;
    else {
      try {
        data = await new Promise<Buffer>((resolve, reject) =>
          zlib.inflateRaw(raw.bytes, { maxOutputLength: Math.max(1, e.size) }, (err, out) =>
            err ? reject(err) : resolve(out),
          ),
        );
      } catch (err) {
        return { error: inflateError(err, e, name) };
      }
    }
    const a = arrayOf(data, e, name);
    if ('error' in a) return a;
    arrays.set(keyOf(e.name), a);
    await new Promise<void>((resolve) => setImmediate(resolve)); // let other work run between arrays
  }
  return { arrays };
}

function keyOf(entryName: string): string {
  return entryName.endsWith('.npy') ? entryName.slice(0, -4) : entryName;
}

function arrayOf(data: Uint8Array, e: Entry, name: string): NpyArray | { readonly error: string } {
  if (data.length !== e.size)
    return { error: `${name}: '${e.name}' inflates to ${data.length} bytes, not the ${e.size} its entry declares` };
  const a = readNpy(data, e.name);
  return 'error' in a ? { error: `${name}: ${a.error}` } : a;
}

function inflateError(err: unknown, e: Entry, name: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
    return `${name}: '${e.name}' inflates to more than the ${e.size} bytes its entry declares`;
  return `${name}: '${e.name}' is corrupt (${(err as Error).message})`;
}

/** The stored (possibly deflated) bytes of an entry, found through its local header. */
function payload(
  bytes: Uint8Array,
  e: Entry,
  name: string,
): { readonly bytes: Uint8Array } | { readonly error: string } {
  const v = view(bytes);
  const at = e.localOffset;
  if (at + 30 > bytes.length || v.getUint32(at, true) !== LOCAL)
    return { error: `${name} is damaged: the entry '${e.name}' is not where its directory says` };
  const start = at + 30 + v.getUint16(at + 26, true) + v.getUint16(at + 28, true);
  if (start + e.compressedSize > bytes.length)
    return { error: `${name} is truncated: the entry '${e.name}' needs ${e.compressedSize} bytes past the end` };
  return { bytes: bytes.subarray(start, start + e.compressedSize) };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The central directory: every entry, checked against the file's size and the byte budget. */
function readDirectory(
  bytes: Uint8Array,
  name: string,
  maxBytes: number,
): { readonly entries: readonly Entry[] } | { readonly error: string } {
  const v = view(bytes);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--)
    if (v.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  if (eocd < 0)
    return {
      error: `${name} is not a complete .npz (zip) file: no end of its directory was found (truncated, or not a zip)`,
    };
  let count = v.getUint16(eocd + 10, true),
    dirSize = v.getUint32(eocd + 12, true),
    dirOffset = v.getUint32(eocd + 16, true);
  // Zip64: the locator just before the end record points at the zip64 end record with the real values.
  if (eocd >= 20 && v.getUint32(eocd - 20, true) === LOCATOR64) {
    const at = big(v, eocd - 20 + 8);
    if (at === null || at + 56 > bytes.length || v.getUint32(at, true) !== EOCD64)
      return { error: `${name} is damaged: its zip64 directory record is missing` };
    const c = big(v, at + 32),
      s = big(v, at + 40),
      o = big(v, at + 48);
    if (c === null || s === null || o === null) return { error: `${name} is damaged: impossible zip64 sizes` };
    [count, dirSize, dirOffset] = [c, s, o];
  }
  if (dirOffset + dirSize > bytes.length)
    return { error: `${name} is truncated: its directory lies past the end of the file` };
  if (count > MAX_ENTRIES || count * 46 > dirSize)
    return { error: `${name} is damaged: its directory cannot hold ${count} entries` };
  const entries: Entry[] = [];
  const names = new Set<string>();
  let total = 0,
    p = dirOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > dirOffset + dirSize || v.getUint32(p, true) !== CENTRAL)
      return { error: `${name} is damaged: directory entry ${n + 1} is unreadable` };
    const flags = v.getUint16(p + 8, true),
      method = v.getUint16(p + 10, true),
      nameLen = v.getUint16(p + 28, true),
      extraLen = v.getUint16(p + 30, true),
      commentLen = v.getUint16(p + 32, true);
    let compressedSize = v.getUint32(p + 20, true),
      size = v.getUint32(p + 24, true),
      localOffset = v.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > dirOffset + dirSize) return { error: `${name} is damaged: directory entry ${n + 1} overruns it` };
    const entryName = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, nameLen).toString('utf8');
    // Zip64 extra field (id 1): 8-byte values for whichever of the three fields above are 0xFFFFFFFF, in order.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = v.getUint16(x, true),
        len = v.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        const next = (): number | null => (q + 8 <= x + 4 + len ? big(v, (q += 8) - 8) : null);
        if (size === 0xffffffff) size = next() ?? -1;
        if (compressedSize === 0xffffffff) compressedSize = next() ?? -1;
        if (localOffset === 0xffffffff) localOffset = next() ?? -1;
      }
      x += 4 + len;
    }
    if (size < 0 || compressedSize < 0 || localOffset < 0)
      return { error: `${name} is damaged: impossible zip64 sizes for '${entryName}'` };
    if (flags & 1) return { error: `${name}: '${entryName}' is encrypted` };
    if (method !== 0 && method !== 8)
      return {
        error: `${name}: '${entryName}' uses zip compression method ${method}; np.savez (stored) and np.savez_compressed (deflate) are read`,
      };
    if (method === 0 && compressedSize !== size)
      return { error: `${name} is damaged: the stored entry '${entryName}' declares two different sizes` };
    if (localOffset + 30 + compressedSize > bytes.length)
      return { error: `${name} is truncated: the entry '${entryName}' ends past the end of the file` };
    if (names.has(entryName)) return { error: `${name} holds '${entryName}' twice` };
    names.add(entryName);
    total += size;
    if (total > maxBytes)
      return {
        error: `${name} holds more than ${(maxBytes / 1048576).toFixed(1)} MiB of arrays once inflated, more than this network can use`,
      };
    entries.push({ name: entryName, method, compressedSize, size, localOffset, flags });
    p = end;
  }
  return { entries };
}

/** An unsigned 64-bit little-endian integer, or null past 2^53 (no real file is that large). */
function big(v: DataView, at: number): number | null {
  if (at + 8 > v.byteLength) return null;
  const lo = v.getUint32(at, true),
    hi = v.getUint32(at + 4, true);
  return hi >= 0x200000 ? null : hi * 0x100000000 + lo;
}
