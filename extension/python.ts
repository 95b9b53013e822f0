// Finds the Python interpreter that can run PyTorch for nnet (the export command, the PyTorch debugger): the
// `nnet.python` setting, then Debian's /usr/bin/python3 (where `apt install python3-torch` puts torch), then
// `python3` on PATH. Each is asked to import torch and numpy; the answer names the one used, or every one tried.
// No runtime vscode import: the caller passes the setting's value, and the tests pass a fake probe.

import { execFile } from 'node:child_process';
import type * as vscode from 'vscode';

/** The setting naming an interpreter with torch (declared in package.json; restricted in untrusted workspaces). */
export const PYTHON_SETTING = 'nnet.python';

/** What asking one interpreter gave: torch's version, or why it cannot be used. */
export type ProbeResult =
  { readonly ok: true; readonly torch: string } | { readonly ok: false; readonly reason: string };

/** Asks one interpreter whether it can import torch and numpy. */
export type Probe = (python: string) => Promise<ProbeResult>;

/** The interpreter to use, with torch's version, or what was tried and how to get one. */
export type PythonFound =
  | { readonly path: string; readonly torch: string; readonly source: 'setting' | 'default' | 'PATH' }
  | { readonly tried: readonly string[]; readonly message: string };

/** How to install what is missing, for messages. */
export const INSTALL_HINT =
  "install PyTorch with 'sudo apt install python3-torch' (Debian, Ubuntu) or 'pip install torch numpy', then set nnet.python to that interpreter if it is not /usr/bin/python3";

/** The `nnet.python` setting's value, or undefined when unset or blank. */
export function configuredPython(config: Pick<vscode.WorkspaceConfiguration, 'get'>): string | undefined {
  const v = config.get<unknown>('python');
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/**
 * The first interpreter of the setting (when set), /usr/bin/python3 and python3 that imports torch. A setting that
 * does not work is reported even when a later candidate does: the user asked for it.
 */
export async function findPython(configured: string | undefined, probe: Probe = probeTorch): Promise<PythonFound> {
  const candidates: { path: string; source: 'setting' | 'default' | 'PATH' }[] = [
    ...(configured ? [{ path: configured, source: 'setting' as const }] : []),
    { path: '/usr/bin/python3', source: 'default' },
    { path: 'python3', source: 'PATH' },
  ];
  const tried: string[] = [];
  for (const c of candidates) {
    if (tried.some((t) => t.startsWith(`${c.path} `))) continue;
    const r = await probe(c.path);
    if (r.ok) return { path: c.path, torch: r.torch, source: c.source };
    tried.push(`${c.path} (${c.source === 'setting' ? `${PYTHON_SETTING}: ` : ''}${r.reason})`);
    if (c.source === 'setting')
      return {
        tried,
        message: `the interpreter in ${PYTHON_SETTING}, ${c.path}, cannot run PyTorch: ${r.reason}; fix the setting or clear it to use /usr/bin/python3`,
      };
  }
  return { tried, message: `no Python with PyTorch found: tried ${tried.join(', ')}; ${INSTALL_HINT}` };
}

/** Runs `python -c "import torch, numpy; print(torch.__version__)"` with a time limit; never throws. */
export function probeTorch(python: string, timeoutMs = 30_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-c', 'import torch, numpy; print(torch.__version__)'],
      { timeout: timeoutMs, windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, torch: stdout.trim() });
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ ok: false, reason: 'not found' });
        if (code === 'EACCES') return resolve({ ok: false, reason: 'not executable' });
        if (err.killed) return resolve({ ok: false, reason: `no answer within ${timeoutMs / 1000} s` });
        const last = String(stderr).trim().split('\n').pop() ?? '';
        const missing = /No module named '?(\w+)/.exec(last);
        resolve({ ok: false, reason: missing ? `no module ${missing[1]}` : last || err.message });
      },
    );
  });
}
