// Breakpoint conditions that read a dense layer's z, a or x only through max(), min() or any() decided for a past
// step from the extremes the history recorded of it (engine/runtime/historyExtremes.ts), without replaying it: such a
// tensor is answered by the two entries [max, min], on which those three functions give exactly what they give on
// the whole tensor (NaN, ±∞ and the sign of a zero included). Any other use of the name leaves the step undecided.

import type { Expr } from '../engine/expr/ast';
import type { CompiledExpr } from '../engine/expr/evaluate';
import { NotComputedError, type Tensor, type Value } from '../engine/expr/values';
import type { ExtremesTensor, StepExtremes } from '../engine/runtime/historyExtremes';
import type { RecordedSearch } from '../engine/runtime/historySearch';
import type { Trainer } from '../engine/runtime/trainer';
import { RecordScope, recordedSearch } from './recordScope';
import type { StopRules } from './stopRules';

/**
 * Functions whose value on [max, min] is their value on the whole tensor: max and min themselves, and any (some
 * entry is nonzero, or NaN, exactly when the largest or the smallest is). Only with the tensor as their one argument.
 */
const THROUGH_EXTREMES = new Set(['max', 'min', 'any']);

/** A tensor the record answers: node `node`'s `which`, computed by the forward event of node `by`. */
interface Summarized {
  readonly node: number;
  readonly which: ExtremesTensor;
  readonly by: number;
  /** The [max, min] handed to the expression (filled at each read). */
  readonly value: Tensor;
}

/**
 * The paths of `conditions` read anywhere else than as the one argument of max(), min() or any(): those cannot be
 * answered from the extremes.
 */
export function readWhole(conditions: readonly CompiledExpr[]): Set<string> {
  const out = new Set<string>();
  const walk = (e: Expr, inside: boolean): void => {
    switch (e.type) {
      case 'name':
        if (!inside) out.add(e.path);
        return;
      case 'unary':
        return walk(e.operand, false);
      case 'binary':
      case 'logical':
        walk(e.left, false);
        return walk(e.right, false);
      case 'call': {
        const through = THROUGH_EXTREMES.has(e.callee) && e.args.length === 1;
        for (const a of e.args) walk(a, through);
        return;
      }
      case 'index':
        walk(e.target, false);
        for (const p of e.parts) {
          if (p.type !== 'slice') walk(p, false);
          else for (const b of [p.lower, p.upper, p.step]) if (b) walk(b, false);
        }
        return;
      default:
        return;
    }
  };
  for (const c of conditions) walk(c.ast, false);
  return out;
}

/**
 * RecordScope that also answers the tensors the history's extremes hold, read only through max(), min() or any() in
 * every condition: at a forward event before the node that computes one it throws NotComputedError as the live scope
 * does; at a step the record does not hold it leaves the evaluation undecided.
 */
export class SummaryScope extends RecordScope {
  private readonly summarized = new Map<string, Summarized>();

  constructor(
    t: Trainer,
    private readonly extremes: StepExtremes,
    conditions: readonly CompiledExpr[],
  ) {
    super(t);
    if (!extremes.enabled) return;
    const whole = readWhole(conditions),
      nodes = t.model.nodes;
    const add = (path: string, node: number, which: ExtremesTensor, by: number) => {
      if (!whole.has(path))
        this.summarized.set(path, { node, which, by, value: { shape: [2], data: new Float32Array(2) } });
    };
    nodes.forEach((n, i) => {
      add(`${n.name}.z`, i, 'z', i);
      add(`${n.name}.a`, i, 'a', i);
      // The input of node i > 0 is node i − 1's output, the same buffer (node 0's is the batch, not recorded).
      if (i > 0) add(`${n.name}.x`, i - 1, 'a', i - 1);
    });
    add('yhat', nodes.length - 1, 'a', nodes.length - 1);
  }

  override lookup(name: string): Value {
    const s = this.summarized.get(name);
    if (!s) return super.lookup(name);
    if (this.phase === 'forward' && this.layer < s.by)
      throw new NotComputedError(`${name} is not computed yet at this forward event`);
    const o = this.extremes.offset(this.step!.step, s.node, s.which);
    if (o < 0) return super.lookup(name); // not recorded: undecided
    const d = this.extremes.data,
      v = s.value.data;
    v[0] = d[o];
    v[1] = d[o + 1];
    return s.value;
  }
}

/**
 * The search History.searchBack decides recorded steps with (recordedSearch), its conditions reading the history's
 * extremes too where they can.
 */
export function summarySearch(t: Trainer, rules: StopRules, extremes: StepExtremes): RecordedSearch {
  return recordedSearch(t, rules, new SummaryScope(t, extremes, rules.conditions));
}
