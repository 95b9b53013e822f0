// The breakpoints of a PyTorch run: the requests as the session gave them (per file, and by module path), placed on
// the modules known so far, applied by StopRules (conditions, hit counts, logpoints: the `.nnet` sessions' rules),
// with the tensors their expressions name listed for prefetching and the modules each pass must block at.

import { compile, type CompiledExpr } from '../../engine/expr/evaluate';
import { compileTemplate } from '../../engine/expr/interpolate';
import type { ExprScope } from '../../engine/expr/values';
import type { BreakpointSpec } from '../protocol';
import { StopRules, type Verdict } from '../stopRules';
import { placeFunction, placeLine, type Placement } from './placement';
import type { ProbeArm, ProbeModule } from './probeProtocol';

/** A line or function breakpoint as the session hands it over (its expressions already checked). */
export interface RunBreakpoint {
  readonly id: number;
  readonly condition?: string;
  readonly hitCondition?: string;
  readonly logMessage?: string;
  /** Stop on these passes only (breakpoint modes); default both. */
  readonly phases?: readonly ('forward' | 'backward')[];
}

/** Where a breakpoint is now, for the session's `breakpoint` events. */
export interface PlacedBreakpoint {
  readonly id: number;
  readonly placement: Placement;
  readonly file?: string;
}

/** The breakpoints of one run. */
export class RunBreakpoints {
  private readonly lines = new Map<string, (RunBreakpoint & { line: number })[]>();
  private functions: (RunBreakpoint & { name: string })[] = [];
  private readonly rules = new StopRules();
  private specs: BreakpointSpec[] = [];
  /** Compiled conditions and logpoint holes of each breakpoint (by id), to prefetch their tensors. */
  private exprsOf = new Map<number, CompiledExpr[]>();
  private functionIds = new Set<number>();
  private modules: readonly ProbeModule[] | null = null;

  /** True while any breakpoint is requested (placed or not). */
  get any(): boolean {
    return this.lines.size > 0 || this.functions.length > 0;
  }

  /** Replaces the line breakpoints of a file; where each lands now. */
  setLines(file: string, bps: readonly (RunBreakpoint & { line: number })[]): Placement[] {
    this.lines.set(file, [...bps]);
    this.rebuild();
    return bps.map((b) => placeLine(file, b.line, this.modules));
  }

  /** Replaces the function breakpoints (module paths); where each lands now. */
  setFunctions(bps: readonly (RunBreakpoint & { name: string })[]): (Placement & { file?: string })[] {
    this.functions = [...bps];
    this.rebuild();
    return bps.map((b) => placeFunction(b.name, this.modules));
  }

  /** The modules are known (or grew): every breakpoint placed again. */
  setModules(modules: readonly ProbeModule[]): PlacedBreakpoint[] {
    this.modules = modules;
    this.rebuild();
    const placed: PlacedBreakpoint[] = [];
    for (const [file, bps] of this.lines)
      for (const b of bps) placed.push({ id: b.id, placement: placeLine(file, b.line, modules), file });
    for (const b of this.functions) {
      const p = placeFunction(b.name, modules);
      placed.push({ id: b.id, placement: p, ...(p.file ? { file: p.file } : {}) });
    }
    return placed;
  }

  private rebuild(): void {
    const specs: BreakpointSpec[] = [];
    const add = (b: RunBreakpoint, p: Placement) => p.verified && specs.push({ ...b, nodes: p.modules });
    for (const [file, bps] of this.lines) for (const b of bps) add(b, placeLine(file, b.line, this.modules));
    for (const b of this.functions) add(b, placeFunction(b.name, this.modules));
    this.functionIds = new Set(this.functions.map((b) => b.id));
    this.specs = specs;
    this.exprsOf = new Map(specs.map((s) => [s.id, expressionsOf(s)]));
    this.rules.setBreakpoints(specs);
  }

  /** The modules to block at, and on which passes (the stop rank's `arm.modules`). */
  armed(): ProbeArm['modules'] {
    const modules = new Map<string, { path: string; forward: boolean; backward: boolean }>();
    if (this.modules)
      for (const s of this.specs)
        for (const i of s.nodes) {
          const path = this.modules[i].path;
          const m = modules.get(path) ?? { path, forward: false, backward: false };
          m.forward ||= !s.phases || s.phases.includes('forward');
          m.backward ||= !s.phases || s.phases.includes('backward');
          modules.set(path, m);
        }
    return [...modules.values()];
  }

  /** The compiled expressions of the breakpoints on module `index` (their tensors are fetched before `check`). */
  expressionsAt(index: number): CompiledExpr[] {
    return this.specs.filter((s) => s.nodes.includes(index)).flatMap((s) => this.exprsOf.get(s.id) ?? []);
  }

  /** StopRules' verdict on a module event (hits counted), with `scope` already holding the tensors named. */
  check(index: number, phase: 'forward' | 'backward', step: number, call: number, scope: ExprScope): Verdict {
    return this.rules.check({ phase, layer: index, step, epoch: 0, micro: call }, () => scope);
  }

  /** True when every id is a function breakpoint's (the stop's reason says so). */
  allFunctions(ids: readonly number[]): boolean {
    return ids.every((id) => this.functionIds.has(id));
  }
}

/** The compiled condition and logpoint holes of a breakpoint. */
function expressionsOf(s: BreakpointSpec): CompiledExpr[] {
  const out: CompiledExpr[] = [];
  try {
    if (s.condition) out.push(compile(s.condition));
    if (s.logMessage)
      for (const p of compileTemplate(s.logMessage).parts)
        if (typeof p !== 'string' && !(p instanceof Error)) out.push(p);
  } catch {
    /* checked by the session before; StopRules skips what does not compile */
  }
  return out;
}
