// Decides, after each event, whether the debugger stops: line and function breakpoints (phases, conditions, hit
// counts), logpoints, and the exception filters checked per batch (NaN/Inf, exploding, vanishing, dead ReLU); the
// doctor's other filters are decided by its rules (doctorStops.ts).

import { compile, evaluateCondition, type CompiledExpr } from '../engine/expr/evaluate';
import { compileTemplate, renderTemplate, type Template } from '../engine/expr/interpolate';
import { NotComputedError, type ExprScope } from '../engine/expr/values';
import { deadFraction, isDyingLayer, vanishes } from '../engine/doctor/measures';
import { VANISHING_FLOOR } from '../engine/doctor/thresholds';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import { exceptionHitAfter, vanishesAt, type ExceptionHit } from './exceptionHits';
import { parseHitCondition } from './hitCondition';
import type { BreakpointSpec, ExceptionFilter, ExceptionFilterId } from './protocol';
import { StepConstantScope, StepOnlyScope } from './stepConstant';
import { falseUntil } from './stepRange';

/** What checkExceptions answers (made in exceptionHits.ts), as the run loop and its messages read it. */
export type { ExceptionHit };

interface CompiledBreakpoint {
  readonly spec: BreakpointSpec;
  readonly condition: CompiledExpr | null;
  readonly hit: ((count: number) => boolean) | null;
  readonly log: Template | null;
  hits: number;
  /**
   * The steps at whose events the condition is known false, from `falseFrom` up to `falseUntil` (exclusive; see
   * stepConstant.ts and stepRange.ts), or none (both -1).
   */
  falseFrom: number;
  falseUntil: number;
}

/** Bits of `StopRules.watches`: a breakpoint may fire after the event; an exception filter may. */
export const WATCH_BREAKPOINTS = 1;
export const WATCH_FILTERS = 2;

/** What the rules say about one event. */
export interface Verdict {
  readonly stop: boolean;
  readonly ids: readonly number[];
  /** Logpoint messages to print. */
  readonly logs: readonly string[];
  /** Conditions that failed to evaluate, to report once. */
  readonly errors: readonly string[];
}

/** The breakpoints and exception filters of one run. */
export class StopRules {
  private byNode = new Map<number, CompiledBreakpoint[]>();
  private filters = new Map<ExceptionFilterId, number>();
  /** The vanishing filter's absolute floor of mean |∂L/∂W|. */
  private floor = VANISHING_FLOOR;
  /** Per node: 1 when something may fire after its forward (backward) event; all that runs for most events. */
  private watchForward = new Uint8Array(0);
  /** byNode as an array, for the per-event lookup. */
  private bpsOf: (CompiledBreakpoint[] | undefined)[] = [];
  private watchBackward = new Uint8Array(0);
  private watchClip = false;
  /** Until the network is known, the dead-ReLU filter looks at every forward event (checkExceptions knows which nodes are ReLU). */
  private watchEveryForward = false;
  /** Nodes the dead-ReLU filter applies to, once the network is known. */
  private reluNodes: number[] | null = null;
  /** The run's scope as conditions read it, noting reads of names that change within a step. */
  private tracked: StepConstantScope | null = null;
  /** Nodes in the network (a breakpoint on nodes it does not have never fires); unbounded until it is known. */
  private nodeCount = Number.MAX_SAFE_INTEGER;
  /** Each breakpoint on a node of the network once: what `quietStep` evaluates. */
  private watching: CompiledBreakpoint[] = [];
  /** The thresholds of the filters `stepHit` checks (undefined: off), read once per step without a map lookup. */
  private exploding: number | undefined;
  private vanishing: number | undefined;
  private dead: number | undefined;
  /** The scope `quietStep` evaluates conditions in. */
  private readonly stepOnly = new StepOnlyScope();
  /**
   * The nodes with weights, in order, when the network told their sizes (else null: `vanishes` reads the nodes). The
   * vanishing check reads only these, without the per-step walk over nodes of many kinds (~25 ns a step on N1).
   */
  private weighted: Int32Array | null = null;
  /** Whether some breakpoint is on a node of the network (quietStep then has something to decide). */
  private anyWatching = false;
  /** Whether a filter that stepHit decides is on. */
  private anyStepFilter = false;

