// A stop carries large tensors as their summary line only: each one's path, asked for by Variables on expand, gives
// back the tensor whose summary that is, at every kind of stop (entry, forward, backward, clip, update, sub-steps).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeTensor } from '../engine/nn/tensor';
import { wideNetworkSource } from '../test/fixtures';
import { STOP_VALUES_MAX, type HostToWorker, type WorkerToHost } from './protocol';
import { TrainingRun } from './trainingRun';

type Stopped = Extract<WorkerToHost, { kind: 'stopped' }>;
type Reply = Extract<WorkerToHost, { kind: 'reply' }>;

/** A network whose hidden weight matrix (260×260) is above STOP_VALUES_MAX and whose other tensors are below it. */
const source = wideNetworkSource(260, ['epochs 3', 'batch 4', 'optimizer momentum lr=0.01 momentum=0.9', 'seed 1']);

/** A debug run stopped on entry, driven one message at a time. */
class Driven {
  private readonly waiting: ((m: WorkerToHost) => void)[] = [];
  private nextId = 1;
  readonly run = new TrainingRun((m) => {
    if (m.kind === 'stopped' || m.kind === 'reply' || m.kind === 'error' || m.kind === 'finished')
      this.waiting.shift()?.(m);
  });

  private next(send: HostToWorker): Promise<WorkerToHost> {
    const p = new Promise<WorkerToHost>((resolve) => this.waiting.push(resolve));
    this.run.handle(send);
    return p;
  }

  async start(): Promise<Stopped> {
    const m = await this.next({
      kind: 'start',
      fileName: 'big.nnet',
      source,
      debug: true,
      stopOnEntry: true,
      breakpoints: [],
      exceptionFilters: [],
      historyBytes: 1 << 24,
    });
    assert.equal(m.kind, 'stopped', JSON.stringify(m).slice(0, 300));
    return m as Stopped;
  }

  async step(step: 'over' | 'into' | 'back'): Promise<Stopped> {
    const m = await this.next({ kind: 'step', step });
    assert.equal(m.kind, 'stopped', JSON.stringify(m).slice(0, 300));
    return m as Stopped;
  }

  async tensor(path: string): Promise<Reply> {
    const m = await this.next({ kind: 'tensor', id: this.nextId++, path });
    assert.equal(m.kind, 'reply');
    return m as Reply;
  }
}

/** Checks every tensor of `stop`: small ones carry their values, large ones a summary their path gives back. */
async function checkStop(d: Driven, stop: Stopped): Promise<number> {
  let deferred = 0;
  for (const t of stop.tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.values) {
      assert.equal(t.values.length, count, `${t.path}: the values of its shape`);
      continue;
    }
    deferred++;
    assert.ok(count > STOP_VALUES_MAX, `${t.path} (${count} values) is sent whole below the limit`);
    const r = await d.tensor(t.path);
    assert.ok(r.ok && 'tensor' in r && r.tensor, `${t.path} evaluates to a tensor at ${stop.location.phase}`);
    assert.deepEqual(r.tensor.shape, t.shape, `${t.path}: its shape`);
    assert.equal(describeTensor(r.tensor.shape, r.tensor.values), t.summary, `${t.path}: its summary`);
  }
  return deferred;
}

test('large tensors of a stop are summaries whose paths give back the tensors, at every kind of stop', async () => {
  const d = new Driven();
  const seen = new Map<string, number>();
  const visit = async (stop: Stopped) => {
    const key = `${stop.location.phase}${stop.subStep ? ' sub-step' : ''}`;
    seen.set(key, (seen.get(key) ?? 0) + (await checkStop(d, stop)));
  };
  await visit(await d.start());
  // Step 1 event by event, and its first event again after a Step Back; then Step Into the layers' sub-steps.
  for (let i = 0; i < 6; i++) await visit(await d.step('over'));
  await visit(await d.step('back'));
  for (let i = 0; i < 12; i++) await visit(await d.step('into'));
  assert.ok((seen.get('update') ?? 0) >= 1, `the update stop defers h.W: ${[...seen]}`);
  assert.ok((seen.get('clip') ?? 0) >= 1, `the clip stop defers h.W.grad: ${[...seen]}`);
  assert.ok((seen.get('forward') ?? 0) >= 1, `a forward stop defers h.W: ${[...seen]}`);
  assert.ok((seen.get('backward') ?? 0) >= 1, `a backward stop defers h.W.grad: ${[...seen]}`);
  assert.ok(
    [...seen.keys()].some((k) => k.endsWith('sub-step')),
    `sub-steps were visited: ${[...seen.keys()]}`,
  );
});
