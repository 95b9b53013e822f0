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
// The gradient statistics of several tensors (gradStatsSimd.ts's runAll) are shared a whole tensor per chunk, or,
// for a tensor far larger than the others, half of its lanes per chunk. The jobs themselves (posting, claiming,
// waiting, the split kernels) are denseJobs.ts's.

import os from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import { setParallelKernels } from './denseSimd';
import { inKernelMemory, kernelMemory } from './kernelMemory';
import { simdModule } from './denseSimdModule';
import { isShared } from './tensor';
import { sgdInPlaceKernel, setParallelSgd } from './sgdSimd';
import {
  AWAKE,
  CONTROL_BYTES,
  F64_AT,
  HELPED,
  HELPER_SOURCE,
  JOB_WORDS,
  JOBS,
  MAX_CHUNKS,
  READY,
  SEQ,
  SET,
  SGD,
  SGD_IN_PLACE,
  SPIN,
  SPINS,
  STATS,
  STOPPED,
} from './denseHelper';
import { complete, type Helper, jobCount, post, run, setHelperFirst, split } from './denseJobs';
import { gradStatsModule, setParallelStats } from './gradStatsSimd';

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

/**
 * The gradient statistics of a step's large layers (gradStatsSimd.ts's runAll) are shared whole tensor by whole
 * tensor when the tensors besides the largest hold this many floats or more: N5's (1M and 10k besides 1M, on one
 * thread ~0.4 ms each, right after the last dW product, the helper awake); not N3's (8.8k besides 100k).
 */
export const PARALLEL_MIN_STATS = 1 << 16;

/**
 * Else, when the largest tensor holds this many floats or more and the helper is awake, it is shared by lanes (each
 * thread reads half of every block of eight, see gradStatsSimd.ts) and the others go whole: N3's W0 (100k floats;
 * on one thread ~46–51 µs, each half ~26–29 µs, right after the W0 product, the helper awake).
 */
export const PARALLEL_MIN_STATS_HALVES = 1 << 16;

let users = 0;
let helper: Helper | null = null;
/** Why there is no helper (set once: a runtime that cannot share memory will not learn to). */
let unavailable: string | null = null;
let running = 0;
let minMacs = PARALLEL_MIN_MACS;
let minSgd = PARALLEL_MIN_SGD;
let minSgdInPlace = PARALLEL_MIN_SGD_IN_PLACE;
let minStats = PARALLEL_MIN_STATS;
let minStatsHalves = PARALLEL_MIN_STATS_HALVES;
let statsSplits = 0;
let statsHalves = 0;
let sgdSplits = 0;
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
  return jobCount();
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
  setHelperFirst(on);
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

/** Statistics shared with the helper since the process started (for tests: proof that the split path ran). */
export function statsSplitCount(): number {
  return statsSplits;
}

/** Statistics of a tensor shared by halves of its lanes since the process started (for tests, as statsSplitCount). */
export function statsByHalvesCount(): number {
  return statsHalves;
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
 * For tests: shares the statistics of tensors besides the largest from `floats` on, and else the largest by lanes
 * from `halves` floats on; undefined restores PARALLEL_MIN_STATS and PARALLEL_MIN_STATS_HALVES.
 */
export function setParallelStatsThreshold(floats: number | undefined, halves?: number): void {
  minStats = floats ?? PARALLEL_MIN_STATS;
  minStatsHalves = halves ?? PARALLEL_MIN_STATS_HALVES;
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

setParallelStats((jobs, count, fns, spare) => {
  const h = helper;
  if (users === 0 || !h || !h.hasStats || count > MAX_CHUNKS || Atomics.load(h.control, READY) !== 1) return -1;
  let floats = 0,
    largest = 0,
    at = 0;
  for (let j = 0; j < count; j++) {
    const n = (jobs[3 * j + 1] - jobs[3 * j]) / 4;
    floats += n;
    if (n > largest) {
      largest = n;
      at = j;
    }
  }
  // Whole tensors when the others weigh enough beside the largest (N5); else the largest by halves of its lanes (N3),
  // only while the helper is awake (as PARALLEL_AWAKE_MIN_MACS's products): a half is worth less than a wake-up.
  const halves = floats - largest < minStats ? at : -1;
  if (halves >= 0 && (largest < minStatsHalves || count === MAX_CHUNKS || Atomics.load(h.control, AWAKE) !== 1))
    return -1;
  const c = h.control;
  let chunks = 0;
  // (No allocation: this runs every step.)
  const chunk = (g: number, end: number, out: number, half: number) => {
    const i = JOBS + JOB_WORDS * chunks++;
    c[i] = g;
    c[i + 1] = end;
    c[i + 2] = out;
    c[i + 3] = half;
  };
  if (halves >= 0) {
    // First, so that both threads begin with them; lanes 4–7 are the same addresses 16 bytes on.
    const g = jobs[3 * halves],
      end = jobs[3 * halves + 1];
    chunk(g, end, jobs[3 * halves + 2], 1);
    chunk(g + 16, end + 16, spare, 1);
  }
  for (let j = 0; j < count; j++) if (j !== halves) chunk(jobs[3 * j], jobs[3 * j + 1], jobs[3 * j + 2], 0);
  h.stats = fns;
  statsSplits++;
  if (halves >= 0) statsHalves++;
  try {
    complete(h, h.kernels, post(h, STATS, chunks, [], 1)); // a chunk per tensor or half
  } finally {
    h.stats = null;
  }
  return halves >= 0 ? halves : count;
});

function startHelper(): Helper | null {
  if (unavailable) return null;
  try {
    // The kernels' one shared memory, where a trainer with threads keeps its buffers (kernelMemory.ts).
    const km = kernelMemory();
    if (!km) throw new Error('no shared WebAssembly memory');
    const { memory, module, kernels: mine } = km;
    const shared = new SharedArrayBuffer(CONTROL_BYTES),
      control = new Int32Array(shared),
      f = new Float64Array(shared, F64_AT, 2);
    control[SPINS] = helperSpin;
    const { port1: port, port2 } = new MessageChannel();
    // No inherited execArgv: the helper is plain JavaScript and needs no loader (tsx, under the tests).
    const sgd = sgdInPlaceKernel();
    const statsModule = gradStatsModule();
    const workerData = { module, sgdModule: sgd?.module, statsModule, memory, control: shared, port: port2 };
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
      kernels: split(mine, control, () => helper),
      seq: 0,
      set: null,
      sgd: sgd?.sgd ?? null,
      stats: null,
      hasStats: !!statsModule,
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
