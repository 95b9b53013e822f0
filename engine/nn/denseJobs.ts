// The jobs the main thread gives the dense helper thread (denseThreads.ts starts it; denseHelper.ts is its program
// and the control block): posting a job, claiming and computing its chunks here while the helper claims its own,
// waiting for the helper's last chunk, and the dense kernels with each product cut into such a job.

import type { MessagePort, Worker } from 'node:worker_threads';
import type { SimdKernels } from './denseSimd';
import type { StatsFunctions } from './gradStatsSimd';
import type { SgdInPlace } from './sgdSimd';
import {
  ARGS,
  AWAKE,
  CHUNKS,
  claim,
  CLAIM,
  claimed,
  claimWord,
  DW,
  DW0,
  DX,
  FAILED,
  FINISHED,
  FWD,
  KIND,
  MAX_CHUNKS,
  runChunk,
  SEQ,
  SPIN,
  STATS,
  STEP,
  TAG_MASK,
  TOTAL,
  WAITING,
  type SgdArrays,
} from './denseHelper';

/** The running helper thread as the main thread sees it. */
export interface Helper {
  readonly worker: Worker;
  readonly control: Int32Array;
  /** SGD's lr and wd, in the control block. */
  readonly f: Float64Array;
  /** Where SGD's arrays are sent (the helper reads them as it needs them). */
  readonly port: MessagePort;
  /** The main thread's kernels over the shared memory, with each product split (see `split`). */
  readonly kernels: SimdKernels;
  seq: number;
  /** SGD's arrays as last sent (null: none yet). */
  set: SgdArrays | null;
  /** sgdSimd.ts's kernel over the kernels' memory on this thread (null: none, and none in the helper either). */
  readonly sgd: SgdInPlace | null;
  /** The statistics kernels of the STATS job being run (gradStatsSimd.ts passes this thread's own). */
  stats: StatsFunctions | null;
  /** Whether the helper has an instance of the statistics kernel (else it takes no STATS chunk). */
  readonly hasStats: boolean;
}

let splits = 0;
let helperFirst = false;

/**
 * Products and updates posted to the helper since the process started (for tests: proof that the split path ran);
 * not the statistics, which denseThreads.ts counts apart (their halves go only to a helper awake: a count that
 * depends on timing).
 */
export function jobCount(): number {
  return splits;
}

/** See denseThreads.ts's setHelperTakesFirst. */
export function setHelperFirst(on: boolean): void {
  helperFirst = on;
}

/**
 * Runs one product of `total` rows or columns (a multiple of 4) in chunks on both threads; `args` are the kernel's
 * arguments for the whole product (runChunk narrows them to a chunk). Returns once every chunk is computed.
 */
export function run(h: Helper, kernels: SimdKernels, kind: number, total: number, args: readonly number[]): void {
  complete(h, kernels, post(h, kind, total, args));
}

/**
 * Posts a job's chunks to both threads (see run), cut at multiples of `unit` rows, columns or elements; returns
 * their number, for `complete`.
 */
export function post(h: Helper, kind: number, total: number, args: readonly number[], unit = 4): number {
  const c = h.control,
    step = unit * Math.ceil(total / unit / MAX_CHUNKS),
    chunks = Math.ceil(total / step),
    tag = ++h.seq & TAG_MASK;
  if (kind !== STATS) splits++;
  c[KIND] = kind;
  c[CHUNKS] = chunks;
  c[STEP] = step;
  c[TOTAL] = total;
  for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
  Atomics.store(c, FINISHED, 0);
  Atomics.store(c, CLAIM, claimWord(tag, chunks, 0));
  Atomics.store(c, SEQ, h.seq);
  // Only a helper asleep needs the notify (V8 takes its futex lock for it, under load a wait of its own): one that
  // stored AWAKE = 0 after this load sees SEQ changed in its Atomics.wait and does not sleep.
  if (Atomics.load(c, AWAKE) === 0) Atomics.notify(c, SEQ);
  return chunks;
}

