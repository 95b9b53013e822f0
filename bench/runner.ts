// What the benchmark needs from every engine: run k optimizer steps, wait for them, report the latest loss.

export interface Runner {
  /** Samples per optimizer step (the mini-batch size). */
  readonly samplesPerStep: number;
  /** Runs k optimizer steps over the data, mini-batch after mini-batch. */
  run(k: number): void;
  /** Returns once every queued computation has finished. */
  sync(): void;
  /** Loss of one more (untimed) step, to check that the engine trains what the others train. */
  loss(): number;
}

/**
 * `nnet-1t` is this engine on one thread (no helper thread for the large products, engine/nn/denseThreads.ts), the
 * single-worker engine `nnet` is compared with; `nnet-js` is this engine with its WebAssembly SIMD kernels switched
 * off (opt-in, for comparison); `pytorch` is
 * PyTorch on CPU on one thread, `pytorch-mt` on every core (bench/pytorch.ts); `openblas`/`openblas-mt` the same
 * network in C on OpenBLAS, the machine's limit (bench/openblas.ts).
 */
export type EngineId =
  | 'nnet'
  | 'nnet-1t'
  | 'nnet-js'
  | 'tfjs-cpu'
  | 'tfjs-wasm'
  | 'convnetjs'
  | 'pytorch'
  | 'pytorch-mt'
  | 'openblas'
  | 'openblas-mt';
export const ENGINE_IDS: readonly EngineId[] = [
  'nnet',
  'nnet-1t',
  'nnet-js',
  'tfjs-cpu',
  'tfjs-wasm',
  'convnetjs',
  'pytorch',
  'pytorch-mt',
  'openblas',
  'openblas-mt',
];
export const DEFAULT_ENGINE_IDS: readonly EngineId[] = [
  'nnet',
  'nnet-1t',
  'tfjs-cpu',
  'tfjs-wasm',
  'convnetjs',
  'pytorch',
  'pytorch-mt',
  'openblas',
  'openblas-mt',
];
export const PEER_IDS: readonly EngineId[] = [
  'tfjs-cpu',
  'tfjs-wasm',
  'convnetjs',
  'pytorch',
  'pytorch-mt',
  'openblas',
  'openblas-mt',
];

/** Result of one engine on one network in one process. */
export type Measurement =
  | {
      readonly status: 'ok';
      readonly samplesPerSec: number;
      readonly steps: number;
      readonly seconds: number;
      readonly lossBefore: number;
      readonly lossAfter: number;
      readonly note?: string;
    }
  | { readonly status: 'n/a'; readonly reason: string };

export interface Timing {
  readonly steps: number;
  readonly seconds: number;
  readonly samplesPerSec: number;
}

/**
 * Warms the runner up for `warmup` seconds (at least 2 steps), then runs it for at least `seconds` and 3 steps,
 * in chunks that grow until one takes ~20 ms, so that reading the clock costs nothing measurable.
 */
export function time(r: Runner, seconds: number, warmup: number): Timing {
  const now = () => performance.now() / 1000;
  let t0 = now(),
    steps = 0,
    chunk = 1;
  while (steps < 2 || now() - t0 < warmup) {
    const c0 = now();
    r.run(chunk);
    steps += chunk;
    if (now() - c0 < 0.02) chunk *= 2;
  }
  r.sync();
  chunk = Math.max(1, chunk >> 1);
  t0 = now();
  steps = 0;
  let elapsed = 0;
  while (steps < 3 || elapsed < seconds) {
    const c0 = now();
    r.run(chunk);
    steps += chunk;
    const t = now();
    if (t - c0 < 0.02) chunk *= 2;
    elapsed = t - t0;
    // Never overshoot the target by more than about one chunk.
    const left = seconds - elapsed;
    if (left > 0) chunk = Math.max(1, Math.min(chunk, Math.ceil((left / Math.max(t - c0, 1e-9)) * chunk)));
  }
  r.sync();
  elapsed = now() - t0;
  return { steps, seconds: elapsed, samplesPerSec: (steps * r.samplesPerStep) / elapsed };
}
