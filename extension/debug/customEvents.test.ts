// The DAP JSON boundary: what the adapter encodes reads back through the extension's decoders with every number
// (NaN, ±∞, -0) and every float32 bit of a tensor intact.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GradCheckReport, Progress } from '../../debugger/protocol';
import { decodeFloat32 } from '../../wire/float32';
import type { LayerDetail } from '../../wire/types';
import type { Finding } from '../../engine/doctor/types';
import {
  decodeEnded,
  decodeGradCheckReport,
  decodeLayerDetail,
  decodeProgress,
  decodeStopped,
  encodeDap,
  encodeLayerDetail,
} from './customEvents';

/** What DAP does to a body on the way. */
const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

test('nnet.progress: the progress reads back as the worker sent it', () => {
  const progress: Progress = {
    epoch: 0,
    epochs: 10,
    step: 3,
    loss: NaN,
    batchLoss: Infinity,
    stepsPerSecond: 12.5,
    gradNormBeforeClip: -0,
    gradNormAfterClip: -Infinity,
    clipNorm: null,
    layers: [
      { name: 'h1', meanAbsGrad: 0.5, maxAbsGrad: NaN, updateRatio: Infinity },
      { name: 'out', meanAbsGrad: 1, maxAbsGrad: 2 },
    ],
    newLossPoints: [
      { epoch: 1, loss: NaN },
      { epoch: 2, loss: 0.25, valLoss: -0 },
    ],
  };
  const back = decodeProgress(json(encodeDap({ progress, paused: null })).progress);
  assert.deepEqual(back, progress); // deepEqual treats NaN as NaN and tells -0 from 0
  assert.ok(Object.is(back.gradNormBeforeClip, -0) && Object.is(back.newLossPoints[1].valLoss, -0));
  assert.equal(back.ranks, undefined, 'a one-process run has no per-rank norms');
});

test("nnet.progress: a .nnet run's per-step points and step count read back, NaN and Infinity included", () => {
  const progress: Progress = {
    epoch: 2,
    epochs: 10,
    step: 40,
    loss: 0.5,
    stepsPerSecond: 3,
    gradNormBeforeClip: 1.5,
    gradNormAfterClip: 1,
    clipNorm: 1,
    layers: [],
    newLossPoints: [],
    stepLoss: [
      { step: 39, loss: NaN },
      { step: 40, loss: 0.25 },
    ],
    stepNorms: [
      { step: 39, before: Infinity, after: 1 },
      { step: 40, before: 1.5, after: 1 },
    ],
    stepCount: { steps: 2, clipped: 2 },
  };
  const back = decodeProgress(json(encodeDap({ progress, paused: null })).progress);
  assert.deepEqual(back, progress);
});

test('nnet.progress: per-rank gradient norms of a distributed run read back, NaN included', () => {
  const progress: Progress = {
    epoch: 0,
    epochs: 1,
    step: 7,
    loss: 0.5,
    stepsPerSecond: 3,
    gradNormBeforeClip: 1.5,
    gradNormAfterClip: 1.5,
    layers: [],
    newLossPoints: [],
    ranks: [
      { rank: 0, gradNorm: 1.25 },
      { rank: 1, gradNorm: NaN },
    ],
  };
  const back = decodeProgress(json(encodeDap({ progress, paused: null })).progress);
  assert.deepEqual(back.ranks, progress.ranks);
});

test('nnet.stopped: a layer without weights keeps null, a non-finite norm comes back', () => {
  const node = { kind: 'dense', line: 3, output: '…', outputPending: null, gradPending: null, paths: [], pending: {} };
  const location = { phase: 'backward', layer: 0, layerName: 'h1', line: 3, step: 0, epoch: 0 } as const;
  const body = {
    network: [
      { ...node, name: 'h1', gradNorm: Infinity },
      { ...node, name: 'drop', gradNorm: null },
    ],
    location,
  };
  const back = decodeStopped(json(encodeDap(body)));
  assert.deepEqual(
    back.network.map((n) => n.gradNorm),
    [Infinity, null],
  );
  assert.deepEqual(back.location, location);
});

