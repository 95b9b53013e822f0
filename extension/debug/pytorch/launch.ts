// The `launch` and `attach` requests of a PyTorch session (type `nnet-pytorch`): their arguments, checked field by
// field so a malformed configuration gets an error response naming the field, never a crash; the script and folder
// checked on disk; and what the Debug Console says first.

import type { DebugProtocol } from '@vscode/debugprotocol';
import fs from 'node:fs/promises';
import path from 'node:path';
import { NO_STEP_BACK } from './capabilities';

/** Arguments of a `launch` request of type `nnet-pytorch`. */
export interface PyTorchLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** The training script (`.py`); relative paths are resolved against `cwd`. */
  program: string;
  args?: string[];
  /** Working directory of the script (default: the script's folder). */
  cwd?: string;
  /** Added to the environment of the script. */
  env?: Record<string, string>;
  /** Interpreter with torch (default: the `nnet.python` setting, then /usr/bin/python3, then python3). */
  python?: string;
  /** Processes to start with the probe's launcher (`--nproc`, torchrun's environment); default 1. */
  nproc?: number;
  /** The rank breakpoints, Step Over and Pause act on (default 0); the others wait at the next all-reduce. */
  rank?: number;
  /** Stop at the first module event. */
  stopOnEntry?: boolean;
}

/** Largest `nproc` accepted: each rank is a full Python process with torch (about 300 MB). */
export const MAX_NPROC = 64;

/** The launch arguments checked and completed, or why they cannot be used. */
export type LaunchCheck =
  | {
      readonly ok: true;
      readonly program: string;
      readonly args: readonly string[];
      readonly cwd: string;
      readonly env: Readonly<Record<string, string>>;
      readonly python: string | undefined;
      readonly nproc: number;
      readonly rank: number;
      readonly stopOnEntry: boolean;
    }
  | { readonly ok: false; readonly message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Launch arguments that passed the check. */
export type LaunchOk = Extract<LaunchCheck, { ok: true }>;

/** Checks a launch request's arguments. */
export function checkLaunch(a: Record<string, unknown>): LaunchCheck {
  const bad = (message: string): LaunchCheck => ({ ok: false, message: `invalid launch configuration: ${message}` });
  if (typeof a.program !== 'string' || a.program.trim() === '') return bad("'program' must be the path of a .py file");
  if (a.args !== undefined && !(Array.isArray(a.args) && a.args.every((x) => typeof x === 'string')))
    return bad("'args' must be an array of strings");
  if (a.cwd !== undefined && (typeof a.cwd !== 'string' || a.cwd === '')) return bad("'cwd' must be a folder path");
  if (a.env !== undefined && !(isObject(a.env) && Object.values(a.env).every((v) => typeof v === 'string')))
    return bad("'env' must be an object of strings");
  if (a.python !== undefined && (typeof a.python !== 'string' || a.python.trim() === ''))
    return bad("'python' must be the path of an interpreter");
  const nproc = a.nproc ?? 1;
  if (!Number.isSafeInteger(nproc) || (nproc as number) < 1 || (nproc as number) > MAX_NPROC)
    return bad(`'nproc' must be a whole number from 1 to ${MAX_NPROC}`);
  const rank = a.rank ?? 0;
  if (!Number.isSafeInteger(rank) || (rank as number) < 0 || (rank as number) >= (nproc as number))
    return bad(`'rank' must be a whole number from 0 to ${(nproc as number) - 1} (nproc - 1)`);
  if (a.stopOnEntry !== undefined && typeof a.stopOnEntry !== 'boolean')
    return bad("'stopOnEntry' must be true or false");
  const cwd = typeof a.cwd === 'string' ? path.resolve(a.cwd) : undefined;
  const program = path.resolve(cwd ?? process.cwd(), a.program);
  return {
    ok: true,
    program,
    args: (a.args as string[] | undefined) ?? [],
    cwd: cwd ?? path.dirname(program),
    env: (a.env as Record<string, string> | undefined) ?? {},
    python: typeof a.python === 'string' ? a.python.trim() : undefined,
    nproc: nproc as number,
    rank: rank as number,
    stopOnEntry: a.stopOnEntry === true,
  };
}

/** Arguments of an `attach` request of type `nnet-pytorch`: wait for probes started in a terminal. */
export interface PyTorchAttachArguments extends DebugProtocol.AttachRequestArguments {
  /** Loopback port to listen on (default 0: any free port; the Debug Console shows the command to run). */
  port?: number;
  /** The rank breakpoints, Step Over and Pause act on (default 0). */
  rank?: number;
  /** Stop at the first module event. */
  stopOnEntry?: boolean;
}

/** The attach arguments checked and completed, or why they cannot be used. */
export type AttachCheck =
  | { readonly ok: true; readonly port: number; readonly rank: number; readonly stopOnEntry: boolean }
  | { readonly ok: false; readonly message: string };

/** Checks an attach request's arguments. */
export function checkAttach(a: Record<string, unknown>): AttachCheck {
  const bad = (message: string): AttachCheck => ({ ok: false, message: `invalid attach configuration: ${message}` });
  const port = a.port ?? 0;
  if (!Number.isSafeInteger(port) || (port as number) < 0 || (port as number) > 65535)
    return bad("'port' must be a whole number from 0 to 65535");
  const rank = a.rank ?? 0;
  if (!Number.isSafeInteger(rank) || (rank as number) < 0 || (rank as number) >= MAX_NPROC)
    return bad(`'rank' must be a whole number from 0 to ${MAX_NPROC - 1}`);
  if (a.stopOnEntry !== undefined && typeof a.stopOnEntry !== 'boolean')
    return bad("'stopOnEntry' must be true or false");
  return { ok: true, port: port as number, rank: rank as number, stopOnEntry: a.stopOnEntry === true };
}

/** Why a checked launch cannot run here (no such script, no such working folder), or null. */
export async function launchPathProblem(a: LaunchOk): Promise<string | null> {
  const stat = await fs.stat(a.program).catch(() => null);
  if (!stat?.isFile()) return `cannot debug ${a.program}: no such file`;
  const cwdStat = await fs.stat(a.cwd).catch(() => null);
  if (!cwdStat?.isDirectory()) return `cannot debug ${path.basename(a.program)}: no folder ${a.cwd} (cwd)`;
  return null;
}

/** The Debug Console's first lines of a launch: script, PyTorch and interpreter, the ranks, and why no Step Back. */
export function launchBanner(a: LaunchOk, python: { readonly path: string; readonly torch: string }): string {
  const ranks = a.nproc > 1 ? ` on ${a.nproc} processes, breakpoints on rank ${a.rank}` : '';
  return `Debugging ${path.basename(a.program)} with PyTorch ${python.torch} (${python.path})${ranks}\n(no Step Back: ${NO_STEP_BACK})\n`;
}

/** The Debug Console's first lines of an attach: how to run the script under the probe, with this session's token. */
export function attachBanner(probeDir: string, env: Readonly<Record<string, string>>): string {
  const vars = Object.entries({ PYTHONPATH: probeDir, ...env })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `Waiting for the probe. In a terminal, run your script under it:\n  ${vars} python3 -m nnet_probe train.py [args…]\n(add --nproc N for N processes; the token is this session's own)\n`;
}
