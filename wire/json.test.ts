import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeNumber, encodeJson, encodeNumber } from './json';

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1.5, -3e-40, Number.MAX_VALUE];

test('every number survives encodeNumber, JSON and decodeNumber', () => {
  for (const x of SPECIAL) {
    const back = decodeNumber(JSON.parse(JSON.stringify(encodeNumber(x))));
    assert.ok(Object.is(back, x), `${x} came back as ${back}`);
  }
});

test('decodeNumber refuses what encodeNumber never writes', () => {
  for (const x of ['NaN', 'inf', '1', true, {}, [], undefined]) assert.equal(decodeNumber(x), undefined, String(x));
});

test('encodeJson walks objects and arrays; a message through JSON reads back with decodeNumber', () => {
  const msg = { kind: 'x', a: [1, -0, Infinity], b: { c: -Infinity, d: NaN, e: 'Infinity', f: null } };
  const wire = JSON.parse(JSON.stringify(encodeJson(msg))) as { a: unknown[]; b: Record<string, unknown> };
  assert.deepEqual(wire, {
    kind: 'x',
    a: [1, '-0', 'Infinity'],
    b: { c: '-Infinity', d: null, e: 'Infinity', f: null },
  });
  const a = wire.a.map(decodeNumber);
  assert.ok(Object.is(a[1], -0));
  assert.equal(a[2], Infinity);
  assert.equal(decodeNumber(wire.b.c), -Infinity);
  assert.ok(Number.isNaN(decodeNumber(wire.b.d)));
});

test('encodeJson copies only what it changes', () => {
  const plain = { a: [1, 2, NaN], b: { c: 'x' } };
  assert.equal(encodeJson(plain), plain);
  const mixed = { keep: { c: 1 }, change: [Infinity] };
  const out = encodeJson(mixed);
  assert.notEqual(out, mixed);
  assert.equal(out.keep, mixed.keep);
  assert.deepEqual(mixed.change, [Infinity], 'the input is not modified');
});