  /** The compiled condition of every breakpoint (Reverse Continue's search looks at how they read tensors). */
  get conditions(): CompiledExpr[] {
    return [...this.byNode.values()].flat().flatMap((bp) => (bp.condition ? [bp.condition] : []));
  }

  /** Replaces all breakpoints. Malformed conditions are skipped here: the host verifies them before sending. */
  setBreakpoints(specs: readonly BreakpointSpec[]): void {
    const old = new Map([...this.byNode.values()].flat().map((b) => [b.spec.id, b.hits]));
    this.byNode.clear();
    for (const spec of specs) {
      let condition: CompiledExpr | null = null,
        log: Template | null = null;
      try {
        if (spec.condition) condition = compile(spec.condition);
        if (spec.logMessage) log = compileTemplate(spec.logMessage);
      } catch {
        continue;
      }
      const hit = spec.hitCondition ? parseHitCondition(spec.hitCondition) : null;
      if (spec.hitCondition && !hit) continue; // never "no hit condition": the host refuses these before sending
      const bp: CompiledBreakpoint = {
        spec,
        condition,
        log,
        hit,
        hits: old.get(spec.id) ?? 0,
        falseFrom: -1,
        falseUntil: -1,
      };
      for (const n of spec.nodes) this.byNode.set(n, [...(this.byNode.get(n) ?? []), bp]);
    }
    this.updateWatches();
  }

  setExceptionFilters(filters: readonly ExceptionFilter[]): void {
    this.filters = new Map(filters.map((f) => [f.id, f.threshold]));
    this.exploding = this.filters.get('exploding');
    this.vanishing = this.filters.get('vanishing');
    this.dead = this.filters.get('deadRelu');
    this.floor = filters.find((f) => f.id === 'vanishing')?.floor ?? VANISHING_FLOOR;
    this.updateWatches();
  }

  /** Tells the rules which nodes apply an activation that can die, so the dead-ReLU filter watches only those. */
  setNetwork(nodes: readonly { readonly kind: string; readonly activation?: string; readonly wSize?: number }[]): void {
    this.reluNodes = nodes.flatMap((n, i) => (isDyingLayer(n) ? [i] : []));
    this.weighted = nodes.every((n) => n.wSize !== undefined)
      ? Int32Array.from(nodes.flatMap((n, i) => (n.wSize ? [i] : [])))
      : null;
    this.nodeCount = nodes.length;
    this.updateWatches();
  }

  /**
   * What may fire after this event: WATCH_BREAKPOINTS and/or WATCH_FILTERS bits, 0 for nothing (the run loop then
   * checks nothing else: this runs after every event).
   */
  watches(ev: TrainerEvent): number {
    switch (ev.phase) {
      case 'forward':
        return this.watchEveryForward ? this.watchForward[ev.layer] | WATCH_FILTERS : this.watchForward[ev.layer] | 0;
      case 'backward':
        return this.watchBackward[ev.layer] | 0;
      case 'clip':
        return this.watchClip ? WATCH_FILTERS : 0;
      default:
        return 0;
    }
  }

  private updateWatches(): void {
    const dead = this.filters.has('deadRelu');
    const nodes = Math.max(0, ...this.byNode.keys(), ...(this.reluNodes ?? [])) + 1;
    this.watchForward = new Uint8Array(nodes);
    if (dead && this.reluNodes) for (const n of this.reluNodes) this.watchForward[n] = WATCH_FILTERS;
    this.watchBackward = new Uint8Array(nodes);
    this.bpsOf = Array.from({ length: nodes }, (_, n) => this.byNode.get(n));
    for (const [n, bps] of this.byNode) {
      if (bps.some((b) => !b.spec.phases || b.spec.phases.includes('forward')))
        this.watchForward[n] |= WATCH_BREAKPOINTS;
      if (bps.some((b) => !b.spec.phases || b.spec.phases.includes('backward')))
        this.watchBackward[n] |= WATCH_BREAKPOINTS;
    }
    this.watchClip = this.filters.has('exploding') || this.filters.has('vanishing');
    this.watchEveryForward = dead && !this.reluNodes;
    const watching = new Set<CompiledBreakpoint>();
    for (const [n, bps] of this.byNode) if (n < this.nodeCount) for (const b of bps) watching.add(b);
    this.watching = [...watching];
    this.anyWatching = this.watching.length > 0;
    this.anyStepFilter =
      this.exploding !== undefined || this.vanishing !== undefined || (this.dead !== undefined && !!this.reluNodes);
  }