test('nnet.layerDetail: numbers restored, tensors exact as base64', () => {
  const W = Float32Array.from([NaN, Infinity, -Infinity, -0, 1e-42, 3]);
  const d: LayerDetail = {
    layer: 'h1',
    title: 'h1 · dense 2→3 tanh',
    where: 'backward h1 · step 1 · epoch 1',
    tensors: [{ name: 'W', path: 'h1.W', shape: [2, 3], values: W }],
    scalars: [
      { name: 'loss', value: -Infinity },
      { name: 'grad norm before clip', value: NaN, pending: 'clip' },
    ],
    clip: { normBefore: Infinity, normAfter: 1, coefficient: -0, threshold: null, layerNorm: NaN, share: 0.5 },
    optimizer: { kind: 'adam', lr: 1e-3, t: 0, tensors: [{ name: 'm̂', path: 'h1.W.m_hat', shape: [2, 3], values: W }] },
    decomposition: {
      upstreamFrom: 'the loss',
      upstreamNorm: Infinity,
      activation: 'tanh',
      phiPrimeMean: -0,
      phiPrimeMax: NaN,
      deltaNorm: 1,
    },
    history: { first: 1, last: 1, step: 1, live: true },
  };
  const back = decodeLayerDetail(json(encodeLayerDetail(d)));
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer));
  assert.deepEqual(bits(decodeFloat32(back.tensors[0].data)!), bits(W));
  assert.deepEqual(bits(decodeFloat32(back.optimizer!.tensors[0].data)!), bits(W));
  const { tensors: _t, optimizer: _o, ...numbers } = back;
  const { tensors: _t2, optimizer: _o2, ...expected } = d;
  assert.deepEqual(numbers, expected);
  assert.deepEqual({ ...back.optimizer, tensors: [] }, { ...d.optimizer, tensors: [] });
});

test('nnet.checkGradients: the NaN error of a non-finite gradient and ∞ values come back, not null', () => {
  const report: GradCheckReport = {
    layer: 'h1',
    name: 'h1',
    line: 4,
    step: 3,
    tolerance: 1e-6,
    ok: false,
    text: 'h1 · step 3 …',
    tensors: [
      {
        label: 'W.grad',
        path: 'h1.W.grad',
        maxRelError: NaN,
        maxAbsError: Infinity,
        worst: 2,
        analytic: -Infinity,
        numeric: -0,
        checked: 6,
        skipped: 0,
        total: 6,
        ok: false,
      },
    ],
  };
  const back = decodeGradCheckReport(json(encodeDap(report)));
  assert.deepEqual(back, report);
  assert.ok(Object.is(back.tensors[0].numeric, -0));
});

test("nnet.ended: the doctor's findings come back, a nan finding's measured NaN included", () => {
  const finding: Finding = {
    rule: 'nan',
    severity: 'warning',
    layer: 'h1',
    node: 0,
    line: 4,
    column: 2,
    firstStep: 2,
    lastStep: 2,
    count: 1,
    evidence: { measured: NaN, threshold: 0, steps: [2] },
    message: 'non-finite value: +Inf first in z of h1',
    fixes: [{ title: 'Add clip norm 1.0', edits: [{ line: 12, col: 14, endCol: 14, newText: '\n  clip norm 1.0' }] }],
  };
  const wire = JSON.parse(
    JSON.stringify(encodeDap({ summary: '', error: 'loss is NaN', line: 5, findings: [finding] })),
  );
  const back = decodeEnded(wire);
  assert.deepEqual(back, { summary: '', error: 'loss is NaN', line: 5, findings: [finding] });
  assert.ok(Number.isNaN(back.findings![0].evidence.measured));
  assert.deepEqual(decodeEnded(JSON.parse(JSON.stringify(encodeDap({ summary: 's', error: null, line: 0 })))), {
    summary: 's',
    error: null,
    line: 0,
  });
});
