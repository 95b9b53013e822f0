// Finds the Python interpreter the tests use to write numpy files and run torch: NNET_PYTHON, then /usr/bin/python3
// (Debian's, with python3-torch), then python3 on PATH; the first that imports numpy and torch. Says which one it
// used, or what it tried; in CI (CI set) a missing one is a failure, not a skip.

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
    const r = spawnSync(python, ['-c', 'import numpy, torch; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status === 0) return (cached = { python, torch: r.stdout.trim(), tried });
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`);
    tried.push(`${python}: ${why}`);
  }
  return (cached = { python: null, torch: '', tried });
}

/** Why no interpreter was found, with how to get one. */
function missingMessage(found: PythonFound): string {
  return `no Python with numpy and torch: tried ${found.tried.join('; ')} (install it with 'apt-get install python3-torch', or pip install torch numpy, or set NNET_PYTHON)`;
}

/**
 * The `skip` option for a test that needs torch: false when an interpreter was found, else the reason. Throws in CI
 * (CI installs python3-torch, so a missing interpreter there is a broken setup, not a reason to skip).
 */
export function torchOrSkip(): string | false {
  const found = findTorchPython();
  if (found.python) return false;
  const msg = missingMessage(found);
  if (process.env.CI) throw new Error(msg);
  process.stderr.write(`\n!!! SKIPPING the PyTorch tests: ${msg}\n\n`);
  return msg;
}

/** The interpreter for a test, or a reason to skip it (`test(name, { skip }, …)`); throws in CI when none works. */
export function pythonForTests(): { python: string; skip: false } | { python: ''; skip: string } {
  const skip = torchOrSkip();
  const python = findTorchPython().python;
  if (skip === false && python) return { python, skip: false };
  return { python: '', skip: skip || 'no Python' };
}

/** Runs a Python script with `python` and returns its stdout; throws with its stderr when it fails. */
export function runPython(python: string, script: string, cwd: string): string {
  const r = spawnSync(python, ['-c', script], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}
