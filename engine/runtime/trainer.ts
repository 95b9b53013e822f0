// The resumable training stepper: advances one event at a time (forward i, loss, backward i, clip, update) so a
// debugger can stop between any two events, and reports everything it needs. Knows nothing of VS Code or DAP.

import type { NetworkSpec } from '../language/spec';
import { clipByGlobalNorm, type ClipRecord } from '../nn/clip';
import { lossBackward, lossForward } from '../nn/losses';
import { Model } from '../nn/model';
import { createOptimizer, type Optimizer } from '../nn/optimizers';
import { Prng } from '../nn/prng';

/** The kinds of events in one training step, in order. */
export type Phase = 'forward' | 'loss' | 'backward' | 'clip' | 'update';

/** An event that has just completed. */
export interface TrainerEvent {
  readonly phase: Phase;
  /** Layer index for forward/backward, else -1. */
  readonly layer: number;
  /** Optimizer step this event belongs to (0-based). */
  readonly step: number;
  readonly epoch: number;
}

/** Mean and max |∂L/∂W| of one layer. */
export interface GradStats {
  readonly meanAbsGrad: number;
  readonly maxAbsGrad: number;
}

/** Training stopped by a non-finite number; names where it first appeared. */
export class NonFiniteError extends Error {
  constructor(message: string, readonly step: number, readonly layer: number) {
    super(message);
  }
}

/** Trains a checked network spec, one event at a time. Same spec → bit-identical run. */
export class Trainer {
  readonly model: Model;
  readonly optimizer: Optimizer;
  readonly eventsPerStep: number;
  readonly batchesPerEpoch: number;
  /** Targets of the current batch, [B, outputs]. */
  readonly yBatch: Float32Array;
  /** Rows of the current epoch in shuffled order. */
  private readonly order: Int32Array;
  private readonly rng: Prng;
  private readonly xAll: Float32Array;
  private readonly yAll: Float32Array;
  private pos = 0;
  private batchInEpoch = 0;
  private epochLossSum = 0;
  /** Completed optimizer steps. */
  step = 0;
  epoch = 0;
  /** Samples in the current batch. */
  batchSize = 0;
  /** Loss of the current batch (NaN before the loss event). */
  loss = NaN;
  /** Clip record of the latest step. */
  clip: ClipRecord = { normBefore: NaN, normAfter: NaN, coefficient: 1 };
  /** Mean loss of each completed epoch. */
  readonly epochLosses: number[] = [];
  /** Mean |∂L/∂W| per layer of the latest step, measured before clipping, [L]. */
  readonly meanAbsGrad: Float64Array;
  /** Max |∂L/∂W| per layer of the latest step, measured before clipping, [L]. */
  readonly maxAbsGrad: Float64Array;

  constructor(readonly spec: NetworkSpec) {
    const n = spec.data.x.length;
    const outputs = spec.layers[spec.layers.length - 1].units;
    this.model = new Model(spec.inputSize, spec.layers, spec.train.batch);
    this.rng = new Prng(spec.train.seed);
    this.model.initialize(this.rng);
    this.optimizer = createOptimizer(spec.train.optimizer, this.model.params.length);
    this.eventsPerStep = 2 * spec.layers.length + 3;
    this.batchesPerEpoch = Math.ceil(n / spec.train.batch);
    this.xAll = Float32Array.from(spec.data.x.flat());
    this.yAll = Float32Array.from(spec.data.y.flat());
    this.yBatch = new Float32Array(spec.train.batch * outputs);
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.meanAbsGrad = new Float64Array(spec.layers.length);
    this.maxAbsGrad = new Float64Array(spec.layers.length);
    this.rng.shuffle(this.order);
  }

  /** True when every epoch has been trained. */
  get finished(): boolean {
    return this.epoch >= this.spec.train.epochs;
  }

  /** The event that `advance()` will perform next (null when finished). */
  peek(): TrainerEvent | null {
    return this.finished ? null : this.eventAt(this.pos);
  }

  /** Performs the next event and returns it; returns null when training is finished. Throws NonFiniteError. */
  advance(): TrainerEvent | null {
    if (this.finished) return null;
    const L = this.model.layers.length;
    const ev = this.eventAt(this.pos);
    switch (ev.phase) {
      case 'forward':
        if (ev.layer === 0) this.loadBatch();
        this.model.forwardLayer(ev.layer, this.batchSize);
        break;
      case 'loss': this.computeLoss(); break;
      case 'backward': this.model.backwardLayer(ev.layer, this.batchSize); break;
      case 'clip': this.clipGradients(); break;
      case 'update': this.update(); break;
    }
    this.pos = this.pos + 1 === 2 * L + 3 ? 0 : this.pos + 1;
    return ev;
  }

