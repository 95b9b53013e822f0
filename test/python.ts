// Finds the Python interpreter tests use to write numpy files and run torch: NNET_PYTHON, then /usr/bin/python3
// (Debian's, with python3-torch), then python3 on PATH; the first that can import numpy and torch.

import { spawnSync } from 'node:child_process';

/** The interpreter found, or what was tried and why none works. */
export function findPython(): { path: string } | { tried: string[]; message: string } {
  const candidates = [process.env.NNET_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  const tried: string[] = [];
  for (const p of candidates) {
    const r = spawnSync(p, ['-c', 'import numpy, torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { path: p };
    tried.push(`${p} (${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)})`);
  }
  return {
    tried,
    message: `no Python with numpy and torch: tried ${tried.join('; ')}. Install it with 'apt install python3-torch' (or pip install torch numpy) or set NNET_PYTHON`,
  };
}

/**
 * The interpreter for a test, or a reason to skip it (`test(name, { skip }, …)`). In CI (`process.env.CI`) a
 * missing interpreter throws instead: those tests must run there.
 */
export function pythonForTests(): { python: string; skip: false } | { python: ''; skip: string } {
  const found = findPython();
  if ('path' in found) {
    process.stderr.write(`python for tests: ${found.path}\n`);
    return { python: found.path, skip: false };
  }
  if (process.env.CI) throw new Error(found.message);
  return { python: '', skip: found.message };
}

/** Runs a Python script with `python` and returns its stdout; throws with its stderr when it fails. */
export function runPython(python: string, script: string, cwd: string): string {
  const r = spawnSync(python, ['-c', script], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}
