// Reverse Continue where no breakpoint can stop, or none can at the steps it passes over: it lands where the full
// search over the history would have, with the same stop (event, step, notice, tensors, values), without replaying
// what it need not.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Trainer } from '../engine/runtime/trainer';
import type { BreakpointSpec, HostToWorker, WorkerToHost } from './protocol';
import { seen as see } from './searchTesting';
import { drivenRun } from './testing';

const xorSource = fs.readFileSync(path.join(__dirname, '..', 'examples', 'xor.nnet'), 'utf8');

/** A debug session on xor stopped at the output layer's forward pass of step `at` (1-based). */
async function stoppedAt(at: number, historyBytes: number) {
  const { r, send } = drivenRun();
  const far = await send({
    kind: 'start',
    fileName: 'xor.nnet',
    source: xorSource,
    debug: true,
    stopOnEntry: false,
    breakpoints: [{ id: 1, nodes: [1], phases: ['forward'], condition: `step >= ${at}` }],
    exceptionFilters: [],
    historyBytes,
  });
  assert.ok(far.kind === 'stopped' && far.location.step === at - 1, JSON.stringify(far).slice(0, 200));
  return { r, send };
}

/** What a client sees of a stop and of some values there. */
const seen = (stop: WorkerToHost, send: (msg: HostToWorker) => Promise<WorkerToHost>) =>
  see(stop, send, ['step', 'loss', 'h1.W', 'out.b', 'h1.a']);

/**
 * Reverse Continue with these breakpoints set; what the client sees where it lands, and the events it replayed.
 * `byRecord` false forces the search to replay every step event by event (no step decided from its recorded
 * scalars, none taken whole).
 */
async function reverseWith(at: number, historyBytes: number, breakpoints: BreakpointSpec[], byRecord = true) {
  const { r, send } = await stoppedAt(at, historyBytes);
  r.searchByRecord = r.searchWhole = byRecord;
  r.handle({ kind: 'setBreakpoints', breakpoints });
  const advance = Trainer.prototype.advance;
  let replayed = 0;
  Trainer.prototype.advance = function (this: Trainer, ...args: Parameters<Trainer['advance']>) {
    replayed++;
    return advance.apply(this, args);
  };
  let landed: WorkerToHost;
  try {
    landed = await send({ kind: 'reverseContinue' });
  } finally {
    Trainer.prototype.advance = advance;
  }
  const view = await seen(landed, send);
  r.handle({ kind: 'stop' });
  return { view, replayed };
}

// Breakpoints a search must evaluate at every event of the history (they read what changes within a step), none of
// which ever stops there.
const neverStop: [string, BreakpointSpec[]][] = [
  ['a condition on the phase and step', [{ id: 2, nodes: [0, 1], condition: 'phase == "none" || step < 0' }]],
  ['a condition on the loss', [{ id: 2, nodes: [1], condition: 'loss < -1' }]],
];
// Breakpoints that cannot stop during a search at all, or that it can tell false for every step without replaying.
const cannotStop: [string, BreakpointSpec[]][] = [
  ['no breakpoint', []],
  ['a condition false at every step', [{ id: 2, nodes: [0, 1], condition: 'step < 0' }]],
  ['a logpoint', [{ id: 3, nodes: [0, 1], logMessage: 'loss {loss}' }]],
  ['a breakpoint on the loss event only', [{ id: 4, nodes: [1], phases: [] }]],
];

test('Reverse Continue that no breakpoint can stop on the way lands on the start of training as the full search does, replaying nothing', async () => {
  const at = 300,
    historyBytes = 1 << 20; // keeps every step: where it lands does not depend on how the history spaced its checkpoints
  const searches = [];
  for (const [what, bps] of neverStop) {
    const s = await reverseWith(at, historyBytes, bps, false);
    assert.ok(s.replayed > 1000, `${what}: the search replays the history (${s.replayed} events)`);
    searches.push(s.view);
    // Decided from the steps' recorded scalars instead (the conditions read nothing else): the same stop.
    const byRecord = await reverseWith(at, historyBytes, bps);
    assert.deepEqual(byRecord.view, s.view, `${what}: decided from the record, the same stop`);
    assert.ok(byRecord.replayed < 100, `${what}: decided from the record, replays little (${byRecord.replayed})`);
  }
  const full = searches[0];
  assert.deepEqual(searches[1], full, 'both searches land alike');
  assert.deepEqual(
    [full.reason, full.notice],
    ['entry', 'No earlier breakpoint hit: rewound to the start of training'],
  );
  for (const [what, bps] of cannotStop) {
    const s = await reverseWith(at, historyBytes, bps);
    assert.equal(s.replayed, 0, `${what}: replays nothing`);
    assert.deepEqual(s.view, full, `${what}: the same stop as the search's`);
  }
});

test('Reverse Continue to a breakpoint on the step passes over the steps it cannot stop in, landing where a full search does', async () => {
  // The same breakpoint twice: decided once per step from `step` alone, and reading `phase` too, which only the
  // events can decide (so that search replays every event back to the hit).
  const byStep = await reverseWith(300, 1 << 20, [{ id: 5, nodes: [0, 1], condition: 'step == 150' }]);
  const byEvent = await reverseWith(
    300,
    1 << 20,
    [{ id: 5, nodes: [0, 1], condition: 'phase != "none" && step == 150' }],
    false,
  );
  assert.deepEqual(byStep.view, byEvent.view);
  assert.deepEqual(
    [byStep.view.reason, byStep.view.location.step, byStep.view.location.phase, byStep.view.location.layerName],
    ['breakpoint', 149, 'backward', 'h1'],
  );
  assert.ok(
    byStep.replayed < byEvent.replayed / 2,
    `the steps after 150 are not replayed: ${byStep.replayed} events against ${byEvent.replayed}`,
  );
});
