// Determinism without conditions: every example trains to the same parameters bit for bit whether the dense
// layers run in the WebAssembly SIMD kernels or in their JavaScript twins (a runtime without wasm SIMD, or one
// whose memory cannot grow). Before the twins, 8 of the 17 examples drifted apart within 20 steps.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../data/files';
import { parseNnet } from '../language/parser';
import { simdKernelsAvailable, useSimdKernels } from '../nn/denseSimd';
import { Trainer } from './trainer';

const dir = path.join(__dirname, '..', '..', 'examples');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.nnet'))
  .sort();
const STEPS = 20;

/** Parameters, optimizer state and losses after STEPS steps (or the whole run if shorter), with SIMD on or off. */
function train(file: string, simd: boolean): { params: Float32Array; state: Float32Array[]; losses: number[] } {
  const r = parseNnet(fs.readFileSync(path.join(dir, file), 'utf8'), { readFile: nodeReadFile(path.join(dir, file)) });
  assert.ok(r.spec, `${file} checks clean`);
  useSimdKernels(simd);
  try {
    const t = new Trainer(r.spec);
    const losses: number[] = [];
    while (t.step < STEPS) {
      const ev = t.advance();
      if (!ev) break;
      if (ev.phase === 'loss') losses.push(t.loss);
    }
    return {
      params: t.model.params.slice(),
      state: t.optimizer.saveState().buffers.map((b) => Float32Array.from(b)),
      losses,
    };
  } finally {
    useSimdKernels(true);
  }
}

const differing = (a: Float32Array, b: Float32Array) => a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0);

test('WebAssembly SIMD is there to compare against', () => assert.ok(simdKernelsAvailable()));

for (const file of files) {
  test(`${file}: ${STEPS} steps with the SIMD kernels and with their JavaScript twins end bit-identical`, () => {
    const simd = train(file, true),
      js = train(file, false);
    assert.equal(
      differing(simd.params, js.params),
      0,
      `parameters differ in ${differing(simd.params, js.params)} of ${simd.params.length} entries`,
    );
    simd.state.forEach((s, i) => assert.equal(differing(s, js.state[i]), 0, `optimizer buffer ${i} differs`));
    assert.deepEqual(js.losses, simd.losses);
  });
}
