// wasmHeap.ts: growing a kernel module's memory renews the float view and forgets the old views.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heapView, reserveHeap, type WasmHeap } from './wasmHeap';

function heap(pages: number, maximum: number): WasmHeap {
  const memory = new WebAssembly.Memory({ initial: pages, maximum });
  return { memory, heap: new Float32Array(memory.buffer), views: new Map() };
}

test('reserveHeap grows the memory only when needed, and views are made once per memory', () => {
  const k = heap(1, 4);
  assert.equal(reserveHeap(k, 16384), true);
  assert.equal(k.memory.buffer.byteLength, 65536, 'one page holds 16,384 floats: no growth');
  const v = heapView(k, 8, 4);
  assert.equal(heapView(k, 8, 4), v, 'the same view again');
  v[0] = 3;
  assert.equal(reserveHeap(k, 16385), true);
  assert.equal(k.memory.buffer.byteLength, 2 * 65536);
  assert.equal(k.heap.length, 2 * 16384, 'the float view covers the grown memory');
  const w = heapView(k, 8, 4);
  assert.notEqual(w, v, 'a view of the old buffer is not handed out after growth');
  assert.equal(w.buffer, k.memory.buffer);
  assert.equal(w[0], 3, 'growing keeps the contents');
});

test('reserveHeap says false when the memory cannot grow that far', () => {
  const k = heap(1, 2);
  assert.equal(reserveHeap(k, 3 * 16384), false);
  assert.equal(k.heap.length, 16384);
});
