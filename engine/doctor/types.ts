// The training doctor's vocabulary: a rule, the hits it reports while a run goes on, the findings a run ends with, and
// what a doctor is made with.

import type { NetworkSpec } from '../language/spec';
import type { Trainer } from '../runtime/trainer';
import type { HitListener } from './hooks';
import type { StepSeries } from './series';
import type { DoctorThresholds } from './thresholds';
import type { UpdateLog } from './updateLog';

/** Every rule of the catalogue (docs/doctor.md). */
export type RuleId =
  | 'nan'
  | 'exploding'
  | 'vanishing'
  | 'dead-relu'
  | 'saturated'
  | 'symmetric-units'
  | 'update-ratio'
  | 'unchanged-weights'
  | 'all-zero'
  | 'poor-init'
  | 'loss-not-decreasing'
  | 'loss-spike'
  | 'overfitting'
  | 'unscaled-inputs';

/** The line a finding sits on: a layer's statement, or a statement of the `train` block, the loss or the data. */
export type Anchor =
  { readonly kind: 'layer'; readonly node: number } | { readonly kind: 'optimizer' | 'clip' | 'loss' | 'data' };

/**
 * A replacement of text on one line of the .nnet source (0-based line and columns, endCol exclusive). `newText` may
 * hold a line break: a statement inserted after a line is an edit at that line's end starting with "\n".
 */
export interface TextEdit {
  readonly line: number;
  readonly col: number;
  readonly endCol: number;
  readonly newText: string;
}

/** A Quick Fix: a title and the edits that apply it (on distinct lines, any order). */
export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
}

/** The numbers behind a finding: what was measured (its most extreme value), against what, and when. */
export interface Evidence {
  readonly measured: number;
  readonly threshold: number;
  /** The first steps (0-based, at most 5) where it held. */
  readonly steps: readonly number[];
}

/** What a run ends with: one per rule and source line. */
export interface Finding {
  readonly rule: RuleId;
  /** Always a warning: findings are advice about a run, not errors in the file. */
  readonly severity: 'warning';
  /** The layer concerned (the first one, when several layers of a `repeat` share the line), or null. */
  readonly layer: string | null;
  /** Node index of that layer in the flattened network, or -1. */
  readonly node: number;
  /** 0-based line and column of the statement that causes it. */
  readonly line: number;
  readonly column: number;
  readonly firstStep: number;
  readonly lastStep: number;
  /** Steps (or checks, for rules that look once per window or epoch) where it held. */
  readonly count: number;
  readonly evidence: Evidence;
  readonly message: string;
  readonly fixes: readonly Fix[];
}

/** One observation of a rule holding. */
export interface Hit {
  readonly anchor: Anchor;
  /** 0-based optimizer step. */
  readonly step: number;
  readonly measured: number;
  readonly threshold: number;
  /** How far past the threshold (≥ 1): the finding keeps the message and number of its worst hit. */
  readonly excess: number;
  /** Made only for the hit a finding keeps (hits may come every step). */
  readonly message: () => string;
  /** Distinguishes findings of one rule on one line (e.g. update ratio too large vs too small). */
  readonly variant?: string;
}

/** What a rule is handed at each event it asked for. */
export interface RuleContext {
  readonly trainer: Trainer;
  readonly thresholds: DoctorThresholds;
  report(hit: Hit): void;
  /**
   * Folds a hit with these numbers without the Hit, where that changes nothing but its tally's counts (its rule's
   * last hit had the same anchor and variant, and was at least as bad), and nobody listens to each hit: true when
   * it did; else report the hit. For a rule that may hit at every step it looks at (update-ratio on a converged run).
   */
  repeat?(anchor: Anchor, variant: string | undefined, step: number, excess: number): boolean;
}

/**
 * A rule: pure checks over what the trainer measured, fed incrementally. Each hook is optional; a rule that needs
 * more than the trainer keeps asks for it (`needsUpdates`: what the step's update did to each weight matrix).
 * Hooks are called as plain functions (no `this`): a rule keeps its state in its closure.
 */