  /**
   * What a run loop taking whole steps must ask of each one, decided once per time slice: `bps` when quietStep has a
   * breakpoint to decide (else it is true), `filters` when stepHit has a filter to check (else it is false).
   */
  get stepChecks(): { readonly bps: boolean; readonly filters: boolean } {
    return { bps: this.anyWatching, filters: this.anyStepFilter };
  }

  /**
   * True if no breakpoint can fire at any event of the step `step` (0-based, in `epoch`): each one on a node of the
   * network has a condition that comes out false reading only names that keep their value through the step
   * (stepConstant.ts), so it is false at every event the breakpoint watches, and counts no hit. Lets the run loop
   * take the whole step at once; a condition that reads anything else keeps the step's events (which evaluate it).
   */
  quietStep(step: number, epoch: number): boolean {
    return this.quietUntil(step, epoch) > step;
  }

  /**
   * The first step from `step` on (0-based, in `epoch`) that may not be quiet (see quietStep): `step` itself when it
   * may not be, Infinity when no later step can be either. The steps from `step` up to it are all quiet, so a run
   * loop asks again only there: a condition such as `step < 0 && norm(x) > 0` is then decided once for the whole run.
   */
  quietUntil(step: number, epoch: number): number {
    const bps = this.watching,
      scope = this.stepOnly;
    let until = Infinity;
    for (let k = 0; k < bps.length; k++) {
      const bp = bps[k];
      if (!bp.condition) return step;
      if (step < bp.falseFrom || step >= bp.falseUntil) {
        scope.step = step;
        scope.epoch = epoch;
        try {
          if (evaluateCondition(bp.condition, scope)) return step;
        } catch {
          return step; // it read another name, or failed: the step's events evaluate (and report) it
        }
        bp.falseFrom = step;
        bp.falseUntil = falseUntil(bp.condition.ast, step, epoch);
      }
      if (bp.falseUntil < until) until = bp.falseUntil;
    }
    return until;
  }

  /**
   * True if the exception filters can be decided after a whole step from what it leaves (`stepHit`): the filters of
   * the clip event read gradient statistics and the clip, which the update leaves alone; the dead-ReLU filter reads
   * activations, which only a step of one micro-batch leaves as its forward pass made them.
   */
  stepCheckable(microBatches: number): boolean {
    if (!this.filters.has('deadRelu')) return true;
    return this.reluNodes !== null && (microBatches === 1 || this.reluNodes.length === 0);
  }

  /**
   * After a whole step (see stepCheckable): true if an exception filter may have fired at one of its events. It may
   * say true where the events would not stop (the run loop then takes the step again event by event), never false
   * where they would.
   */
  stepHit(t: Trainer): boolean {
    const big = this.exploding,
      small = this.vanishing,
      dead = this.dead;
    if (big !== undefined && t.clip.normBefore > big) return true;
    if (small !== undefined) {
      const w = this.weighted;
      if (w ? vanishesAt(w, t.meanAbsGrad, t.gradNorm, small, this.floor) : vanishes(t, small, this.floor)) return true;
    }
    if (dead === undefined || !this.reluNodes) return false;
    const m = t.model;
    for (const i of this.reluNodes)
      if (deadFraction(m.acts[i + 1], t.batchSize, m.nodes[i].outWidth) > dead) return true;
    return false;
  }

  /** True if the filter is enabled. */
  has(filter: ExceptionFilterId): boolean {
    return this.filters.has(filter);
  }

  /**
   * True if any breakpoint or filter could fire after an event (lets the run loop skip all checks when none is
   * set). The NaN filter is not counted: the trainer throws on a non-finite value, and the run loop stops then.
   */
  get active(): boolean {
    return (
      this.watchClip ||
      this.watchEveryForward ||
      this.watchForward.some((w) => w !== 0) ||
      this.watchBackward.some((w) => w !== 0)
    );
  }

