// The largest and smallest entry of each dense layer's z and a at each past step, recorded at step starts from the
// buffers the step just left, in a typed-array ring beside the history's step record: with them a breakpoint
// condition that reads those tensors only through max(), min() or any() is decided for a past step without
// replaying it (Reverse Continue's search; debugger/summaryScope.ts). Each value is exactly what the expression
// language's max and min give on the tensor (engine/expr/kernels.ts): NaN when any entry is NaN, ±0 as the first zero.

import { mathExtremesSimd } from '../nn/summarySimd';
import type { Trainer } from './trainer';

/** Slots the record starts with; it doubles, up to MAX_STEPS, while the history spans more steps. */
const FIRST_STEPS = 256;
/** Most steps recorded, as the loss record (stepRecord.ts): older steps in a longer history are replayed. */
const MAX_STEPS = 1 << 16;
/** Most bytes the extremes may take (a wide network records fewer steps rather than more memory). */
const MAX_BYTES = 4 << 20;
/**
 * Least flops of a step (≈ 6·P·B) per entry scanned (B·Σ 2·width) for the record to be kept: N3 (~1,600) and N5
 * (~3,000) keep it; N1 (~10), N2 (~30) and N4 (~300) do not. With summarySimd.ts's kernel reading the tensors in
 * place by f32x4.pmax/pmin, the scan costs ~1 % of N3's step in a run (20–30 µs; warm and alone ~6 µs) and ~0.5 % of
 * N5's (~0.35 ms); by f32x4.max/min over copies it cost ~2 % and ~1–1.5 %, in JavaScript alone ~12 % and ~7 %.
 */
const FLOPS_PER_ENTRY = 1000;

/** Below this many entries the loop below is as fast as the kernel's call and copy. */
const SIMD_MIN_ENTRIES = 256;
/** The kernel's max and min. */
const pair = new Float64Array(2);

/** Which tensor a slot of a step's extremes is: node i's z at 2i, its a at 2i + 1. */
export type ExtremesTensor = 'z' | 'a';

/**
 * max(d[0…n)) and min(d[0…n)) as kernels.max and kernels.min give them, into out[o] and out[o + 1]: NaN for both
 * when an entry is NaN (or n is 0), else the extreme entries, where an extreme of zero is the first zero of the
 * buffer with its sign (the one-accumulator loop keeps it). One pass of Math.max/Math.min, which propagate NaN (in
 * WebAssembly SIMD over the whole blocks of a float32 buffer of SIMD_MIN_ENTRIES or more, ~30× faster: its zero
 * extremes are of either sign, and take the first zero's here as the loop's do).
 */
export function extremesInto(d: ArrayLike<number>, n: number, out: Float32Array, o: number): void {
  // The whole blocks of eight by summarySimd.ts's kernel where it runs (NaN as Math's; a zero extreme's sign below).
  const whole = d instanceof Float32Array && n >= SIMD_MIN_ENTRIES && mathExtremesSimd(d, n & ~7, pair) ? n & ~7 : 0;
  let a0 = whole ? pair[0] : -Infinity,
    a1 = -Infinity,
    b0 = whole ? pair[1] : Infinity,
    b1 = Infinity,
    i = whole;
  for (const e = n - (n & 1); i < e; i += 2) {
    const v = d[i],
      w = d[i + 1];
    a0 = Math.max(a0, v);
    b0 = Math.min(b0, v);
    a1 = Math.max(a1, w);
    b1 = Math.min(b1, w);
  }
  if (i < n) {
    a0 = Math.max(a0, d[i]);
    b0 = Math.min(b0, d[i]);
  }
  let max = Math.max(a0, a1),
    min = Math.min(b0, b1);
  if (n === 0 || max !== max) max = min = NaN;
  else if (max === 0 || min === 0) {
    // Math.max prefers +0 and Math.min −0; the kernels keep the first zero, whatever its sign.
    let z = 0;
    while (d[z] !== 0) z++;
    if (max === 0) max = d[z];
    if (min === 0) min = d[z];
  }
  out[o] = max;
  out[o + 1] = min;
}

/**
 * A ring of the extremes of each node's z and a at recent steps of one trainer, indexed by step. Kept only for steps
 * of one micro-batch of dense layers (each of those buffers is written by its node's forward event only, so what
 * the step leaves is what every later event of the step reads) whose step is long next to the scan (FLOPS_PER_ENTRY).
 */
