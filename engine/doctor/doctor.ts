// The training doctor: an observer fed every event of a run, handing the events each rule asked for to that rule
// and folding the rules' hits into findings, one per rule and source line.

import type { NetworkSpec } from '../language/spec';
import { NonFiniteError, type Trainer, type TrainerEvent } from '../runtime/trainer';
import { RULES } from './rules';
import { DEFAULT_THRESHOLDS, type DoctorThresholds } from './thresholds';
import type { Anchor, Finding, Hit, Rule, RuleContext, RuleId } from './types';

/** The hits of one rule on one line, folded as they arrive. */
interface Tally {
  readonly rule: Rule;
  node: number;
  readonly line: number;
  readonly column: number;
  firstStep: number;
  lastStep: number;
  count: number;
  worst: Hit;
  readonly steps: number[];
}

/** Where an anchor sits in the source: 0-based line and column. */
export function anchorPosition(
  spec: NetworkSpec,
  t: Trainer,
  a: Anchor,
  source?: string,
): { line: number; column: number; node: number } {
  if (a.kind === 'layer') {
    const n = t.model.nodes[a.node];
    // A residual block's end node sits on its `end` line; the spec's range is the block's statement.
    const col = n.line === n.spec.range.line ? n.spec.range.col : indentOf(source, n.line);
    return { line: n.line, column: col, node: a.node };
  }
  const line =
    a.kind === 'loss'
      ? spec.lossRange.line
      : a.kind === 'data'
        ? spec.data.range.line
        : a.kind === 'clip' && spec.train.clipLine >= 0
          ? spec.train.clipLine
          : spec.train.optimizerLine >= 0
            ? spec.train.optimizerLine
            : spec.lossRange.line; // no optimizer line: the defaults apply, and the loss line is the nearest statement
  return { line, column: line === spec.lossRange.line ? spec.lossRange.col : indentOf(source, line), node: -1 };
}

function indentOf(source: string | undefined, line: number): number {
  const text = source?.split('\n')[line];
  return text ? text.length - text.trimStart().length : 0;
}

/** Watches one trainer's run and says what went wrong and where. */
export class Doctor {
  readonly thresholds: DoctorThresholds;
  private readonly tallies = new Map<string, Tally>();
  /** Per node: the rules that read its forward events. */
  private readonly forward: Rule[][];
  private readonly previous: Float32Array | null;
  private epochs: number;
  private ctxOf = new Map<Rule, RuleContext>();
  /** Optimizer steps observed. */
  steps = 0;
  private finished = false;

  constructor(
    readonly trainer: Trainer,
    options: {
      readonly thresholds?: Partial<DoctorThresholds>;
      readonly rules?: readonly Rule[];
      readonly source?: string;
    } = {},
  ) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
    const rules = options.rules ?? RULES.map((make) => make());
    this.source = options.source;
    this.forward = trainer.model.nodes.map(() => []);
    for (const r of rules) {
      for (const i of r.forwardNodes?.(trainer) ?? []) this.forward[i].push(r);
      this.ctxOf.set(r, { trainer, thresholds: this.thresholds, report: (h) => this.record(r, h) });
    }
    this.rules = rules;
    this.previous = rules.some((r) => r.needsPreviousParams) ? new Float32Array(trainer.model.params.length) : null;
    this.epochs = trainer.epochs.length;
  }

  private readonly rules: readonly Rule[];
  private readonly source: string | undefined;

  /** Feeds the event the trainer has just performed. */
  observe(ev: TrainerEvent): void {
    switch (ev.phase) {
      case 'forward': {
        const rs = this.forward[ev.layer];
        for (let k = 0; k < rs.length; k++) rs[k].afterForward!(this.ctxOf.get(rs[k])!, ev.layer);
        return;
      }
      case 'clip':
        for (const r of this.rules) r.afterClip?.(this.ctxOf.get(r)!);
        // The parameters before the update, for the rules that compare them with the ones after.
        if (this.previous) this.previous.set(this.trainer.model.params);
        return;
      case 'update':
        this.steps++;
        for (const r of this.rules) r.afterUpdate?.(this.ctxOf.get(r)!, r.needsPreviousParams ? this.previous : null);
        if (this.trainer.epochs.length !== this.epochs) {
          this.epochs = this.trainer.epochs.length;
          for (const r of this.rules) r.afterEpoch?.(this.ctxOf.get(r)!);
        }
        return;
      case 'loss':
      case 'backward':
        return;
    }
  }

  /** Records a non-finite value that stopped the run, as a `nan` finding on the layer where it appeared. */
  observeError(e: NonFiniteError): void {
    const rule = this.rules.find((r) => r.id === 'nan') ?? { id: 'nan' as const };
    this.record(rule, {
      anchor: { kind: 'layer', node: Math.max(0, Math.min(e.layer, this.trainer.model.nodes.length - 1)) },
      step: e.step,
      measured: NaN,
      threshold: 0,
      excess: 1,
      message: `non-finite value: ${e.message}`,
    });
  }

  /** The findings so far, in source order; ends partial windows once. */
  findings(): Finding[] {
    if (!this.finished) {
      this.finished = true;
      for (const r of this.rules) r.finish?.(this.ctxOf.get(r)!);
    }
    const out: Finding[] = [];
    for (const t of this.tallies.values()) {
      const share = t.rule.persistence?.(this.thresholds) ?? 0;
      const chances = t.rule.per === 'window' ? Math.ceil(this.steps / this.thresholds.window) : this.steps;
      if (share > 0 && t.count <= share * Math.max(1, chances)) continue;
      const h = t.worst;
      out.push({
        rule: t.rule.id,
        severity: 'warning',
        layer: t.node >= 0 ? this.trainer.model.nodes[t.node].name : null,
        node: t.node,
        line: t.line,
        column: t.column,
        firstStep: t.firstStep,
        lastStep: t.lastStep,
        count: t.count,
        evidence: { measured: h.measured, threshold: h.threshold, steps: t.steps },
        message: h.message,
        fixes: [],
      });
    }
    return out.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  }

  private record(rule: Rule, h: Hit): void {
    const pos = anchorPosition(this.trainer.spec, this.trainer, h.anchor, this.source);
    const key = `${rule.id}:${pos.line}:${h.variant ?? ''}`;
    const t = this.tallies.get(key);
    if (!t) {
      this.tallies.set(key, {
        rule,
        node: h.anchor.kind === 'layer' ? h.anchor.node : -1,
        line: pos.line,
        column: pos.column,
        firstStep: h.step,
        lastStep: h.step,
        count: 1,
        worst: h,
        steps: [h.step],
      });
      return;
    }
    if (h.excess > t.worst.excess) {
      t.worst = h;
      if (h.anchor.kind === 'layer') t.node = h.anchor.node; // the layer the message names
    }
    // Several layers of one line (a `repeat`) hitting in one step count once.
    if (h.step === t.lastStep && t.count > 0) return;
    t.lastStep = h.step;
    t.count++;
    if (t.steps.length < 5) t.steps.push(h.step);
  }
}

/** The rule ids, for documentation and tests. */
export type { RuleId };
