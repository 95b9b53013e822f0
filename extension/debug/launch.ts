// The `launch` request's arguments and the reading it needs: the .nnet file (without blocking, bounded in size)
// parsed with its data files, for launching and for placing breakpoints.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { readTextFileAsync } from '../../engine/data/filesAsync';
import { LIMITS, type NetworkSpec } from '../../engine/language/spec';
import type { ParseLimits } from '../../debugger/protocol';
import { DataFileCache } from '../language/dataFileCache';
import { parseWithDataFiles } from '../language/parseCache';

/** Arguments of a `launch` request of type `nnet`. */
export interface NnetLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** Absolute path of the .nnet file. */
  program: string;
  stopOnEntry?: boolean;
  /** Memory for Step Back history, in megabytes (default 256). */
  historyMB?: number;
  /** Folder CSV data files must lie in (default: the .nnet file's folder; the extension passes the workspace folder). */
  dataRoot?: string;
  /** Log DAP traffic at trace level. */
  trace?: boolean;
  /** Per-session overrides of the settings of the same name (the extension fills in the rest from the settings). */
  vanishingRatio?: number;
  vanishingFloor?: number;
  explodingNorm?: number;
  deadReluShare?: number;
  maxCsvMB?: number;
  memoryBudgetMB?: number;
}

/** CSV files the sessions read, by stamp: a breakpoint change does not read the data again. */
const dataFiles = new DataFileCache();

/** The program unreadable, or its text and what parsing it gave: a spec, or null and the first error. */
export type ReadProgram =
  | { readonly readError: string }
  | { readonly source: string; readonly spec: NetworkSpec | null; readonly parseError: string };

/**
 * Reads and parses the program to launch. Only a regular file of bounded size: a FIFO would block the adapter
 * forever. Read without blocking: inline, the adapter runs on the extension host's thread.
 */
export async function readProgram(
  program: string,
  dataRoot: string | undefined,
  limits: ParseLimits,
  name: string,
): Promise<ReadProgram> {
  const read = await readTextFileAsync(program, LIMITS.maxSourceBytes);
  if ('error' in read) return { readError: `Cannot start training: ${read.error}` };
  const source = read.text;
  const { spec, diagnostics } = (
    await parseWithDataFiles(source, { kind: 'disk', id: '', file: program, root: dataRoot }, dataFiles, [], limits)
  ).result;
  const first = diagnostics.find((d) => d.severity === 'error');
  const where = first ? `${name}:${first.range.line + 1}: ${first.message}` : 'the file has errors';
  return { source, spec, parseError: `Cannot start training: ${where}` };
}

/** Parses the file at `file` for breakpoint placement, without blocking; never throws. */
export async function readSpec(
  file: string,
  limits: ParseLimits,
): Promise<{ spec: NetworkSpec | null; firstError?: string }> {
  const read = await readTextFileAsync(file, LIMITS.maxSourceBytes);
  if ('error' in read) return { spec: null, firstError: read.error };
  const r = (await parseWithDataFiles(read.text, { kind: 'disk', id: '', file }, dataFiles, [], limits)).result;
  const e = r.diagnostics.find((d) => d.severity === 'error');
  return { spec: r.spec, firstError: e ? `line ${e.range.line + 1}: ${e.message}` : undefined };
}
