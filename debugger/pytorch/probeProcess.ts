// Starts `python -m nnet_probe [--nproc N] script args…` for a session and ends it with every process it started:
// the probe runs in a process group of its own, so Stop reaches the launcher, its ranks and their workers.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Emitter } from '../workerClient';

/** What to run. */
export interface ProbeCommand {
  /** The interpreter with torch. */
  readonly python: string;
  /** The folder holding the `nnet_probe` package. */
  readonly probeDir: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the adapter's environment (the launch's `env`, then the probe's connection). */
  readonly env: Readonly<Record<string, string>>;
  /** Processes to start (`--nproc`); 1 runs the script in the probe's own process. */
  readonly nproc: number;
}

/** How the process ended: its exit status, or the signal that killed it. */
export interface ProbeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when it could not be started at all. */
  readonly error?: string;
}

/** How long Stop waits for the probe to exit by itself before killing the process group. */
export const KILL_GRACE_MS = 2000;

/** The probe's process; dispose (or `kill`) to end it and every process it started. */
export class ProbeProcess {
  private readonly child: ChildProcess;
  private exited: ProbeExit | null = null;
  private readonly outputEmitter = new Emitter<{ category: 'stdout' | 'stderr'; text: string }>();
  private readonly exitEmitter = new Emitter<ProbeExit>();
  /** The script's output, as it comes (decoded as UTF-8). */
  readonly onDidOutput = this.outputEmitter.event;
  /** Fires once, when the process has exited and its output is read. */
  readonly onDidExit = this.exitEmitter.event;

  constructor(cmd: ProbeCommand) {
    const argv = ['-u', '-m', 'nnet_probe', ...(cmd.nproc > 1 ? ['--nproc', String(cmd.nproc)] : []), '--'];
    const inherited = cmd.env.PYTHONPATH ?? process.env.PYTHONPATH;
    this.child = spawn(cmd.python, [...argv, cmd.program, ...cmd.args], {
      cwd: cmd.cwd,
      env: {
        ...process.env,
        ...cmd.env,
        PYTHONPATH: [cmd.probeDir, inherited].filter(Boolean).join(path.delimiter),
        PYTHONUNBUFFERED: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own (POSIX), so one signal ends the launcher, the ranks and their data loaders.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    for (const category of ['stdout', 'stderr'] as const) {
      this.child[category]?.setEncoding('utf8');
      this.child[category]?.on('data', (text: string) => this.outputEmitter.fire({ category, text }));
    }
    this.child.on('error', (e) => this.finish({ code: null, signal: null, error: e.message }));
    this.child.on('close', (code, signal) => this.finish({ code, signal }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exited !== null;
  }

  private finish(exit: ProbeExit): void {
    if (this.exited) return;
    this.exited = exit;
    this.exitEmitter.fire(exit);
    this.outputEmitter.dispose();
    this.exitEmitter.dispose();
  }

  /** Kills the process group now (SIGKILL): nothing of the run survives the session. */
  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      if (process.platform === 'win32') spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true });
      else process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already; the child itself may still need reaping.
      if (!this.exited) this.child.kill('SIGKILL');
    }
  }

  /** Waits up to `ms` for the exit, then kills the group. */
  async endWithin(ms: number): Promise<void> {
    if (this.exited) return this.kill();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.child.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.kill();
  }
}
