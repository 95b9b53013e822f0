// CPU time from /proc (Linux; null elsewhere): this process's main thread, and every process descended from it (the
// headless Chromium the view-cost bench drives: browser, renderer, GPU and utility processes). For bench/viewCost.ts,
// which reports where an open view's CPU goes besides the page's main thread.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** pid, parent pid and user + system ticks from a `stat` file (the command name may hold spaces and parentheses). */
function readStat(file: string): { pid: number; ppid: number; ticks: number } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null; // exited meanwhile
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' '); // fields[0] is the state (field 3 of proc(5))
  return { pid: parseInt(text, 10), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

const onLinux = process.platform === 'linux' && fs.existsSync('/proc/self/stat');

/** Seconds of CPU the main thread of this process has used (not its worker threads), or null. */
export function mainThreadCpuSeconds(): number | null {
  if (!onLinux) return null;
  const s = readStat(`/proc/self/task/${process.pid}/stat`);
  return s ? s.ticks / clockTicks() : null;
}

/** Seconds of CPU used so far by the live processes descended from this one, or null. */
export function descendantsCpuSeconds(): number | null {
  if (!onLinux) return null;
  const stats = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readStat(`/proc/${d}/stat`))
    .filter((s): s is NonNullable<typeof s> => s !== null);
  const children = new Map<number, number[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const ticks = new Map(stats.map((s) => [s.pid, s.ticks]));
  let total = 0;
  const stack = [...(children.get(process.pid) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    total += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total / clockTicks();
}
