// The npz writer: the ZIP and .npy layout numpy reads (checked byte by byte here; test/pytorch loads it with numpy).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, writeNpz } from './npzWrite';

/** The stored entries of a ZIP written by writeNpz, read back from its central directory. */
function entries(zip: Uint8Array): Map<string, Uint8Array> {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  assert.equal(v.getUint32(end, true), 0x06054b50);
  const count = v.getUint16(end + 10, true);
  let p = v.getUint32(end + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    assert.equal(v.getUint32(p, true), 0x02014b50);
    const size = v.getUint32(p + 20, true),
      nameLen = v.getUint16(p + 28, true),
      local = v.getUint32(p + 42, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLen));
    assert.equal(v.getUint32(local, true), 0x04034b50);
    const data = zip.subarray(local + 30 + nameLen, local + 30 + nameLen + size);
    assert.equal(crc32(data), v.getUint32(p + 16, true), `crc of ${name}`);
    out.set(name, data);
    p += 46 + nameLen;
  }
  return out;
}

test('crc32 is the ZIP checksum', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('writeNpz stores one .npy per array: header dict padded to 64 bytes, then little-endian values', () => {
  const zip = writeNpz([
    { name: 'h1.W', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -0.5]) },
    { name: 'rows', shape: [2], data: Int32Array.from([7, -1]) },
  ]);
  const e = entries(zip);
  assert.deepEqual([...e.keys()], ['h1.W.npy', 'rows.npy']);
  const npy = e.get('h1.W.npy')!;
  assert.deepEqual([...npy.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headLen = npy[8] | (npy[9] << 8);
  assert.equal((10 + headLen) % 64, 0);
  const head = new TextDecoder().decode(npy.subarray(10, 10 + headLen));
  assert.match(head, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  assert.deepEqual([...new Float32Array(npy.slice(10 + headLen).buffer)], [1, 2, 3, 4, 5, -0.5]);
  const rows = e.get('rows.npy')!;
  const rowsHead = new TextDecoder().decode(rows.subarray(10, 10 + (rows[8] | (rows[9] << 8))));
  assert.match(rowsHead, /'descr': '<i4'.*'shape': \(2,\)/);
});

test('writeNpz refuses a shape that does not match the data, and a repeated name', () => {
  assert.throws(() => writeNpz([{ name: 'a', shape: [3], data: new Float32Array(2) }]), /shape \[3\] but 2 values/);
  assert.throws(
    () =>
      writeNpz([
        { name: 'a', shape: [1], data: new Float32Array(1) },
        { name: 'a', shape: [1], data: new Float32Array(1) },
      ]),
    /repeated/,
  );
});
