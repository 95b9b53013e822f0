// What every part of `npm run bench` prints with: a measurement in a fresh child process (the bundled bench/child.ts),
// the number format, Markdown tables and the machine's description.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import type { Printer } from './runExtras';

const ROOT = path.resolve(__dirname, '..');

/**
 * The measuring child as esbuild bundles it, like the shipped extension and worker: our code in one module scope,
 * dependencies (the peers, playwright-core) left to node_modules. Run from TypeScript under tsx instead, every use
 * of an imported binding goes through a CommonJS getter, which the shipped bundle does not pay (it made the
 * debugger's per-event checks look ~10 points dearer on N1). Lives in dist/ so `..` from it is the repository.
 */
const CHILD = path.join(ROOT, 'dist', 'bench-child.js');

/** Bundles bench/child.ts into dist/bench-child.js (see CHILD): run once before the first `child`. */
export function buildChild(): void {
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'child.ts')],
    outfile: CHILD,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    external: ['vscode'],
    logLevel: 'warning',
  });
}

/**
 * Runs one measurement in a fresh child process and returns what it printed on its `BENCH_RESULT` line, or an n/a
 * result saying why there was none.
 */
export function child(args: string[], showProgress = false): unknown {
  // A child given its own time (`--max-seconds`: the memory section's long run) gets that and 10 minutes more.
  const own = Number(args[args.indexOf('--max-seconds') + 1]);
  const r = spawnSync(process.execPath, [CHILD, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: Math.max(30 * 60_000, args.includes('--max-seconds') && own > 0 ? (own + 600) * 1000 : 0),
    stdio: ['ignore', 'pipe', showProgress ? 'inherit' : 'pipe'],
  });
  return resultOf(r.stdout, `${r.status ?? r.signal}`, r.stderr || r.error?.message || '');
}

/** What a child printed on its `BENCH_RESULT` line, or an n/a result with the end of its stderr. */
function resultOf(stdout: string | undefined, exit: string, stderr: string): unknown {
  const line = stdout?.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line)
    return {
      status: 'n/a',
      reason: `child failed (exit ${exit}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    };
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

/** Whether children can be pinned to one CPU here (util-linux's taskset runs). */
export function canPinToCpu(): boolean {
  return spawnSync('taskset', ['-c', '0', process.execPath, '-e', ''], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs measurements in fresh child processes at once, every one pinned to CPU `cpu` (taskset, which pins the
 * child's every thread, V8's compiler and collector threads too), so that they take turns on the one CPU; resolves to
 * what each printed (see child), in the order of `argLists`.
 */
export function childrenOnOneCpu(argLists: readonly string[][], cpu: number): Promise<unknown[]> {
  return Promise.all(
    argLists.map(
      (args) =>
        new Promise<unknown>((resolve) => {
          const p = spawn('taskset', ['-c', String(cpu), process.execPath, CHILD, ...args], {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
            timeout: 30 * 60_000,
          });
          let out = '',
            err = '';
          p.stdout.on('data', (d: Buffer) => (out += d.toString()));
          p.stderr.on('data', (d: Buffer) => (err += d.toString()));
          p.on('error', (e) => resolve(resultOf('', 'none', e.message)));
          p.on('close', (code, signal) => resolve(resultOf(out, `${code ?? signal}`, err)));
        }),
    ),
  );
}

/** A rate or count, short: 1.23M, 45.6k, 7.89k, 123, 4.5. */
export const fmt = (v: number) =>
  !Number.isFinite(v)
    ? 'n/a'
    : v >= 1e6
      ? `${(v / 1e6).toFixed(2)}M`
      : v >= 1e4
        ? `${(v / 1e3).toFixed(1)}k`
        : v >= 1e3
          ? `${(v / 1e3).toFixed(2)}k`
          : v >= 100
            ? v.toFixed(0)
            : v.toFixed(1);
/** The median (upper middle of an even count); NaN for none. */
export const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[s.length >> 1] : NaN;
};

/** A Markdown table, first column left-aligned and the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    '| ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  return [
    line(header),
    '|' + w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

/** What bench/runExtras.ts borrows from this file. */
export const printer: Printer = { child, table, fmt };

/** The CPU's vector instruction sets (Linux /proc/cpuinfo), which bound what any engine's kernels can do. */
function vectorFeatures(): string {
  try {
    const flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? [];
    const wanted = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni', 'amx_tile'];
    return wanted.filter((f) => flags.includes(f)).join(' ') || 'unknown';
  } catch {
    return 'unknown';
  }
}
/** The CPU, its vector features and Node: the line every bench output starts with. */
export const machine = `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length} (${vectorFeatures()}), Node ${process.version}`;
