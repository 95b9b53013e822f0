// PyTorch on CPU as a bench peer: the same network, data and SGD timed by bench/pytorch_bench.py in a fresh Python
// process, on one thread (`pytorch`) or on every core (`pytorch-mt`). The BLAS behind it decides its speed on big
// layers, so the measurement says which one Debian's libblas.so.3 points at.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { benchResult, withDataFiles } from './external';
import { BATCHES, LEARNING_RATE, type Dataset, type NetDef } from './networks';
import type { Measurement } from './runner';

/** Interpreters tried in order: $NNET_PYTHON, Debian's own (where python3-torch installs), then the PATH's. */
export function pythonCandidates(): string[] {
  return [process.env.NNET_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
}

/** The first interpreter that can import torch, or why none can. */
export function findTorchPython(): { python: string } | { reason: string } {
  const tried: string[] = [];
  for (const python of pythonCandidates()) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python };
    tried.push(`${python} (${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)})`);
  }
  return { reason: `no Python with torch (tried ${tried.join('; ')}; apt-get install python3-torch)` };
}

/** Which BLAS Debian's alternatives give libblas.so.3 (PyTorch's CPU matrix products go through it). */
export function blasInUse(): string {
  try {
    const lib = fs.realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
    if (lib.includes('openblas')) return `OpenBLAS (${path.basename(path.dirname(lib))})`;
    if (lib.includes('blis')) return 'BLIS';
    if (lib.includes('mkl')) return 'MKL';
    return 'reference BLAS (slow: apt-get install libopenblas0-pthread)';
  } catch {
    return 'unknown BLAS';
  }
}

/** Trains `net` in PyTorch for `seconds` after `warmup`; `threads` 0 means every core. */
export function measurePyTorch(
  net: NetDef,
  data: Dataset,
  seconds: number,
  warmup: number,
  threads: number,
): Measurement {
  const found = findTorchPython();
  if ('reason' in found) return { status: 'n/a', reason: found.reason };
  const spec = { ...net, batches: BATCHES, lr: LEARNING_RATE };
  const single = threads === 1 ? { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } : {};
  const m = withDataFiles(data, (x, y) =>
    benchResult(
      'pytorch',
      found.python,
      [
        // The child runs bundled in dist/ or as source in bench/: either way the script sits in bench/.
        path.resolve(__dirname, '..', 'bench', 'pytorch_bench.py'),
        '--spec',
        JSON.stringify(spec),
        '--x',
        x,
        '--y',
        y,
        '--seconds',
        String(seconds),
        '--warmup',
        String(warmup),
        '--threads',
        String(threads),
      ],
      { env: { ...process.env, ...single }, timeout: (seconds + warmup) * 1000 + 120_000 },
    ),
  ) as Measurement;
  return m.status === 'ok' ? { ...m, note: `${m.note ?? ''}, ${blasInUse()}` } : m;
}