/** Claims and computes the posted product's chunks left, then waits until the helper's are done too. */
export function complete(h: Helper, kernels: SimdKernels, chunks: number): void {
  const c = h.control,
    tag = h.seq & TAG_MASK;
  if (helperFirst) awaitHelperClaim(c, tag);
  for (let i = claim(c, tag); i >= 0; i = claim(c, tag)) {
    runChunk(kernels, c, i, h.set, h.f, h.sgd, h.stats);
    Atomics.add(c, FINISHED, 1);
  }
  let spins = 0;
  for (let d = Atomics.load(c, FINISHED); d !== chunks; d = Atomics.load(c, FINISHED))
    if (++spins > SPIN) {
      // The helper notifies only while WAITING is set (see post for why the order makes that safe).
      Atomics.store(c, WAITING, 1);
      Atomics.wait(c, FINISHED, d, 100);
      Atomics.store(c, WAITING, 0);
    }
  if (c[FAILED]) throw new Error('the dense helper thread failed a product');
}

/**
 * setHelperTakesFirst's wait: until a chunk of job `tag` is claimed (by the helper: this thread has claimed none).
 * A helper that claims nothing for 10 s is broken: the waiting is then off, and the tests' counts tell.
 */
function awaitHelperClaim(c: Int32Array, tag: number): void {
  const end = Date.now() + 10000;
  let spins = 0;
  for (let v = Atomics.load(c, CLAIM); claimed(v, tag) === 0; v = Atomics.load(c, CLAIM)) {
    if (Date.now() > end) {
      helperFirst = false;
      return;
    }
    // The helper does not notify a claim: after the spin, look again every millisecond.
    if (++spins > SPIN) Atomics.wait(c, CLAIM, v, 1);
  }
}

/**
 * The kernels over the shared memory, each product cut at multiples of 4 rows or columns (the padding unit, a
 * multiple of every block) into chunks that either thread computes: z and dx by sample rows, dW by columns.
 */
export function split(k: SimdKernels, control: Int32Array, current: () => Helper | null): SimdKernels {
  const me = (): Helper => {
    const helper = current();
    if (!helper || helper.control !== control) throw new Error('the dense helper thread is gone');
    return helper;
  };
  let pending = 0; // chunks of a product begun and not joined
  return {
    memory: k.memory,
    get heap() {
      return k.heap;
    },
    set heap(v) {
      k.heap = v;
    },
    views: k.views,
    scratch: k.scratch,
    fwd(z, x, w, b, B, C, OC) {
      if (B < 8) k.fwd(z, x, w, b, B, C, OC);
      else run(me(), k, FWD, B, [z, x, w, b, B, C, OC]);
    },
    dw(g, dz, x, B, C, OC, cols) {
      if (cols < 8) k.dw(g, dz, x, B, C, OC, cols);
      else run(me(), k, DW, cols, [g, dz, x, B, C, OC, cols]);
    },
    dw0(g, dz, x, B, C, OC, cols) {
      if (cols < 8) k.dw0(g, dz, x, B, C, OC, cols);
      else run(me(), k, DW0, cols, [g, dz, x, B, C, OC, cols]);
    },
    dx(dx, dz, w, B, C, OC) {
      if (B < 8) k.dx(dx, dz, w, B, C, OC);
      else run(me(), k, DX, B, [dx, dz, w, B, C, OC]);
    },
    dwBegin(g, dz, x, B, C, OC, cols, fresh) {
      if (cols < 8) (fresh ? k.dw0 : k.dw)(g, dz, x, B, C, OC, cols);
      else pending = post(me(), fresh ? DW0 : DW, cols, [g, dz, x, B, C, OC, cols]);
    },
    dxBegin(dx, dz, w, B, C, OC) {
      if (B < 8) k.dx(dx, dz, w, B, C, OC);
      else pending = post(me(), DX, B, [dx, dz, w, B, C, OC]);
    },
    join() {
      if (!pending) return;
      const chunks = pending;
      pending = 0;
      complete(me(), k, chunks);
    },
    db: k.db, // a sum per output down the batch: too little work to share
    fwds: k.fwds, // rows of at most SMALL_ROW floats: short products
  };
}
