// The breakpoints and exception filters of a PyTorch session: kept as the client sets them (before and during the
// run), handed to the run, which places them on the modules the probe reports, and answered as DAP breakpoints.

import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import { EXCEPTION_FILTERS, type ExceptionFilter, type ExceptionFilterId } from '../../../debugger/protocol';
import { placeFunction, placeLine } from '../../../debugger/pytorch/placement';
import type { ProbeRun, RunBreakpoint } from '../../../debugger/pytorch/probeRun';
import { PYTORCH_FILTERS } from '../../../debugger/pytorch/stepFilters';
import { sessionSettings, type NnetSettings } from '../../settings';
import { checkBreakpointExpressions } from '../breakpoints';
import { exceptionFilters, requestedFilters } from '../exceptionFilters';
import { dapBreakpoint, expressions, valid } from './stops';

/** A requested line breakpoint, kept to place it again when the modules are known. */
type LineRequest = RunBreakpoint & { line: number; problem?: string };
type FunctionRequest = RunBreakpoint & { name: string; problem?: string };

/** What the client asked a PyTorch session to break on. */
export class PtBreakpoints {
  private nextBreakpointId = 1;
  private readonly lineRequests = new Map<string, LineRequest[]>();
  private functionRequests: FunctionRequest[] = [];
  private filters: ExceptionFilter[] = [];

  /** Gives a new run every breakpoint and filter the client set before it started. */
  applyTo(run: ProbeRun): void {
    for (const [file, reqs] of this.lineRequests) run.setLineBreakpoints(file, valid(reqs));
    run.setFunctionBreakpoints(valid(this.functionRequests));
    run.setExceptionFilters(this.filters);
  }

  /** setBreakpoints: replaces the line breakpoints of a file; where each lands (on the run's modules, if known). */
  setLines(args: DebugProtocol.SetBreakpointsArguments, run: ProbeRun | null): DebugProtocol.Breakpoint[] {
    const file = path.resolve(args.source.path ?? '');
    const reqs: LineRequest[] = (args.breakpoints ?? []).map((b) => ({
      id: this.nextBreakpointId++,
      line: b.line,
      ...expressions(b),
      ...(b.mode === 'forward' || b.mode === 'backward' ? { phases: [b.mode] } : {}),
      problem: checkBreakpointExpressions(b.condition, b.hitCondition, b.logMessage),
    }));
    this.lineRequests.set(file, reqs);
    const placed = run?.setLineBreakpoints(file, valid(reqs));
    let k = 0;
    const modules = run?.moduleList ?? null;
    return reqs.map((r) =>
      dapBreakpoint(
        r.id,
        r.problem ? placeLine(file, r.line, null) : (placed?.[k++] ?? placeLine(file, r.line, modules)),
        file,
        r.problem,
      ),
    );
  }

  /** setFunctionBreakpoints: replaces the function breakpoints (module paths); where each lands. */
  setFunctions(args: DebugProtocol.SetFunctionBreakpointsArguments, run: ProbeRun | null): DebugProtocol.Breakpoint[] {
    this.functionRequests = args.breakpoints.map((b) => ({
      id: this.nextBreakpointId++,
      name: b.name.trim(),
      ...expressions(b),
      problem: checkBreakpointExpressions(b.condition, b.hitCondition, undefined),
    }));
    const placed = run?.setFunctionBreakpoints(valid(this.functionRequests));
    let k = 0;
    const modules = run?.moduleList ?? null;
    return this.functionRequests.map((r) => {
      const p = r.problem ? placeFunction(r.name, null) : (placed?.[k++] ?? placeFunction(r.name, modules));
      return dapBreakpoint(r.id, p, p.file, r.problem);
    });
  }

  /**
   * setExceptionBreakpoints: keeps the filters a PyTorch run has (thresholds from `settings`); the others are
   * answered unverified, as they need the .nnet training doctor. Gives them to the run, if there is one.
   */
  setFilters(
    args: DebugProtocol.SetExceptionBreakpointsArguments,
    settings: NnetSettings,
    run: ProbeRun | null,
  ): DebugProtocol.Breakpoint[] {
    const { filters, results } = requestedFilters(args);
    const here = filters.filter((f) => PYTORCH_FILTERS.includes(f.id));
    this.filters = exceptionFilters(
      here,
      sessionSettings({}, () => undefined, settings),
    );
    // `requestedFilters` answers the filter options first, then the plain filters, in order.
    const ids = [
      ...(args.filterOptions ?? []).map((o) => o.filterId),
      ...args.filters.filter((f) => !args.filterOptions?.some((o) => o.filterId === f)),
    ];
    const breakpoints = results.map((r, i) =>
      r.verified && !PYTORCH_FILTERS.includes(ids[i] as ExceptionFilterId)
        ? {
            verified: false,
            message: `'${EXCEPTION_FILTERS[ids[i] as ExceptionFilterId].label}' needs the .nnet training doctor; it is not available for PyTorch runs`,
          }
        : r,
    );
    run?.setExceptionFilters(this.filters);
    return breakpoints;
  }
}