  /** Mean and max |∂L/∂W| of each layer in the latest completed backward pass, before clipping (zeros before any). */
  gradStats(): GradStats[] {
    return this.model.layers.map((_, i) => ({ meanAbsGrad: this.meanAbsGrad[i], maxAbsGrad: this.maxAbsGrad[i] }));
  }

  /** Records per-layer gradient statistics; one pass over the gradients, cheap next to the backward pass. */
  private measureGradients(): void {
    const g = this.model.grads;
    this.model.layers.forEach((l, k) => {
      let sum = 0, max = 0;
      const end = l.wOff + l.units * l.fanIn;
      for (let i = l.wOff; i < end; i++) { const a = Math.abs(g[i]); sum += a; if (a > max) max = a; }
      this.meanAbsGrad[k] = sum / (end - l.wOff);
      this.maxAbsGrad[k] = max;
    });
  }

  private eventAt(pos: number): TrainerEvent {
    const L = this.model.layers.length;
    const base = { step: this.step, epoch: this.epoch };
    if (pos < L) return { phase: 'forward', layer: pos, ...base };
    if (pos === L) return { phase: 'loss', layer: -1, ...base };
    if (pos <= 2 * L) return { phase: 'backward', layer: 2 * L - pos, ...base };
    return { phase: pos === 2 * L + 1 ? 'clip' : 'update', layer: -1, ...base };
  }

  private loadBatch(): void {
    const { batch } = this.spec.train;
    const n = this.order.length, C = this.spec.inputSize, K = this.yBatch.length / batch;
    const start = this.batchInEpoch * batch;
    const B = Math.min(batch, n - start);
    const x = this.model.acts[0];
    for (let r = 0; r < B; r++) {
      const row = this.order[start + r];
      x.set(this.xAll.subarray(row * C, row * C + C), r * C);
      this.yBatch.set(this.yAll.subarray(row * K, row * K + K), r * K);
    }
    this.batchSize = B;
    this.loss = NaN;
    this.model.grads.fill(0);
  }

  private computeLoss(): void {
    const L = this.model.layers.length, out = this.model.acts[L], n = this.batchSize * this.model.layers[L - 1].units;
    this.loss = lossForward(this.spec.loss, out, this.yBatch, n);
    if (!Number.isFinite(this.loss)) {
      const bad = this.model.layers.findIndex((_, i) => !allFinite(this.model.acts[i + 1], this.batchSize * this.model.layers[i].units));
      const where = bad >= 0 ? ` (first non-finite activations in layer '${this.model.layers[bad].spec.name}')` : '';
      throw new NonFiniteError(`loss is ${this.loss} at step ${this.step + 1}, epoch ${this.epoch + 1}${where}`, this.step, bad >= 0 ? bad : L - 1);
    }
    lossBackward(this.spec.loss, this.model.dActs[L - 1], out, this.yBatch, n);
  }

  private clipGradients(): void {
    this.measureGradients();
    this.clip = clipByGlobalNorm(this.model.grads, this.spec.train.clipNorm ?? Infinity);
    if (!Number.isFinite(this.clip.normBefore)) {
      const bad = this.model.layers.findIndex((l) => !allFinite(this.model.grads.subarray(l.wOff, l.bOff + l.units), l.units * (l.fanIn + 1)));
      const name = this.model.layers[Math.max(bad, 0)].spec.name;
      throw new NonFiniteError(`gradient norm is ${this.clip.normBefore} at step ${this.step + 1}, epoch ${this.epoch + 1}: layer '${name}' has non-finite gradients`, this.step, Math.max(bad, 0));
    }
  }

  private update(): void {
    this.optimizer.step(this.model.params, this.model.grads);
    this.epochLossSum += this.loss * this.batchSize;
    this.step++;
    this.batchInEpoch++;
    if (this.batchInEpoch === this.batchesPerEpoch) {
      this.epochLosses.push(this.epochLossSum / this.order.length);
      this.epochLossSum = 0;
      this.batchInEpoch = 0;
      this.epoch++;
      this.rng.shuffle(this.order);
    }
  }
}

function allFinite(a: Float32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
