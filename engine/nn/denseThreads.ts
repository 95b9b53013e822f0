// A second thread for the large dense products: a helper Worker whose instance of the SIMD kernels' module computes
// in the same shared WebAssembly memory and takes a fixed part of each product above PARALLEL_MIN_MACS — the later
// sample rows of z = x·Wᵀ and dx = δ·W, the later columns of dW = δᵀ·x. Every output element is still computed by
// the same instructions in the same order as with one thread (only the loop bounds and start addresses differ, at
// multiples of the kernels' blocks), so the results are bit-identical whatever the number of threads.
//
// Synchronisation is a shared Int32Array: the main thread writes a job and bumps SEQ, computes its own part, then
// waits for DONE = SEQ (Atomics.wait/notify after a short spin; no message per product). The helper starts lazily
// on the first large product of a thread user (acquireDenseThreads) and stops when the last one releases; until it
// is ready, and wherever it cannot start, the products simply run on one thread.

import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { setParallelKernels, simdInstance, simdModule, type SimdKernels } from './dense';

/**
 * Products of fewer multiply-adds than this stay on one thread: below it, waking the helper and waiting for it
 * costs about what the half it takes saves (measured with bench/threads.ts; see the note there).
 */
export const PARALLEL_MIN_MACS = 1 << 18;

// The control block's slots.
const SEQ = 0,
  DONE = 1,
  READY = 2, // 0 starting, 1 ready, -1 failed
  KIND = 3,
  ARGS = 4, // up to 7 arguments
  FAILED = 11; // the helper's kernel threw (never expected: the main thread's own part would throw too)
const FWD = 1,
  DW = 2,
  DX = 3,
  STOP = 4;
/** Atomics.load rounds before sleeping in Atomics.wait: products of one step follow each other within microseconds. */
const SPIN = 20000;

