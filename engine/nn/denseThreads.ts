// A second thread for the large dense products: a helper Worker whose instance of the SIMD kernels' module computes
// in the same shared WebAssembly memory (kernelMemory.ts's, where a trainer with threads keeps its buffers). Each
// product above PARALLEL_MIN_MACS is cut into chunks at multiples of 4 sample rows (z = x·Wᵀ, dx = δ·W) or columns
// (dW = δᵀ·x), and both threads claim chunks until none is left. Every output element is still computed by the same
// instructions in the same order as with one thread (only the loop bounds and start addresses differ, at multiples
// of the kernels' blocks), so the results are bit-identical whatever the number of threads and whichever thread
// computed which chunk; claiming (rather than a fixed half) keeps a helper that wakes late on a busy machine from
// making this thread wait.
//
// Synchronisation is a shared Int32Array: this thread writes a job and bumps SEQ, computes chunks, then waits for
// FINISHED = chunks (Atomics.wait/notify after a short spin; no message per product). A backward pass begins its dW
// (dwBegin) and copies dx's operands in while the helper, woken, takes the first chunks, then joins the claiming
// (join); likewise dx (dxBegin) while dW goes out: the helper's wake-up and those copies overlap the products. The
// helper starts lazily on the first large product of a thread user (acquireDenseThreads) and stops when the last one
// releases; until it is ready, and wherever it cannot start, the products simply run on one thread.
//
// The SGD update of a large parameter buffer is shared the same way (sgdSimd.ts asks): where params, grads and the
// applied step lie in SharedArrayBuffers (Model's and createOptimizer's `shared`), the helper, sent the three arrays
// once (a MessagePort it reads synchronously), claims chunks of elements and runs optimizers.ts's loop over them.
// Each element's arithmetic is that loop's, whoever runs it, so the parameters are the same bits. Where the three
// lie in the kernels' memory instead (a trainer's own), both threads run sgdSimd.ts's kernel over chunks of pairs
// of floats in place (an instance of its module in each), nothing sent: the same bits as that kernel on one thread.

import os from 'node:os';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { setParallelKernels, type SimdKernels } from './denseSimd';
import { inKernelMemory, kernelMemory } from './kernelMemory';
import { simdModule } from './denseSimdModule';
import { isShared } from './tensor';
import { type SgdInPlace, sgdInPlaceKernel, setParallelSgd } from './sgdSimd';
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
  F64_AT,
  FAILED,
  FINISHED,
  FWD,
  HELPED,
  HELPER_SOURCE,
  KIND,
  MAX_CHUNKS,
  READY,
  runChunk,
  SEQ,
  SET,
  SGD,
  SGD_IN_PLACE,
  SPIN,
  SPINS,
  STEP,
  STOPPED,
  TAG_MASK,
  TOTAL,
  type SgdArrays,
} from './denseHelper';

export { CLAIM_SLOTS, claimChunk, claimWord } from './denseHelper';

/**
 * Products of fewer multiply-adds than this stay on one thread. First measured on the 2-core benchmark machine busy
 * with other work (the helper's wake-up often slow): split products of 0.3–1M multiply-adds ran 0.6–0.85× as fast
 * as on one thread, 4–6M 0.8–1.2×, 134M (an N5 layer) 1.24–1.5×, and N3 (first layer 6.4M) trained at 0.64–0.81×
 * with its first layer split; so the bound was 2^24. Since backward passes overlap their copies with the helper's
 * chunks (dwBegin/dxBegin) and the step's other work got cheaper, N3 with its first layer split (2^22) trained at
 * 55.6–60.4k samples/s against 53.7–55.0k unsplit (4 interleaved runs each, load ~1.3), with its 0.5M second layer
 * split too (2^19) at 56.2–61.5k: no clear gain for more than twice the hand-overs per step, which a busy machine
 * makes dear (at load 3–3.3, N3 split from 2^19 ran 0.74–1.06× as fast as unsplit, 4 interleaved pairs).
 */
export const PARALLEL_MIN_MACS = 1 << 22;

/**
 * Products from this many multiply-adds up to PARALLEL_MIN_MACS are split too, but only while the helper is awake
 * (spinning for the next job after one, not asleep in Atomics.wait), so that they cost no wake-up: N3's second layer
 * (0.5M multiply-adds), whose products follow its first layer's split ones within microseconds. Whether it was awake
 * changes no result, only who computes.
 */
export const PARALLEL_AWAKE_MIN_MACS = 1 << 18;

