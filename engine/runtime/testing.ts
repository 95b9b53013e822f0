// Test helpers for the runtime: a stop's whole truth as one hash, to compare an event reached back with it reached
// forward.

import { createHash } from 'node:crypto';
import { tensorsAt } from './snapshot';
import type { Trainer, TrainerEvent } from './trainer';

/** What a stop shows (the event's tensors) and everything that decides the future, as one hash. */
export function stopDigest(t: Trainer, ev: TrainerEvent | null): string {
  const h = createHash('sha256');
  const bytes = (a: ArrayBufferView) => h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  for (const x of ev ? tensorsAt(t, ev.phase, ev.layer) : []) {
    h.update(x.path);
    bytes(x.values);
  }
  const s = t.saveState();
  for (const a of [s.params, t.model.grads, s.trainRows, s.meanAbsGrad, s.maxAbsGrad, s.gradNorm]) bytes(a);
  for (const a of s.optimizer.buffers) bytes(a);
  for (const c of s.carried) for (const a of c ?? []) bytes(a);
  const { params, grads, trainRows, optimizer, carried, meanAbsGrad, maxAbsGrad, gradNorm, ...scalars } = s;
  void [params, grads, trainRows, optimizer, carried, meanAbsGrad, maxAbsGrad, gradNorm];
  h.update(JSON.stringify([scalars, ev, t.yBatch.subarray(0, t.batchSize * t.outputs)]));
  return h.digest('hex');
}