export class StepExtremes {
  /** Least flops of a step per entry scanned for the record to be kept (FLOPS_PER_ENTRY; tests lower it). */
  static flopsPerEntry = FLOPS_PER_ENTRY;
  /** The step whose extremes each slot holds (-1: none). */
  private steps = new Float64Array(0);
  /** Per slot, `stride` floats: node i's max z, min z, max a, min a at 4i … 4i + 3. */
  private values = new Float32Array(0);
  private mask = 0;
  private readonly stride: number;
  private readonly maxSteps: number;
  /** True when this trainer's steps are recorded. */
  readonly enabled: boolean;

  constructor(private readonly trainer: Trainer) {
    const t = trainer,
      nodes = t.model.nodes,
      B = Math.max(1, t.spec.train.batch);
    const entries = 2 * B * nodes.reduce((s, n) => s + n.outWidth, 0);
    this.enabled =
      t.spec.train.accumulate === 1 &&
      nodes.every((n) => n.kind === 'dense') &&
      t.model.acts[1] instanceof Float32Array && // (a float64 network's extremes would not fit a float32)
      6 * t.model.params.length * B >= StepExtremes.flopsPerEntry * entries;
    this.stride = 4 * nodes.length;
    let most = MAX_STEPS;
    while (most > FIRST_STEPS && most * (8 + 4 * this.stride) > MAX_BYTES) most >>= 1;
    this.maxSteps = most;
    this.resize(this.enabled ? FIRST_STEPS : 0);
  }

  /**
   * Call at a step start while training: records the extremes of the step just ended when the buffers still hold all
   * of it (Trainer.holdsStepBefore; not after a restore that has not replayed it).
   */
  note(): void {
    const t = this.trainer;
    if (!this.enabled || t.step < 1 || !t.holdsStepBefore) return;
    this.write(t.step - 1);
  }

  /**
   * Records the extremes of the step the trainer is in when its forward pass is done and the buffers hold it: call
   * when a search starts, so the step it starts in can be decided too.
   */
  noteCurrent(): void {
    const t = this.trainer;
    if (!this.enabled || t.stepPosition < t.model.nodes.length || !t.buffersCurrent) return;
    this.write(t.step);
  }

  /** Grows the ring, as StepRecord.reach, to hold the steps from `oldest` to the trainer's and `ahead` more. */
  reach(oldest: number, ahead: number): void {
    const size = this.steps.length;
    if (this.enabled && this.trainer.step + ahead - oldest >= size && size < this.maxSteps) this.resize(2 * size);
  }

  /**
   * The offset in `data` of step `step`'s extremes of node `node`'s `which` (max at it, min just after), or −1 when
   * that step is not recorded.
   */
  offset(step: number, node: number, which: ExtremesTensor): number {
    if (!this.enabled || step < 0) return -1;
    const k = step & this.mask;
    return this.steps[k] === step ? k * this.stride + 4 * node + (which === 'z' ? 0 : 2) : -1;
  }

  /** The recorded values (see offset). */
  get data(): Float32Array {
    return this.values;
  }

  /** Forgets the extremes of step `step` and later (an edit in `step` rewrites them). */
  forgetFrom(step: number): void {
    const n = this.steps.length;
    for (let k = 0; k < n; k++) if (this.steps[k] >= step) this.steps[k] = -1;
  }

  /** Memory the record holds now, in bytes (at most MAX_BYTES). */
  get bytes(): number {
    return this.steps.byteLength + this.values.byteLength;
  }

  private write(step: number): void {
    const t = this.trainer,
      m = t.model,
      B = t.batchSize,
      k = step & this.mask,
      v = this.values;
    this.steps[k] = step;
    let o = k * this.stride;
    for (let i = 0; i < m.nodes.length; i++, o += 4) {
      const n = B * m.nodes[i].outWidth;
      extremesInto(m.zs[i], n, v, o);
      extremesInto(m.acts[i + 1], n, v, o + 2);
    }
  }

  private resize(size: number): void {
    const steps = this.steps,
      values = this.values,
      s = this.stride;
    this.steps = new Float64Array(size).fill(-1);
    this.values = new Float32Array(size * s);
    const mask = (this.mask = Math.max(0, size - 1));
    for (let j = 0; j < steps.length; j++) {
      const step = steps[j];
      if (step < 0) continue;
      this.steps[step & mask] = step;
      this.values.set(values.subarray(j * s, j * s + s), (step & mask) * s);
    }
  }
}