/**
 * SGD updates of fewer parameters than this stay on one thread: below it sgdSimd.ts's single-threaded kernel runs,
 * which a JavaScript loop on two threads does not beat (N3's 109k parameters); above it that loop ran on one.
 */
export const PARALLEL_MIN_SGD = (1 << 19) + 1;

/**
 * Updates in the kernels' memory of fewer parameters than this stay on one thread, in sgdSimd.ts's kernel; above it
 * both threads run that kernel over runs of the buffer.
 */
export const PARALLEL_MIN_SGD_IN_PLACE = 1 << 16;

interface Helper {
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
}

let users = 0;
let helper: Helper | null = null;
/** Why there is no helper (set once: a runtime that cannot share memory will not learn to). */
let unavailable: string | null = null;
let running = 0;
let minMacs = PARALLEL_MIN_MACS;
let minSgd = PARALLEL_MIN_SGD;
let minSgdInPlace = PARALLEL_MIN_SGD_IN_PLACE;
let splits = 0;
let sgdSplits = 0;
let helperFirst = false;
let helperSpin = SPIN;
let log: ((message: string) => void) | null = null;

/** Where the helper's start, stop and failure to start are told (the debugger's log); null: nowhere. */
export function onDenseThreadsLog(listener: ((message: string) => void) | null): void {
  log = listener;
}

/**
 * The number of threads a trainer uses by default: the environment variable NNET_THREADS when set (1 forces one
 * thread; the CLI, the bench and the extension's worker all read it), else 2 where the machine offers two or more
 * cores (the helper starts only on the first product of at least PARALLEL_MIN_MACS), else 1.
 */
export function defaultDenseThreads(): number {
  const forced = Number(process.env.NNET_THREADS);
  if (Number.isInteger(forced) && forced >= 1) return forced;
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

/** SGD updates split with the helper since the process started (for tests: proof that the split path ran). */
export function sgdSplitCount(): number {
  return sgdSplits;
}

/** Chunks the current helper thread has computed (for tests: proof that it took part), 0 without one. */
export function denseHelperChunks(): number {
  return helper ? Atomics.load(helper.control, HELPED) : 0;
}

/**
 * For tests: while on, this thread claims no chunk of a job before the helper has claimed one (waiting up to 10 s),
 * so that the helper provably computes part of every split product and update however busy the machine is (else a
 * helper woken late may find every chunk taken). The results are the same bits either way; only who computes which
 * chunk changes.
 */
export function setHelperTakesFirst(on: boolean): void {
  helperFirst = on;
}

/** For tests: true while the helper thread is running and not asleep (see PARALLEL_AWAKE_MIN_MACS). */
export function denseHelperAwake(): boolean {
  return helper !== null && Atomics.load(helper.control, AWAKE) === 1;
}

/**
 * For tests: the helper spins this many rounds for the next job before it sleeps (0: sleeps at once; a large
 * number: stays awake); undefined restores SPIN. Applies to the running helper and to one started later.
 */
export function setHelperSpin(rounds: number | undefined): void {
  helperSpin = rounds ?? SPIN;
  if (helper) Atomics.store(helper.control, SPINS, helperSpin);
}

/** For tests: splits products from `macs` multiply-adds on (0: all that can be split); undefined restores it. */
export function setParallelThreshold(macs: number | undefined): void {
  minMacs = macs ?? PARALLEL_MIN_MACS;
}

/**
 * For tests: splits SGD updates from `params` parameters on, in the kernels' memory or not; undefined restores
 * PARALLEL_MIN_SGD and PARALLEL_MIN_SGD_IN_PLACE.
 */
export function setParallelSgdThreshold(params: number | undefined): void {
  minSgd = params ?? PARALLEL_MIN_SGD;
  minSgdInPlace = params ?? PARALLEL_MIN_SGD_IN_PLACE;
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
  if (users === 0) return null;
  if (macs < minMacs && !(macs >= PARALLEL_AWAKE_MIN_MACS && helper && Atomics.load(helper.control, AWAKE) === 1))
    return null;
  const h = helper ?? startHelper();
  return h && Atomics.load(h.control, READY) === 1 ? h.kernels : null;
});

