// The shape of test-results/bench.json as bench/run.ts writes it and bench/targets.ts and bench/report.ts read it.
// Every measurement is optional: a run with --no-… flags, --nets or --engines leaves parts out.

import type { DebugMemory, RewindLatency } from './debugLatency';
import type { DoctorCost } from './doctorCost';
import type { EditorLatency } from './editor';
import type { NetKernels } from './netKernels';
import type { Overhead } from './nnet';
import type { ProbeCost } from './probeCost';
import type { ViewCost } from './viewCost';

/** A measurement that ran, or why it did not. */
export type Maybe<T> = ({ status: 'ok' } & T) | { status: 'n/a'; reason: string };

/** One engine on one network: the median samples/s of its runs, or null and why. */
export interface EngineResult {
  readonly samplesPerSec: number | null;
  readonly runs: readonly number[];
  readonly reason?: string;
  readonly lossBefore?: number;
  readonly lossAfter?: number;
}

export interface BenchJson {
  readonly date: string;
  /** CPU model × cores (vector features), Node version. */
  readonly machine: string;
  readonly settings: { readonly seconds: number; readonly warmup: number; readonly reps: number } & Record<
    string,
    unknown
  >;
  readonly networks?: Record<string, { readonly shape: string; readonly batch: number; readonly weights: number }>;
  /** Worst relative difference of the dense kernels from the naive loops, over `cases` shapes. */
  readonly kernelCheck?: { readonly f32: number; readonly f64: number; readonly cases: number };
  /** Whether the WebAssembly SIMD kernels ran. */
  readonly simd?: boolean;
  readonly openBlasPeak?: { n: number; gflops: Record<number, number | null> } | string | null;
  /** Per network, per engine. */
  readonly samplesPerSec?: Record<string, Record<string, EngineResult>>;
  /** Per network, per peer: nnet's samples/s ÷ the peer's. */
  readonly ratioNnetToPeer?: Record<string, Record<string, number | null>>;
  /** Per network: our own kernels on its shapes against its training step (bench/netKernels.ts). */
  readonly netKernels?: Record<string, Maybe<NetKernels>>;
  readonly instrumentationOverhead?: Record<string, Maybe<Overhead>>;
  readonly doctorCost?: Record<string, Maybe<DoctorCost>>;
  readonly viewCost?: ViewCost | null;
  readonly editorLatency?: EditorLatency | null;
  readonly probeCost?: Maybe<ProbeCost> | null;
  /**
   * Per network (N3, N5): Step Back and Reverse Continue latency, with no breakpoint and searching for one that never
   * fires (bench/debugLatency.ts).
   */
  readonly rewindLatency?: Record<string, Maybe<RewindLatency>> | null;
  /** Resident size of a long N3 debug session, and of N5's per parameter (bench/debugLatency.ts). */
  readonly debugMemory?: Record<string, Maybe<DebugMemory>> | null;
}