// The helper's whole program (a string, so that the bundles need no second file).
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const c = new Int32Array(control);
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
Atomics.store(c, ${READY}, 1);
Atomics.notify(c, ${READY});
let seen = 0; // not SEQ: a job may have been posted the moment READY was set
for (;;) {
  let s = 0, spins = 0;
  while ((s = Atomics.load(c, ${SEQ})) === seen) if (++spins > ${SPIN}) Atomics.wait(c, ${SEQ}, seen);
  seen = s;
  const kind = c[${KIND}];
  if (kind === ${STOP}) break;
  const a = c.subarray(${ARGS}, ${ARGS + 7});
  try {
    if (kind === ${FWD}) k.fwd(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    else if (kind === ${DW}) k.dw(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    else k.dx(a[0], a[1], a[2], a[3], a[4], a[5]);
  } catch {
    c[${FAILED}] = 1;
  }
  Atomics.store(c, ${DONE}, s);
  Atomics.notify(c, ${DONE});
}
`;

interface Helper {
  readonly worker: Worker;
  readonly control: Int32Array;
  /** The main thread's kernels over the shared memory, with each product split (see `split`). */
  readonly kernels: SimdKernels;
  seq: number;
}

let users = 0;
let helper: Helper | null = null;
/** Why there is no helper (set once: a runtime that cannot share memory will not learn to). */
let unavailable: string | null = null;
let running = 0;
let minMacs = PARALLEL_MIN_MACS;
let splits = 0;
let log: ((message: string) => void) | null = null;

/** Where the helper's start, stop and failure to start are told (the debugger's log); null: nowhere. */
export function onDenseThreadsLog(listener: ((message: string) => void) | null): void {
  log = listener;
}

/**
 * The number of threads a trainer uses by default: 2 where the machine offers two or more and the products are
 * large enough (the helper starts only on the first product of at least PARALLEL_MIN_MACS), else 1.
 */
export function defaultDenseThreads(): number {
  return os.availableParallelism() >= 2 ? 2 : 1;
}

/**
 * Declares a user of the helper thread (a trainer with threads: 2); returns its release, which stops the helper
 * when the last user releases. Idempotent.
 */
export function acquireDenseThreads(): () => void {
  users++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0) stopHelper();
  };
}

/** Helper threads started and not yet exited (for tests: 0 after the last release, once the thread has exited). */
export function denseHelpersRunning(): number {
  return running;
}

/** Products split with the helper since the process started (for tests: proof that the split path ran). */
export function denseSplitCount(): number {
  return splits;
}

/** For tests: splits products from `macs` multiply-adds on (0: all that can be split); undefined restores it. */
export function setParallelThreshold(macs: number | undefined): void {
  minMacs = macs ?? PARALLEL_MIN_MACS;
}

/**
 * Starts the helper now (if a user wants it) and waits up to `ms` for it to be ready; true when it is. Normally it
 * starts on the first large product and the products run on one thread until it is ready; tests want it at once.
 */
export function startDenseHelper(ms: number): boolean {
  if (users === 0 || !simdAvailable()) return false;
  const h = helper ?? startHelper();
  if (!h) return false;
  if (Atomics.load(h.control, READY) === 0) Atomics.wait(h.control, READY, 0, ms);
  return Atomics.load(h.control, READY) === 1;
}

/** True when the single-threaded kernels run in WebAssembly (they are off, or missing: nothing to split). */
function simdAvailable(): boolean {
  try {
    new WebAssembly.Module(simdModule(false));
    return true;
  } catch {
    return false;
  }
}

setParallelKernels((macs) => {
  if (users === 0 || macs < minMacs) return null;
  const h = helper ?? startHelper();
  return h && Atomics.load(h.control, READY) === 1 ? h.kernels : null;
});

function startHelper(): Helper | null {
  if (unavailable) return null;
  try {
    if (typeof SharedArrayBuffer !== 'function') throw new Error('no SharedArrayBuffer');
    const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_PAGES, shared: true });
    const module = new WebAssembly.Module(simdModule(true));
    const control = new Int32Array(new SharedArrayBuffer(16 * 4));
    const mine = simdInstance(module, memory);
    // No inherited execArgv: the helper is plain JavaScript and needs no loader (tsx, under the tests).
    const workerData = { module, memory, control: control.buffer };
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData, execArgv: [] });
    worker.unref(); // a trainer never disposed must not keep the process alive
    running++;
    worker.once('exit', () => running--);
    worker.once('error', (e) => log?.(`dense helper thread failed: ${e.message}`));
    const h: Helper = { worker, control, kernels: split(mine, control), seq: 0 };
    helper = h;
    log?.('dense products above 2^18 multiply-adds: split with a helper thread');
    return h;
  } catch (e) {
    unavailable = e instanceof Error ? e.message : String(e);
    log?.(`dense products on one thread: no helper thread (${unavailable})`);
    return null;
  }
}

function stopHelper(): void {
  const h = helper;
  if (!h) return;
  helper = null;
  post(h, STOP, []);
  // A helper still starting has not read SEQ yet; terminating it is as good as telling it.
  void h.worker.terminate();
}

/** Pages (64 KiB) of the shared memory: the most the single-threaded kernels' memory may grow to (dense.ts). */
const SHARED_PAGES = 16384;

function post(h: Helper, kind: number, args: readonly number[]): void {
  const c = h.control;
  if (kind !== STOP) splits++;
  c[KIND] = kind;
  for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
  Atomics.store(c, SEQ, ++h.seq);
  Atomics.notify(c, SEQ);
}

function join(h: Helper): void {
  const c = h.control;
  let spins = 0;
  for (let d = Atomics.load(c, DONE); d !== h.seq; d = Atomics.load(c, DONE))
    if (++spins > SPIN) Atomics.wait(c, DONE, d, 100);
  if (c[FAILED]) throw new Error('the dense helper thread failed a product');
}

/**
 * The kernels over the shared memory, each product above the threshold split in two at a multiple of 4 rows or
 * columns (the padding unit, a multiple of every block): the helper takes the later part, this thread the first.
 */
function split(k: SimdKernels, control: Int32Array): SimdKernels {
  const me = (): Helper => {
    if (!helper || helper.control !== control) throw new Error('the dense helper thread is gone');
    return helper;
  };
  return {
    memory: k.memory,
    get heap() {
      return k.heap;
    },
    set heap(v) {
      k.heap = v;
    },
    heapViews: k.heapViews,
    fwd(z, x, w, b, B, C, OC) {
      if (B < 8) return k.fwd(z, x, w, b, B, C, OC);
      const h = me(),
        rows = (B >> 3) << 2;
      post(h, FWD, [z + rows * OC * 4, x + rows * C * 4, w, b, B - rows, C, OC]);
      k.fwd(z, x, w, b, rows, C, OC);
      join(h);
    },
    dw(g, dz, x, B, C, OC, cols) {
      if (cols < 8) return k.dw(g, dz, x, B, C, OC, cols);
      const h = me(),
        mine = (cols >> 3) << 2;
      post(h, DW, [g + mine * 4, dz, x + mine * 4, B, C, OC, cols - mine]);
      k.dw(g, dz, x, B, C, OC, mine);
      join(h);
    },
    dx(dx, dz, w, B, C, OC) {
      if (B < 8) return k.dx(dx, dz, w, B, C, OC);
      const h = me(),
        rows = (B >> 3) << 2;
      post(h, DX, [dx + rows * C * 4, dz + rows * OC * 4, w, B - rows, C, OC]);
      k.dx(dx, dz, w, rows, C, OC);
      join(h);
    },
  };
}
