// The dense helper thread's program (denseThreads.ts starts it) and the control block both threads share: its slots,
// the claiming of chunks, and the code that runs a chunk, the same text on both threads.

import type { SimdKernels } from './denseSimd';
import type { StatsFunctions } from './gradStatsSimd';
import type { SgdInPlace } from './sgdSimd';

/**
 * The control block's slots. A job is a product cut into chunks at multiples of 4 rows or columns (or an SGD update
 * cut into runs of elements); either thread claims the next chunk (CLAIM: the job's tag, its number of chunks and
 * the next chunk, one word: see claimWord), so a helper that wakes late (a busy machine) takes fewer chunks instead
 * of making the main thread wait for a fixed half.
 */
export const SEQ = 0, // the latest job
  CLAIM = 1,
  FINISHED = 2, // chunks of the latest job computed
  READY = 3, // 0 starting, 1 ready
  STOPPED = 4,
  FAILED = 5, // a chunk threw in the helper (never expected: the same chunk would throw here)
  KIND = 6,
  CHUNKS = 7,
  STEP = 8, // rows or columns per chunk
  TOTAL = 9, // rows or columns of the product
  HELPED = 10, // chunks the helper has computed since it started
  SET = 11, // SGD: the id of its arrays (see Helper.set)
  ARGS = 12, // the kernel's 7 arguments
  AWAKE = ARGS + 7, // 1 while the helper is not asleep in Atomics.wait (a hint: it may fall asleep the next moment)
  SPINS = AWAKE + 1, // how long the helper spins for the next job before it sleeps (SPIN; tests change it)
  WAITING = SPINS + 1; // 1 while the main thread may be asleep in Atomics.wait for FINISHED
/** Byte offset of SGD's lr and wd (two float64) in the control block, after the slots. */
export const F64_AT = 8 * Math.ceil(((WAITING + 1) * 4) / 8);
/** The kinds of job (KIND). */
export const FWD = 1,
  DW = 2,
  DX = 3,
  SGD = 4,
  DW0 = 5, // dw0: dW of a fresh backward pass (see denseSimd.ts)
  SGD_IN_PLACE = 6, // sgdSimd.ts's kernel over the kernels' memory, chunks of pairs of floats
  STATS = 7; // gradStatsSimd.ts's kernel, a chunk per tensor or half a tensor's lanes (at JOBS, JOB_WORDS each)
/** Chunks per product: enough to balance two threads, few enough that a chunk costs little more than its share. */
export const MAX_CHUNKS = 8;
/**
 * Int32 index of the statistics' jobs (STATS, MAX_CHUNKS), after lr and wd: per chunk the kernel's three byte
 * addresses (g, end, out) and 1 for its `half` function (lanes 0–3 of each block from g on), 0 for `stats`.
 */
export const JOBS = (F64_AT + 16) / 4,
  JOB_WORDS = 4;
/** Bytes of the control block. */
export const CONTROL_BYTES = 4 * (JOBS + JOB_WORDS * MAX_CHUNKS);
/** Jobs are told apart by the low TAG_BITS of their sequence number (CLAIM's high bits). */
export const TAG_BITS = 23,
  TAG_MASK = (1 << TAG_BITS) - 1;
/**
 * The claim word of a job: its tag, its number of chunks (≤ MAX_CHUNKS < 16) and the next chunk to claim. The count
 * travels with the tag: a helper that wakes late, still holding an earlier job's tag, must compare that job's own
 * count, not CHUNKS, which this thread may already have rewritten for the next job (it read the next job's larger
 * count as the earlier one's, claimed a chunk past its end with the next job's half-written arguments, and counted
 * it as finished: parameters differed between one and two threads now and then on a busy machine).
 */
export function claimWord(tag: number, chunks: number, next: number): number {
  return ((tag & TAG_MASK) << 8) | (chunks << 4) | next;
}
/** Chunks of job `tag` claimed so far (by either thread) in claim word `word`, or -1 when it is another job's. */
export function claimed(word: number, tag: number): number {
  return word >>> 8 === (tag & TAG_MASK) ? word & 15 : -1;
}
/** Atomics.load rounds before sleeping in Atomics.wait: products of one step follow each other within microseconds. */
export const SPIN = 20000;

