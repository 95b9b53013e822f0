// The .npz reader against files numpy writes at test time (np.savez, np.savez_compressed, float64, object arrays,
// Fortran order, big-endian) and against hostile bytes: truncations, lying sizes and shapes, a deflate bomb.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { pythonForTests, runPython } from '../../test/python';
import { readNpy } from './npy';
import { readNpz, readNpzAsync } from './npzRead';

const py = pythonForTests();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-npz-'));
const file = (f: string) => fs.readFileSync(path.join(dir, f));

if (!py.skip)
  runPython(
    py.python,
    `
import numpy as np
W = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
b = np.array([1.5, -2.25], dtype=np.float64)
np.savez('plain.npz', **{'h1.W': W, 'h1.b': b})
np.savez_compressed('packed.npz', **{'h1.W': W, 'h1.b': b, 'big': np.zeros((300, 40), dtype=np.float32)})
np.savez('object.npz', **{'h1.W': np.array([{'a': 1}], dtype=object)}, allow_pickle=True)
np.savez('fortran.npz', **{'h1.W': np.asfortranarray(W)})
np.savez('bigendian.npz', **{'h1.W': W.astype('>f4')})
np.savez('ints.npz', **{'h1.W': np.arange(3)})
np.savez('scalar.npz', s=np.float32(3))
`,
    dir,
  );

const ok = (r: ReturnType<typeof readNpz>) => {
  if ('error' in r) assert.fail(r.error);
  return r.arrays;
};

test('reads np.savez (stored) with float32 and float64 arrays, values exact', { skip: py.skip }, () => {
  const a = ok(readNpz(file('plain.npz')));
  assert.deepEqual([...a.keys()], ['h1.W', 'h1.b']);
  assert.deepEqual(a.get('h1.W')!.shape, [2, 3]);
  assert.equal(a.get('h1.W')!.dtype, 'float32');
  assert.deepEqual(
    [...a.get('h1.W')!.data],
    [0, 1, 2, 3, 4, 5].map((v) => Math.fround(v / 7)),
  );
  assert.equal(a.get('h1.b')!.dtype, 'float64');
  assert.deepEqual([...a.get('h1.b')!.data], [1.5, -2.25]);
});

test('reads np.savez_compressed (deflate), sync and async alike', { skip: py.skip }, async () => {
  const sync = ok(readNpz(file('packed.npz')));
  const r = await readNpzAsync(file('packed.npz'));
  const async_ = ok(r);
  assert.deepEqual(sync.get('big')!.shape, [300, 40]);
  assert.deepEqual([...async_.get('h1.W')!.data], [...sync.get('h1.W')!.data]);
  assert.deepEqual([...ok(readNpz(file('plain.npz'))).get('h1.W')!.data], [...sync.get('h1.W')!.data]);
});

test('a 0-d array reads with shape []', { skip: py.skip }, () => {
  const s = ok(readNpz(file('scalar.npz'))).get('s')!;
  assert.deepEqual([s.shape, [...s.data]], [[], [3]]);
});

test('refuses pickled object arrays, Fortran order, big-endian and integer dtypes by name', { skip: py.skip }, () => {
  const err = (f: string) => {
    const r = readNpz(file(f), { name: f });
    assert.ok('error' in r, f);
    return r.error;
  };
  assert.match(err('object.npz'), /^object\.npz: 'h1\.W\.npy' holds Python objects .*never unpickles/);
  assert.match(err('fortran.npz'), /Fortran \(column-major\) order/);
  assert.match(err('bigendian.npz'), /big-endian \(dtype '>f4'\)/);
  assert.match(err('ints.npz'), /has dtype '<i8'; only float32/);
});

test('every truncation of a stored and a deflated file is an error, never a throw', { skip: py.skip }, () => {
  for (const f of ['plain.npz', 'packed.npz']) {
    const bytes = file(f);
    for (let n = 0; n < bytes.length; n += n < 200 ? 1 : 97) {
      const r = readNpz(bytes.subarray(0, n));
      assert.ok('error' in r, `${f} cut at ${n} read`);
    }
  }
  assert.match(
    (readNpz(file('plain.npz').subarray(0, 300)) as { error: string }).error,
    /not a complete \.npz \(zip\) file/,
  );
});

/** A one-entry stored zip holding `data` under `name`, built by hand so its fields can lie. */
function zip(name: string, data: Uint8Array, method = 0, declared = data.length): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(n.length, 28);
  central.writeUInt32LE(0, 42);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(30 + n.length + data.length, 16);
  return Buffer.concat([local, n, data, central, n, end]);
}

/** A .npy v1 file with the header text `dict` and `data`. */
function npy(dict: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const h = Buffer.from(dict + ' '.repeat(pad % 64) + '\n');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  return Buffer.concat([pre, h, data]);
}

test('a shape that lies about its size is refused before anything is allocated', () => {
  const huge = npy(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100000000000), }",
    new Uint8Array(8),
  );
  assert.match((readNpy(huge, 'x') as { error: string }).error, /truncated: its shape \(100000000000, 100000000000\)/);
  const long = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16));
  assert.match((readNpy(long, 'x') as { error: string }).error, /8 bytes after the data/);
  const evil = npy("{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': (1,), }");
  assert.match((readNpy(evil, 'x') as { error: string }).error, /unreadable header/);
  const good = npy(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
    new Uint8Array(new Float32Array([1, -2]).buffer),
  );
  assert.deepEqual([...(readNpy(good, 'x') as { data: Float32Array }).data], [1, -2]);
  assert.deepEqual([...ok(readNpz(zip('k.npy', good))).get('k')!.data], [1, -2]);
});

test('a deflate bomb stops at the size its entry declares; lying zip sizes are errors', () => {
  const body = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(16));
  const bomb = zlib.deflateRawSync(Buffer.concat([body, Buffer.alloc(50 * 1024 * 1024)]));
  assert.ok(bomb.length < 100_000);
  const r = readNpz(zip('w.npy', bomb, 8, body.length));
  assert.match((r as { error: string }).error, /inflates to more than the \d+ bytes its entry declares/);
  const claimedHuge = readNpz(zip('w.npy', bomb, 8, 0xfffffff0), { maxBytes: 1 << 20 });
  assert.match((claimedHuge as { error: string }).error, /more than 1.0 MiB of arrays once inflated/);
  const stored = zip('w.npy', body);
  stored.writeUInt32LE(1 << 30, 30 + 5 + body.length + 20); // central compressed size past the end
  assert.match((readNpz(stored) as { error: string }).error, /ends past the end of the file|two different sizes/);
  assert.match((readNpz(Buffer.from('PK not a zip at all')) as { error: string }).error, /not a complete \.npz/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
