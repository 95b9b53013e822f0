// What the bench's peers outside Node share: the data set as raw float32 files for another process, and that
// process's one `BENCH_RESULT {json}` line read back.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Dataset } from './networks';

/** Calls `use` with the paths of `data`'s inputs and targets as raw little-endian float32 files, removed after. */
export function withDataFiles<T>(data: Dataset, use: (x: string, y: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-bench-data-'));
  try {
    const x = path.join(dir, 'x.f32'),
      y = path.join(dir, 'y.f32');
    fs.writeFileSync(x, new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength));
    fs.writeFileSync(y, new Uint8Array(data.y.buffer, data.y.byteOffset, data.y.byteLength));
    return use(x, y);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `command` and parses its last `BENCH_RESULT` line; without one, an n/a naming `label` and why. */
export function benchResult(
  label: string,
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions,
): Record<string, unknown> & { status: string } {
  const r = spawnSync(command, args, { ...options, encoding: 'utf8' });
  const line = (r.stdout as string | null)
    ?.split('\n')
    .reverse()
    .find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) {
    const why = r.error?.message ?? (r.stderr as string | null)?.trim().split('\n').pop() ?? `exit ${r.status}`;
    return { status: 'n/a', reason: `${label}: ${why}` };
  }
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as Record<string, unknown> & { status: string };
}
