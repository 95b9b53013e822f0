// Places breakpoints of a Python file on the modules built there: a line that constructs modules (`self.fc2 =
// nn.Linear(…)`, an entry of `nn.Sequential(…)`, a loop filling a ModuleList) breaks on each; another line moves to
// the nearest module line within a few lines, or stays unverified with the reason; before the model is built every
// line waits for it. Function breakpoints name module paths.

import path from 'node:path';
import type { ProbeModule } from './probeProtocol';

/** How far (in lines) a breakpoint on a line building no module may move to one that does. */
export const MOVE_LINES = 3;

/** The message of a breakpoint set before the probe reported the model. */
export const WAITS_FOR_MODEL = 'waits for the model to be built (the first call of the model reports its modules)';

/** Where one breakpoint ended up (lines 1-based). */
export interface Placement {
  readonly verified: boolean;
  readonly line: number;
  /** Indices into the modules list of the modules it breaks on (empty when unverified). */
  readonly modules: readonly number[];
  readonly message?: string;
}

/** True when two paths name the same file (resolved; case-insensitively on Windows and macOS file systems). */
export function sameFile(a: string, b: string): boolean {
  const ra = path.resolve(a),
    rb = path.resolve(b);
  return process.platform === 'linux' ? ra === rb : ra.toLowerCase() === rb.toLowerCase();
}

/** Places a line breakpoint of `file` given the modules known so far (null: the model has not been built yet). */
export function placeLine(file: string, line: number, modules: readonly ProbeModule[] | null): Placement {
  if (!modules) return { verified: false, line, modules: [], message: WAITS_FOR_MODEL };
  const here = modules.flatMap((m, i) => (m.site && sameFile(m.site.file, file) ? [{ i, line: m.site.line }] : []));
  const on = (l: number) => here.filter((h) => h.line === l).map((h) => h.i);
  if (on(line).length) return { verified: true, line, modules: on(line) };
  if (!here.length) {
    const placed = modules.filter((m) => m.site).length;
    return {
      verified: false,
      line,
      modules: [],
      message: `no module with parameters is built in ${path.basename(file)}${placed ? '' : ' (the probe could place no module)'}`,
    };
  }
  const nearest = here.reduce((b, h) => (Math.abs(h.line - line) < Math.abs(b.line - line) ? h : b), here[0]).line;
  if (Math.abs(nearest - line) <= MOVE_LINES) {
    const ids = on(nearest);
    return {
      verified: true,
      line: nearest,
      modules: ids,
      message: `moved to line ${nearest}, where '${modules[ids[0]].path}' is built`,
    };
  }
  return {
    verified: false,
    line,
    modules: [],
    message: `no module with parameters is built on this line (the nearest is line ${nearest}, '${modules[on(nearest)[0]].path}')`,
  };
}

/** Places a function breakpoint: a module path (`encoder.layers.0.fc1`), or a prefix naming a submodule's modules. */
export function placeFunction(name: string, modules: readonly ProbeModule[] | null): Placement & { file?: string } {
  if (!modules) return { verified: false, line: 0, modules: [], message: WAITS_FOR_MODEL };
  const exact = modules.flatMap((m, i) => (m.path === name ? [i] : []));
  const ids = exact.length ? exact : modules.flatMap((m, i) => (m.path.startsWith(`${name}.`) ? [i] : []));
  if (!ids.length) {
    const known = modules.map((m) => m.path);
    return {
      verified: false,
      line: 0,
      modules: [],
      message: `no module '${name}' (modules with parameters: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''})`,
    };
  }
  const site = modules[ids[0]].site;
  return { verified: true, line: site?.line ?? 0, modules: ids, ...(site ? { file: site.file } : {}) };
}
