// The machine's limit as a bench peer: bench/c/openblas_train.c trains the same network on the same data with SGD,
// every matrix product an OpenBLAS sgemm (`openblas` on one thread, `openblas-mt` on every core), and times a square
// sgemm alone for the peak. Built by the bench when gcc and libopenblas-dev are there, skipped with a note otherwise.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchResult, withDataFiles } from './external';
import { BATCHES, LEARNING_RATE, type Dataset, type NetDef } from './networks';
import type { Measurement } from './runner';

const SOURCE = path.resolve(__dirname, '..', 'bench', 'c', 'openblas_train.c');

/** The compiled program (cached by the source's hash), or why it could not be built. */
export function buildOpenBlasProgram(): { exe: string } | { reason: string } {
  let source: string;
  try {
    source = fs.readFileSync(SOURCE, 'utf8');
  } catch {
    return { reason: `missing ${SOURCE}` };
  }
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const exe = path.join(os.tmpdir(), `nnet-bench-openblas-${hash}`);
  if (fs.existsSync(exe)) return { exe };
  const r = spawnSync('gcc', ['-O3', '-march=native', '-o', exe, SOURCE, '-lopenblas', '-lm'], { encoding: 'utf8' });
  if (r.status === 0) return { exe };
  const why = r.error ? 'no gcc' : (r.stderr.trim().split('\n')[0] ?? `gcc exit ${r.status}`);
  return { reason: `not built (${why}; needs gcc and apt-get install libopenblas-dev)` };
}

/** Trains `net` in C on OpenBLAS for `seconds` after `warmup`; `threads` 0 means every core. */
export function measureOpenBlas(
  net: NetDef,
  data: Dataset,
  seconds: number,
  warmup: number,
  threads: number,
): Measurement {
  const built = buildOpenBlasProgram();
  if ('reason' in built) return { status: 'n/a', reason: built.reason };
  return withDataFiles(data, (x, y) => {
    const args = [
      '--train',
      String(net.input),
      String(net.batch),
      String(BATCHES),
      String(LEARNING_RATE),
      net.loss,
      String(seconds),
      String(warmup),
      String(threads || os.availableParallelism()),
      x,
      y,
      ...net.layers.map((l) => `${l.units}:${l.activation}`),
    ];
    return benchResult('openblas', built.exe, args, { timeout: (seconds + warmup) * 1000 + 60_000 }) as Measurement;
  });
}

/** OpenBLAS sgemm GFLOP/s on an n×n×n product, on 1 thread and on every core; null where it could not run. */
export function openBlasPeak(n = 1024, seconds = 1): { n: number; gflops: Record<number, number | null> } | string {
  const built = buildOpenBlasProgram();
  if ('reason' in built) return built.reason;
  const gflops: Record<number, number | null> = {};
  for (const threads of [...new Set([1, os.availableParallelism()])]) {
    const r = benchResult('openblas', built.exe, ['--peak', String(n), String(seconds), String(threads)], {
      timeout: seconds * 1000 + 60_000,
    });
    gflops[threads] = r.status === 'ok' && typeof r.gflops === 'number' ? r.gflops : null;
  }
  return { n, gflops };
}
