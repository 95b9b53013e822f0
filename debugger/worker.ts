// Entry point of the engine worker thread (dist/worker.js): the only place training runs.

import { parentPort } from 'node:worker_threads';
import type { HostToWorker, WorkerToHost } from './protocol';
import { TrainingRun } from './trainingRun';

if (!parentPort) throw new Error('worker.js must run in a worker thread');
const port = parentPort;
const post = (msg: WorkerToHost) => {
  const transfer =
    msg.kind === 'stopped' ? msg.tensors.flatMap((t) => (t.values ? [t.values.buffer as ArrayBuffer] : [])) : [];
  port.postMessage(msg, transfer);
};
let run: TrainingRun | null = null;

port.on('message', (msg: HostToWorker) => {
  if (msg.kind === 'start') run = new TrainingRun(post);
  if (!run) {
    post({ kind: 'error', message: `'${msg.kind}' before 'start'`, line: 0, step: null, layerName: null });
    return;
  }
  run.handle(msg);
});
