// Runs for the Gradient Flow view's tests: the host's messages of a finished run and loss points, as data.

import type { HostToWebview } from '../../webview/gradientFlow/protocol';

export const LAYERS = ['h1', 'h2', 'out'];
export const GRADS = [
  { name: 'h1', meanAbsGrad: 0.0021, maxAbsGrad: 0.034 },
  { name: 'h2', meanAbsGrad: 0.012, maxAbsGrad: 0.11 },
  { name: 'out', meanAbsGrad: 0.093, maxAbsGrad: 0.41 },
];
export function lossPoints(from: number, to: number): { epoch: number; loss: number }[] {
  const out = [];
  for (let e = from; e < to; e++)
    out.push({ epoch: e, loss: 0.69 * Math.exp(-e / 60) + 0.02 + 0.01 * Math.sin(e / 3) });
  return out;
}

/**
 * What the host posts for a Train run of one step per epoch, as TrainingDisplay does: reset and state, then per
 * progress update (every 7 steps here, the first at step 1) the bars, the new epoch losses, one per-step loss and
 * one norm sample (clipped above 1 early on) and the state; the last update is the finished run's.
 */
export function finishedRun(steps: number): HostToWebview[] {
  const out: HostToWebview[] = [
    { kind: 'reset', title: 'xor.nnet', layerNames: ['h1', 'out'] },
    { kind: 'state', state: 'training', text: 'Training xor.nnet…' },
  ];
  let sent = 0;
  for (let step = 1; step <= steps; step = step === steps ? steps + 1 : Math.min(steps, step + 7)) {
    const g = 0.1 / (1 + step / 100);
    out.push({
      kind: 'gradFlow',
      step,
      layers: [
        { name: 'h1', meanAbsGrad: g / 10, maxAbsGrad: g, updateRatio: g / 50 },
        { name: 'out', meanAbsGrad: g, maxAbsGrad: 2 * g, updateRatio: g / 20 },
      ],
    });
    out.push({
      kind: 'loss',
      points: Array.from({ length: step - sent }, (_, k) => ({
        epoch: sent + k + 1,
        loss: 0.7 / (1 + (sent + k) / 50),
      })),
    });
    sent = step;
    out.push({ kind: 'stepLoss', points: [{ step, loss: 0.7 / (1 + step / 50) }] });
    out.push({
      kind: 'gradNorm',
      clipNorm: 1,
      points: [{ step, before: 3 / (1 + step / 1000), after: Math.min(1, 3 / (1 + step / 1000)) }],
    });
    out.push(
      step === steps
        ? { kind: 'state', state: 'finished', text: `xor.nnet: finished after ${steps} steps` }
        : { kind: 'state', state: 'training', text: `Training xor.nnet: epoch ${step}/${steps}` },
    );
  }
  return out;
}
