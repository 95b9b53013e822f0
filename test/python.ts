// Finds a Python interpreter that can `import torch` for the PyTorch tests: NNET_PYTHON, then /usr/bin/python3, then
// python3 on PATH. Says which one it used, or what it tried; in CI (CI set) a missing one is a failure, not a skip.
import { spawnSync } from 'node:child_process';

/** The interpreter found, or why none was. */
export interface PythonFound {
  /** The interpreter, or null when none imports torch. */
  readonly python: string | null;
  /** torch.__version__ ('' when none was found). */
  readonly torch: string;
  /** What was tried before it, each with why it failed. */
  readonly tried: readonly string[];
}

let cached: PythonFound | null = null;

/** The first interpreter of NNET_PYTHON, /usr/bin/python3, python3 that imports torch and numpy. */
export function findTorchPython(): PythonFound {
  if (cached) return cached;
  const candidates = [process.env.NNET_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import numpy, torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return (cached = { python, torch: r.stdout.trim(), tried });
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`);
    tried.push(`${python}: ${why}`);
  }
  return (cached = { python: null, torch: '', tried });
}

/**
 * The `skip` option for a test that needs torch: false when an interpreter was found, else the reason. Throws in CI
 * (CI installs python3-torch, so a missing interpreter there is a broken setup, not a reason to skip).
 */
export function torchOrSkip(): string | false {
  const found = findTorchPython();
  if (found.python) return false;
  const msg = `no Python with torch: tried ${found.tried.join('; ')} (install it with 'apt-get install python3-torch' or set NNET_PYTHON)`;
  if (process.env.CI) throw new Error(msg);
  process.stderr.write(`\n!!! SKIPPING the PyTorch tests: ${msg}\n\n`);
  return msg;
}
