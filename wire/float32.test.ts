import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFloat32, encodeFloat32, float32Count, toBase64 } from './float32';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

test('float32 values round trip exactly, NaN, ±∞ and -0 included, and match Node’s base64', () => {
  const cases = [
    new Float32Array(0),
    Float32Array.from([NaN, Infinity, -Infinity, -0, 0, 1.5, -1e-42, 3.4e38]),
    Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 10 ** ((i % 20) - 10)),
  ];
  for (const values of cases) {
    const data = encodeFloat32(values);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    assert.equal(data, Buffer.from(bytes).toString('base64'));
    assert.equal(toBase64(bytes), data, 'the plain-ECMAScript encoder agrees with Buffer');
    assert.equal(float32Count(data), values.length);
    const back = decodeFloat32(data)!;
    assert.deepEqual(bits(back), bits(values));
  }
});

test('a view into a larger buffer encodes only its own values', () => {
  const all = Float32Array.from([1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(decodeFloat32(encodeFloat32(all.subarray(1, 3)))!), [2, 3]);
});

test('decodeFloat32 refuses what is not base64 of whole float32s', () => {
  const ok = encodeFloat32(Float32Array.from([1, 2]));
  for (const bad of [ok.slice(1), `${ok.slice(0, -4)}!!!!`, Buffer.from([1, 2, 3]).toString('base64'), 'AAA=', 'é'])
    assert.equal(decodeFloat32(bad), undefined, bad);
});