setParallelSgd((params, grads, last, lr, wd) => {
  const h = helper,
    n = params.length;
  if (users === 0 || !h || Atomics.load(h.control, READY) !== 1) return false;
  if (inKernelMemory(params) && inKernelMemory(grads) && inKernelMemory(last)) {
    if (n < minSgdInPlace || !h.sgd) return false;
    h.f[0] = lr;
    h.f[1] = wd;
    sgdSplits++;
    // In pairs of floats, as the kernel counts (an odd length's partner lies in its block's padding: see sgdSimd).
    run(h, h.kernels, SGD_IN_PLACE, (n + 1) >> 1, [params.byteOffset, grads.byteOffset, last.byteOffset]);
    return true;
  }
  if (n < minSgd || !isShared(params) || !isShared(grads) || !isShared(last)) return false;
  if (h.set?.p !== params || h.set.g !== grads || h.set.l !== last) {
    h.set = { id: (h.set?.id ?? 0) + 1, p: params, g: grads, l: last };
    h.port.postMessage(h.set); // before the job: the helper finds them queued
  }
  h.control[SET] = h.set.id;
  h.f[0] = lr;
  h.f[1] = wd;
  sgdSplits++;
  run(h, h.kernels, SGD, n, []);
  return true;
});

function startHelper(): Helper | null {
  if (unavailable) return null;
  try {
    // The kernels' one shared memory, where a trainer with threads keeps its buffers (kernelMemory.ts).
    const km = kernelMemory();
    if (!km) throw new Error('no shared WebAssembly memory');
    const { memory, module, kernels: mine } = km;
    const shared = new SharedArrayBuffer(F64_AT + 16),
      control = new Int32Array(shared),
      f = new Float64Array(shared, F64_AT, 2);
    control[SPINS] = helperSpin;
    const { port1: port, port2 } = new MessageChannel();
    // No inherited execArgv: the helper is plain JavaScript and needs no loader (tsx, under the tests).
    const sgd = sgdInPlaceKernel();
    const workerData = { module, sgdModule: sgd?.module, memory, control: shared, port: port2 };
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData, execArgv: [], transferList: [port2] });
    worker.unref(); // a trainer never disposed must not keep the process alive
    port.unref();
    running++;
    worker.once('exit', () => running--);
    worker.once('error', (e) => log?.(`dense helper thread failed: ${e.message}`));
    const h: Helper = {
      worker,
      control,
      f,
      port,
      kernels: split(mine, control),
      seq: 0,
      set: null,
      sgd: sgd?.sgd ?? null,
    };
    helper = h;
    log?.('dense products of 2^22 multiply-adds or more: shared with a helper thread');
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
  Atomics.store(h.control, STOPPED, 1);
  Atomics.store(h.control, SEQ, ++h.seq);
  Atomics.notify(h.control, SEQ);
  // A helper still starting has not read SEQ yet; terminating it is as good as telling it.
  void h.worker.terminate();
  h.port.close();
}

/**
 * Runs one product of `total` rows or columns (a multiple of 4) in chunks on both threads; `args` are the kernel's
 * arguments for the whole product (runChunk narrows them to a chunk). Returns once every chunk is computed.
 */
function run(h: Helper, kernels: SimdKernels, kind: number, total: number, args: readonly number[]): void {
  complete(h, kernels, post(h, kind, total, args));
}

/** Posts a product's chunks to both threads (see run); returns their number, for `complete`. */
function post(h: Helper, kind: number, total: number, args: readonly number[]): number {
  const c = h.control,
    step = 4 * Math.ceil(total / 4 / MAX_CHUNKS),
    chunks = Math.ceil(total / step),
    tag = ++h.seq & TAG_MASK;
  splits++;
  c[KIND] = kind;
  c[CHUNKS] = chunks;
  c[STEP] = step;
  c[TOTAL] = total;
  for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
  Atomics.store(c, FINISHED, 0);
  Atomics.store(c, CLAIM, claimWord(tag, chunks, 0));
  Atomics.store(c, SEQ, h.seq);
  Atomics.notify(c, SEQ);
  return chunks;
}

/** Claims and computes the posted product's chunks left, then waits until the helper's are done too. */
function complete(h: Helper, kernels: SimdKernels, chunks: number): void {
  const c = h.control,
    tag = h.seq & TAG_MASK;
  if (helperFirst) awaitHelperClaim(c, tag);
  for (let i = claim(c, tag); i >= 0; i = claim(c, tag)) {
    runChunk(kernels, c, i, h.set, h.f, h.sgd);
    Atomics.add(c, FINISHED, 1);
  }
  let spins = 0;
  for (let d = Atomics.load(c, FINISHED); d !== chunks; d = Atomics.load(c, FINISHED))
    if (++spins > SPIN) Atomics.wait(c, FINISHED, d, 100);
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
function split(k: SimdKernels, control: Int32Array): SimdKernels {
  const me = (): Helper => {
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