export interface Rule {
  readonly id: RuleId;
  /** Part of the steps the condition must hold on before it is reported (0: once is enough). */
  readonly persistence?: (t: DoctorThresholds) => number;
  /**
   * What the persistence counts: steps (default); windows of `window` steps; the sampling periods whose update was
   * measured (`sampled`: the first measured step of each, see UpdateLog.firstOfPeriod) or the bursts of consecutive
   * measured steps (`burst`).
   */
  readonly per?: 'step' | 'window' | 'sampled' | 'burst';
  /**
   * Asks for the measured updates (UpdateLog: what measured steps did to each weight matrix, one pass over the
   * weights shared by the rules asking), which `afterUpdates` reads.
   */
  readonly needsUpdates?: boolean;
  /** The nodes whose forward events the rule reads (asked once per run). */
  forwardNodes?(t: Trainer): readonly number[];
  /** Hooks return false when the rule needs no more of that event (unsubscribes it: the run loop stays cheap). */
  afterForward?(ctx: RuleContext, node: number): boolean | void;
  afterClip?(ctx: RuleContext): boolean | void;
  /** After the optimizer step (a rule reading the measured updates reads them in afterUpdates). */
  afterUpdate?(ctx: RuleContext): boolean | void;
  /**
   * The measured updates in entries [from, to) of `log`, in step order (needsUpdates): at a measured step's update
   * event, its own entry, while an exception filter may stop on it; else in batches, as the series hooks below are
   * called and right after them. As for those, a rule reads a step's numbers from the log only, and keeps its own
   * order-dependent state.
   */
  afterUpdates?(ctx: RuleContext, log: UpdateLog, from: number, to: number): boolean | void;
  afterEpoch?(ctx: RuleContext): boolean | void;
  /**
   * The series hooks: the clip (resp. update) events of the recorded steps in slots [from, to) of `series`, in step
   * order. A rule that reads nothing of a step but the numbers the series records looks at them here, and the doctor
   * decides when: at each step's event while an exception filter may stop on it, else in batches (every
   * `series.capacity` steps, before thresholds change, and whenever findings are read). A rule must read the step's
   * numbers from the series only (the trainer has moved on by then) and keep its own order-dependent state, so
   * that both give the same hits. False unsubscribes, as for the other hooks (with nothing left to report).
   */
  clipSeries?(ctx: RuleContext, series: StepSeries, from: number, to: number): boolean | void;
  updateSeries?(ctx: RuleContext, series: StepSeries, from: number, to: number): boolean | void;
  /**
   * Quick Fixes of a finding of this rule: edits of the source (`lines`, when the doctor was given the text).
   * A rule without this hook gets the catalogue's fixes of its id (fixes.ts).
   */
  fixes?(finding: Omit<Finding, 'fixes'>, spec: NetworkSpec, lines: readonly string[] | undefined): Fix[];
  /**
   * A hit held back until `finish` (overfitting reports only when the run ends overfitted), asked after each epoch:
   * what a debug session's exception filter stops on as soon as the condition holds. False: none now or later (the
   * doctor stops asking: a tiny network ends an epoch every few steps).
   */
  pending?(): Hit | null | false;
  /** At the end of the run (or when it stopped): flush partial windows. */
  finish?(ctx: RuleContext): void;
}

/** What a Doctor is made with. */
export interface DoctorOptions {
  readonly thresholds?: Partial<DoctorThresholds>;
  readonly rules?: readonly Rule[];
  readonly source?: string;
  readonly onHit?: HitListener;
  /**
   * Whether the series rules look at the recorded steps in batches (see setDeferred); by default when nobody
   * listens to the hits as they happen (no onHit).
   */
  readonly deferred?: boolean;
  /**
   * Steps recorded before a deferred batch is looked at (the series' capacity; 1,024 by default). Not fewer by
   * default: every batch runs every rule's code, which pushes the step's own out of the instruction cache, so a tiny
   * network's step pays for each batch again after it (N1 under callgrind's cache simulation, 256 against 1,024:
   * 0.8 more first-level instruction cache misses a step, 2.4 more mispredicted branches, and 57 instructions more of
   * V8 compiling between 400k and 1M steps).
   */
  readonly batchSteps?: number;
}
