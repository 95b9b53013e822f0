// The breakpoints of one nnet debug session: the verified line breakpoints of its program, the function breakpoints
// as requested (placed on layers once the program is parsed) and as placed, and the ids DAP knows them by.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { NetworkSpec } from '../../engine/language/spec';
import type { BreakpointSpec } from '../../debugger/protocol';
import { resolveFunctionBreakpoints } from './breakpoints';

/** What the session has been asked to break on, and what of it the worker gets. */
export class SessionBreakpoints {
  private lines: BreakpointSpec[] = [];
  private functions: BreakpointSpec[] = [];
  private functionRequests: (DebugProtocol.FunctionBreakpoint & { id: number })[] = [];
  private nextBreakpointId = 1;

  /** A fresh id: one sequence for line and function breakpoints, so events name each unambiguously. */
  readonly nextId = (): number => this.nextBreakpointId++;

  /** Replaces the verified line breakpoints of the program. */
  setLines(specs: BreakpointSpec[]): void {
    this.lines = specs;
  }

  /** Replaces the requested function breakpoints, each given an id (placed by `placeFunctions`). */
  requestFunctions(requested: readonly DebugProtocol.FunctionBreakpoint[]): void {
    this.functionRequests = requested.map((b) => ({ ...b, id: this.nextId() }));
  }

  /** Whether any function breakpoint is requested. */
  get anyFunctions(): boolean {
    return this.functionRequests.length > 0;
  }

  /** Places the requested function breakpoints on layers of `spec` (null: not parsed yet); the response's breakpoints. */
  placeFunctions(spec: NetworkSpec | null, program: string): DebugProtocol.Breakpoint[] {
    const { breakpoints, specs } = resolveFunctionBreakpoints(spec, this.functionRequests, program);
    this.functions = specs;
    return breakpoints;
  }

  /** Every verified breakpoint, lines first: what the worker breaks on. */
  all(): BreakpointSpec[] {
    return [...this.lines, ...this.functions];
  }
}