// Claiming and running a chunk: the same code on both threads (here as source for the helper, below for this one).
const CHUNK_SOURCE = `
function claim(c, tag) {
  for (;;) {
    const v = Atomics.load(c, ${CLAIM});
    if (v >>> 8 !== tag || (v & 15) >= ((v >>> 4) & 15)) return -1;
    if (Atomics.compareExchange(c, ${CLAIM}, v, v + 1) === v) return v & 15;
  }
}
function runChunk(k, c, i, s, f, w, st) {
  const step = c[${STEP}], u = i * step, n = Math.min(step, c[${TOTAL}] - u), a = ${ARGS};
  const kind = c[${KIND}];
  if (kind === ${STATS}) {
    const j = ${JOBS} + ${JOB_WORDS} * i;
    (c[j + 3] ? st.half : st.stats)(c[j], c[j + 1], c[j + 2]);
  }
  else if (kind === ${SGD}) sgd(s.p, s.g, s.l, u, u + n, f[0], f[1]);
  else if (kind === ${SGD_IN_PLACE}) w(c[a] + u * 8, c[a + 1] + u * 8, c[a + 2] + u * 8, n, f[0], f[1]);
  else if (kind === ${FWD}) k.fwd(c[a] + u * c[a + 6] * 4, c[a + 1] + u * c[a + 5] * 4, c[a + 2], c[a + 3], n, c[a + 5], c[a + 6]);
  else if (kind === ${DW} || kind === ${DW0})
    (kind === ${DW} ? k.dw : k.dw0)(c[a] + u * 4, c[a + 1], c[a + 2] + u * 4, c[a + 3], c[a + 4], c[a + 5], n);
  else k.dx(c[a] + u * c[a + 4] * 4, c[a + 1] + u * c[a + 5] * 4, c[a + 2], n, c[a + 4], c[a + 5]);
}
// optimizers.ts's float32 SGD loop, element for element, over [from, to).
function sgd(params, grads, last, from, to, lr, wd) {
  for (let i = from; i < to; i++) {
    const p = params[i], q = Math.fround(p - lr * (grads[i] + wd * p));
    params[i] = q;
    last[i] = q - p;
  }
}
`;

/** The helper's whole program (a string, so that the bundles need no second file). */
export const HELPER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { module, sgdModule, statsModule, memory, control, port } = workerData;
const c = new Int32Array(control), f = new Float64Array(control, ${F64_AT}, 2);
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const w = sgdModule ? new WebAssembly.Instance(sgdModule, { env: { memory } }).exports.sgd : null;
const st = statsModule ? new WebAssembly.Instance(statsModule, { env: { memory } }).exports : null;
${CHUNK_SOURCE}
let set = null; // SGD's arrays, as last sent
// The arrays of the SGD job with id SET: sent before the job was posted, so normally already queued on the port.
function arrays() {
  for (let spins = 0; !set || set.id !== c[${SET}]; ) {
    const m = receiveMessageOnPort(port);
    if (m) set = m.message;
    else if (++spins > ${SPIN}) return false;
  }
  return true;
}
Atomics.store(c, ${AWAKE}, 1);
Atomics.store(c, ${READY}, 1);
Atomics.notify(c, ${READY});
let seen = 0; // not SEQ: a job may have been posted the moment READY was set
while (!Atomics.load(c, ${STOPPED})) {
  let s = 0, spins = 0;
  while ((s = Atomics.load(c, ${SEQ})) === seen)
    if (++spins > c[${SPINS}]) {
      Atomics.store(c, ${AWAKE}, 0);
      Atomics.wait(c, ${SEQ}, seen);
      Atomics.store(c, ${AWAKE}, 1);
    }
  seen = s;
  // Arrays this thread cannot reach: it claims nothing, and this job's chunks are all the other thread's.
  const kind = c[${KIND}];
  if ((kind === ${SGD} && !arrays()) || (kind === ${SGD_IN_PLACE} && !w) || (kind === ${STATS} && !st)) continue;
  for (let i = claim(c, s & ${TAG_MASK}); i >= 0; i = claim(c, s & ${TAG_MASK})) {
    const n = c[${CHUNKS}];
    try {
      runChunk(k, c, i, set, f, w, st);
    } catch {
      c[${FAILED}] = 1;
    }
    Atomics.add(c, ${HELPED}, 1);
    // The main thread spins for FINISHED before it sleeps: a notify only when it may sleep (it sets WAITING first).
    if (Atomics.add(c, ${FINISHED}, 1) + 1 === n && Atomics.load(c, ${WAITING})) Atomics.notify(c, ${FINISHED});
  }
}
`;

/** The main thread's copy of CHUNK_SOURCE: claiming a chunk and running it. */
export const { claim, runChunk } = new Function(`${CHUNK_SOURCE}; return { claim, runChunk };`)() as {
  claim: (c: Int32Array, tag: number) => number;
  runChunk: (
    k: SimdKernels,
    c: Int32Array,
    i: number,
    s: SgdArrays | null,
    f: Float64Array,
    w: SgdInPlace | null,
    st: StatsFunctions | null,
  ) => void;
};

/** The arrays of SGD jobs as sent to the helper: params, grads and the applied step, all shared. */
export interface SgdArrays {
  readonly id: number;
  readonly p: Float32Array;
  readonly g: Float32Array;
  readonly l: Float32Array;
}

/** For tests: the control block's layout as far as claiming goes, and a claim as either thread makes it. */
export const CLAIM_SLOTS = { claim: CLAIM, chunks: CHUNKS, length: ARGS + 7 } as const;
export const claimChunk = (control: Int32Array, tag: number): number => claim(control, tag);