  /**
   * False if `check(…, count = false)` cannot say stop at any event, whatever the event and the values it reads: no
   * breakpoint on a node of the network watches a forward or backward pass, except logpoints (which never stop) and
   * breakpoints whose hit condition fails at their count (which a check that does not count leaves as it is). Reverse
   * Continue then knows, without replaying the history, that its search would find nothing. Exception filters play
   * no part: reverse continue searches for breakpoints only.
   */
  get mayStopOnReplay(): boolean {
    for (const bp of this.watching) {
      if (bp.log || (bp.hit && !bp.hit(bp.hits))) continue;
      const phases = bp.spec.phases;
      if (!phases || phases.includes('forward') || phases.includes('backward')) return true;
    }
    return false;
  }

  /**
   * Applies the breakpoints of the event's node. `count` false evaluates without counting hits or logging
   * (reverse continue replays history with it).
   */
  check(ev: TrainerEvent, scope: () => ExprScope, count = true): Verdict {
    if (ev.phase !== 'forward' && ev.phase !== 'backward') return NO;
    const bps = this.bpsOf[ev.layer];
    if (!bps) return NO;
    // Allocated only when a breakpoint fires, logs or fails: this runs after every layer event.
    let ids: number[] | null = null,
      logs: string[] | null = null,
      errors: string[] | null = null;
    let stop = false;
    for (let k = 0; k < bps.length; k++) {
      const bp = bps[k];
      if (bp.spec.phases && !bp.spec.phases.includes(ev.phase)) continue;
      if (bp.condition) {
        if (ev.step >= bp.falseFrom && ev.step < bp.falseUntil) continue;
        try {
          const base = scope();
          if (this.tracked?.base !== base) this.tracked = new StepConstantScope(base);
          const tracked = this.tracked;
          tracked.readVariant = false;
          if (!evaluateCondition(bp.condition, tracked)) {
            // This step's other events skip it (quietUntil, before whole steps, looks further ahead).
            if (!tracked.readVariant) {
              bp.falseFrom = ev.step;
              bp.falseUntil = ev.step + 1;
            }
            continue;
          }
        } catch (e) {
          // A condition on a value this step has not computed yet (`loss` on the forward pass) is simply false.
          if (!(e instanceof NotComputedError))
            (errors ??= []).push(`breakpoint condition '${bp.spec.condition}': ${(e as Error).message}`);
          continue;
        }
      }
      if (count) bp.hits++;
      if (bp.hit && !bp.hit(bp.hits)) continue;
      if (bp.log) {
        if (count) (logs ??= []).push(renderTemplate(bp.log, scope()));
        continue;
      }
      stop = true;
      (ids ??= []).push(bp.spec.id);
    }
    return ids || logs || errors ? { stop, ids: ids ?? [], logs: logs ?? [], errors: errors ?? [] } : NO;
  }

  /**
   * What `check(ev, …, false).stop` says at a forward or backward event of node `layer` (a replay's search asks it),
   * with the conditions read in `scope` instead (RecordScope: a past step's recorded scalars): true, false, or
   * undefined when a condition read what `scope` cannot answer (it sets `undecided`) and no other breakpoint stops.
   */
  stopsAt(
    phase: 'forward' | 'backward',
    layer: number,
    scope: ExprScope & { undecided: boolean },
  ): boolean | undefined {
    const bps = this.bpsOf[layer];
    if (!bps) return false;
    let undecided = false;
    for (let k = 0; k < bps.length; k++) {
      const bp = bps[k];
      if (bp.spec.phases && !bp.spec.phases.includes(phase)) continue;
      // As check does without counting: a logpoint never stops, nor a breakpoint whose hit condition fails its count.
      if (bp.log || (bp.hit && !bp.hit(bp.hits))) continue;
      if (bp.condition) {
        scope.undecided = false;
        let holds: boolean;
        try {
          holds = evaluateCondition(bp.condition, scope);
        } catch {
          holds = false; // as check: a condition that throws does not stop
        }
        if (scope.undecided) undecided = true;
        if (scope.undecided || !holds) continue;
      }
      return true;
    }
    return undecided ? undefined : false;
  }

  /** True if a verdict asks for nothing (no stop, log or error): the common case, checked without looking inside. */
  static quiet(v: Verdict): boolean {
    return v === NO;
  }

  /** Checks the exception filters that apply after this event. */
  checkExceptions(t: Trainer, ev: TrainerEvent): ExceptionHit | null {
    return exceptionHitAfter(t, ev, this.filters, this.floor);
  }
}

const NO: Verdict = { stop: false, ids: [], logs: [], errors: [] };
