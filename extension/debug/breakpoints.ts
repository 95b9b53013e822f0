// Maps breakpoint lines of a .nnet file onto runtime nodes: verified on a layer line (every node on it, so a line
// inside `repeat` breaks at each copy), moved to the nearest layer line inside the network block, otherwise
// unverified with a reason; function breakpoints onto layers by name; and checks their conditions and log messages.

import { Breakpoint, Source } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import { compile } from '../../engine/expr/evaluate';
import type { NetworkSpec } from '../../engine/language/spec';
import { flattenLayers } from '../../engine/nn/model';
import type { BreakpointSpec } from '../../debugger/protocol';
import { hitConditionProblem } from '../../debugger/hitCondition';

/** Where a requested breakpoint ended up. Lines are 1-based. */
export interface ResolvedBreakpoint {
  readonly requestedLine: number;
  readonly verified: boolean;
  readonly line: number;
  /** Indices of the runtime nodes it breaks on (empty if unverified). */
  readonly nodes: readonly number[];
  readonly message?: string;
}

/** Resolves requested 1-based lines against a parsed network (null when the file has errors). */
export function resolveBreakpoints(
  spec: NetworkSpec | null,
  lines: readonly number[],
  firstError?: string,
): ResolvedBreakpoint[] {
  if (!spec) {
    const message = `The file has errors, so no breakpoint can be placed${firstError ? `: ${firstError}` : ''}`;
    return lines.map((requestedLine) => ({ requestedLine, verified: false, line: requestedLine, nodes: [], message }));
  }
  const nodes = flattenLayers(spec.inputSize, spec.layers).nodes;
  const nodeLines = nodes.map((n) => n.line + 1);
  const layerLines = [...new Set(nodeLines)].sort((a, b) => a - b);
  const onLine = (line: number) => nodeLines.flatMap((l, i) => (l === line ? [i] : []));
  const first = spec.inputRange.line; // 0-based line of `input`, i.e. the 1-based line just above it is `network`
  const last = layerLines[layerLines.length - 1];
  return lines.map((requestedLine) => {
    if (layerLines.includes(requestedLine))
      return { requestedLine, verified: true, line: requestedLine, nodes: onLine(requestedLine) };
    if (requestedLine >= first && requestedLine <= last) {
      const best = layerLines.reduce(
        (b, l) => (Math.abs(l - requestedLine) < Math.abs(b - requestedLine) ? l : b),
        layerLines[0],
      );
      const name = nodes[onLine(best)[0]].name;
      return {
        requestedLine,
        verified: true,
        line: best,
        nodes: onLine(best),
        message: `Moved to the nearest layer, '${name}'`,
      };
    }
    return {
      requestedLine,
      verified: false,
      line: requestedLine,
      nodes: [],
      message: 'nnet breaks on layer lines only (the lines of the network block)',
    };
  });
}

/**
 * The breakpoints of a setBreakpoints request on `file` (parsed as `spec`, null with `firstError` when it has errors):
 * the response's breakpoints, with ids from `nextId`, and the verified ones for the worker.
 */
export function lineBreakpoints(
  file: string,
  requested: readonly DebugProtocol.SourceBreakpoint[],
  spec: NetworkSpec | null,
  firstError: string | undefined,
  nextId: () => number,
): { breakpoints: DebugProtocol.Breakpoint[]; specs: BreakpointSpec[] } {
  const resolved = resolveBreakpoints(
    spec,
    requested.map((b) => b.line),
    firstError,
  );
  const specs: BreakpointSpec[] = [];
  const breakpoints = resolved.map((r, i) => {
    const req = requested[i];
    const problem = checkBreakpointExpressions(req.condition, req.hitCondition, req.logMessage);
    const id = nextId();
    const verified = r.verified && !problem;
    const bp: DebugProtocol.Breakpoint = {
      ...new Breakpoint(verified, r.line, undefined, new Source(path.basename(file), file)),
      id,
    };
    const message = problem ?? r.message;
    if (message) bp.message = message;
    const phases: ('forward' | 'backward')[] | undefined =
      req.mode === 'forward' || req.mode === 'backward' ? [req.mode] : undefined;
    if (verified)
      specs.push({
        id,
        nodes: r.nodes,
        phases,
        condition: req.condition,
        hitCondition: req.hitCondition,
        logMessage: req.logMessage,
      });
    return bp;
  });
  return { breakpoints, specs };
}

/**
 * Matches function breakpoints to layers of `spec` (null: not parsed yet, so unverified for now): a layer name, or
 * the base name of a repeated layer (`h` matches h_1 … h_N). Returns the response's breakpoints and the worker's.
 */
export function resolveFunctionBreakpoints(
  spec: NetworkSpec | null,
  requests: readonly (DebugProtocol.FunctionBreakpoint & { id: number })[],
  program: string,
): { breakpoints: DebugProtocol.Breakpoint[]; specs: BreakpointSpec[] } {
  const nodes = spec ? flattenLayers(spec.inputSize, spec.layers).nodes : null;
  const specs: BreakpointSpec[] = [];
  const breakpoints = requests.map((b): DebugProtocol.Breakpoint => {
    if (!nodes) return { id: b.id, verified: false, message: 'Resolved when training starts' };
    const matches = nodes.flatMap((n, i) => (n.name === b.name || n.name.replace(/_\d+$/, '') === b.name ? [i] : []));
    const problem = checkBreakpointExpressions(b.condition, b.hitCondition, undefined);
    const verified = matches.length > 0 && !problem;
    if (verified) specs.push({ id: b.id, nodes: matches, condition: b.condition, hitCondition: b.hitCondition });
    const line = matches.length ? nodes[matches[0]].line + 1 : undefined;
    return {
      id: b.id,
      verified,
      line,
      source: line ? new Source(path.basename(program), program) : undefined,
      message: problem ?? (matches.length ? undefined : `No layer named '${b.name}'`),
    };
  });
  return { breakpoints, specs };
}

/** A message for a condition, hit condition or log message that cannot work; undefined when all are fine. */
export function checkBreakpointExpressions(
  condition?: string,
  hitCondition?: string,
  logMessage?: string,
): string | undefined {
  try {
    if (condition) compile(condition);
  } catch (e) {
    return `Condition: ${(e as Error).message}`;
  }
  const hitProblem = hitCondition ? hitConditionProblem(hitCondition) : undefined;
  if (hitProblem) return `Hit count: ${hitProblem}`;
  if (logMessage) {
    for (const m of logMessage.matchAll(/\{([^{}]*)\}/g)) {
      try {
        compile(m[1]);
      } catch (e) {
        return `Log message {${m[1]}}: ${(e as Error).message}`;
      }
    }
  }
  return undefined;
}
