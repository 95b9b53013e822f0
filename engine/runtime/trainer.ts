// The resumable training stepper: advances one event at a time (forward of each node, loss, backward of each
// node — once per micro-batch — then clip and update) so a debugger can stop between any two events, and reports
// everything it needs. Knows nothing of VS Code or DAP. Same spec → bit-identical run.

import type { NetworkSpec } from '../language/spec';
import { clipToNorm } from '../nn/clip';
import { nodeOps } from '../nn/layers';
import { Model } from '../nn/model';
import { acquireDenseThreads, defaultDenseThreads } from '../nn/denseThreads';
import { createOptimizer, type Optimizer } from '../nn/optimizers';
import { compileFastStep, type FastStep } from '../nn/fastStep';
import type { StepRecorder } from '../nn/stepRecorder';
import type { FloatArray } from '../nn/tensor';
import { Prng } from '../nn/prng';
import { learningRateAt } from '../nn/schedules';
import { EpochLog } from './epochLog';
import { applyWeights } from '../io/weights';
import { countCorrect } from './batchMath';
import { Evaluator } from './evaluator';
import { clipEvent, lossEvent, nonFiniteGradients, nonFiniteLoss, type GradientStatistics } from './stepEvents';
import { forget, StepBufferSets } from './heldBuffers';
import {
  type ClipState,
  type GradStats,
  type TrainerEvent,
  type TrainerOptions,
  type TrainerState,
} from './trainerTypes';
import { validateSpec } from './validateSpec';
import { StepTrace } from './stepTrace';

export * from './trainerTypes';
export { SpecError, validateSpec } from './validateSpec';

/** The trainer's scalar fields that a saved state copies as they are (counters, losses, learning rates, the clip). */
const SCALARS = [
  'eventIndex',
  'pos',
  'step',
  'epoch',
  'batchSize',
  'loss',
  'previousLoss',
  'lr',
  'baseLr',
  'clip',
  'microInEpoch',
  'microThisStep',
  'epochLossSum',
  'epochCorrect',
  'epochSeen',
  'stepLossSum',
] as const;
type Scalar = (typeof SCALARS)[number];

/** How `advance` may take an event from the buffers instead of computing it (see `advance`). */
export type Reuse = boolean | 'step';

/** Trains a checked network spec, one event at a time. */
export class Trainer {
  readonly model: Model;
  readonly optimizer: Optimizer;
  /** Rows of the training set and of the validation set. */
  readonly trainRows: Int32Array;
  readonly valRows: Int32Array;
  readonly microBatchesPerEpoch: number;
  readonly stepsPerEpoch: number;
  /** Events of a full step (k micro-batches). */
  readonly eventsPerStep: number;
  /** Targets of the current micro-batch, [B, outputs]. */
  readonly yBatch: Float32Array;
  readonly outputs: number;
  /** Whether the loss is fused with the output activation (sigmoid+bce, softmax+cross_entropy). */
  readonly fusedOutput: boolean;
  readonly rng: Prng;
  private readonly xAll: Float32Array;
  /** Evaluation-mode passes over this model's parameters (validation loss, predictions). */
  private readonly evaluator: Evaluator;
  /** Generated whole steps per batch size (see advanceStep); null for a network that cannot have one. */
  private fastSteps: Map<number, FastStep | null> | null;
  /** Where the generated steps also write their numbers (see recordInto), or null. */
  private recorder: StepRecorder | null = null;
  private readonly yAll: Float32Array;
  /** Position within the current step's events. */
  private pos = 0;
  private microInEpoch = 0;
  private microThisStep = 1;
  private epochLossSum = 0;
  private epochCorrect = 0;
  private epochSeen = 0;
  private stepLossSum = 0;
  /** Events performed since the start (the index of the next event). */
  eventIndex = 0;
  /** Completed optimizer steps. */
  step = 0;
  epoch = 0;
  /** Samples in the current micro-batch. */
  batchSize = 0;
  /** Loss of the current micro-batch (NaN before its loss event). */
  loss = NaN;
  /** Mean loss of the previous optimizer step's micro-batches (NaN before the first step has finished). */
  previousLoss = NaN;
  /** Learning rate used by the latest update. */
  lr: number;
  /** The schedule's base learning rate: the optimizer's lr, changeable while paused (Set Value). */
  baseLr: number;
  clip: ClipState = { normBefore: NaN, normAfter: NaN, coefficient: 1, clippedValues: 0 };
  /** Metrics of the completed epochs, in bounded memory (the newest exactly, the whole run as a thinned loss curve). */
  readonly epochs = new EpochLog();
  /** Each step's loss and gradient norms since the progress message last took them (runProgress.ts). */
  readonly stepTrace = new StepTrace();
  /** Mean/max |∂L/∂W| per weighted node, measured before clipping at each step, [nodes]. */
  readonly meanAbsGrad: Float64Array;
  readonly maxAbsGrad: Float64Array;
  /** ‖∂L/∂W‖ per weighted node of the latest step, before clipping, [nodes]; NaN before the first clip event. */
  readonly gradNorm: Float64Array;
  /** The three above, as the clip event and the generated steps write them. */
  private readonly gradStatistics: GradientStatistics;

  /** Stops this trainer's use of the helper thread (a no-op after the first call, or with one thread). */
  private releaseThreads: () => void = () => {};
  /** What the model's step buffers hold, and the second set keepPreviousStep keeps (see `advance(reuse)`). */
  private readonly sets: StepBufferSets;
  /**
   * True while a replay passes over a step's backward events with the gradients of the whole backward pass already
   * in place (advance 'step'): the gradients of the nodes it has not reached yet are not zero until its end.
   */
  private ahead = false;
  /** True while a restored step start has left the gradients of its whole backward pass in place (restoreState). */
  private gradsLeft = false;
  /**
   * True from the zeroing at a step start while nothing but the step's events has touched the gradients: the first
   * micro-batch's backward events may then write them instead of adding to zeros (`fresh`, the same bits), and
   * skip placing those zeros where their kernels add. A Set Value (forgetBuffers) or a restore clears it.
   */
  private gradsZero = false;
  /**
   * Nodes 0…staleNodes−1 still hold the previous step's gradients where the events would show zeros: a step start
   * passed unwatched (see `advance`) leaves them for the first micro-batch's backward events to write (each lowers
   * this past its node), or for settleUnwatched to zero.
   */
  private staleNodes = 0;
  /** Whether every gradient is a dense node's W or b, which its backward event writes whole (see staleNodes). */
  private readonly lazyZeroable: boolean;
  /** Whether a forward event may be taken from the buffers at all: it draws nothing and carries no state. */
  private readonly forwardReusable: boolean;

  /** @throws SpecError when the spec cannot be trained (see validateSpec). */
  constructor(
    readonly spec: NetworkSpec,
    options: TrainerOptions = {},
  ) {
    validateSpec(spec);
    const t = spec.train,
      n = spec.data.x.length;
    this.outputs = spec.data.y[0]?.length ?? 0;
    // With a helper thread, params, grads and SGD's step in shared memory: it updates its share of large buffers.
    const threads = (options.threads ?? defaultDenseThreads()) >= 2;
    this.model = new Model(spec.inputSize, spec.layers, t.batch, Float32Array, undefined, threads);
    this.rng = new Prng(t.seed);
    this.model.initialize(this.rng);
    // Trained weights replace the initial values after the seed drew them, so dropout and shuffling draw as without.
    if (spec.weights) applyWeights(this.model, spec.weights);
    this.optimizer = createOptimizer(t.optimizer, this.model.params.length, threads);
    this.lr = this.baseLr = t.optimizer.lr;
    this.fusedOutput = this.model.fusesWith(spec.loss);
    this.xAll = Float32Array.from(spec.data.x.flat());
    this.yAll = Float32Array.from(spec.data.y.flat());
    this.evaluator = new Evaluator(spec, this.model, this.xAll, this.yAll, this.outputs, this.fusedOutput, this.rng);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const nVal = Math.floor(n * t.validation);
    if (nVal > 0) this.rng.shuffle(all);
    this.valRows = all.slice(n - nVal);
    this.trainRows = all.slice(0, n - nVal);
    this.microBatchesPerEpoch = Math.ceil(this.trainRows.length / t.batch);
    this.stepsPerEpoch = Math.ceil(this.microBatchesPerEpoch / t.accumulate);
    this.eventsPerStep = t.accumulate * (2 * this.model.nodes.length + 1) + 2;
    this.sets = new StepBufferSets(this.model, this.eventsPerStep);
    this.yBatch = new Float32Array(t.batch * this.outputs);
    this.meanAbsGrad = new Float64Array(this.model.nodes.length);
    this.maxAbsGrad = new Float64Array(this.model.nodes.length);
    this.gradNorm = new Float64Array(this.model.nodes.length).fill(NaN); // NaN until the first backward pass is measured
    this.gradStatistics = { meanAbs: this.meanAbsGrad, maxAbs: this.maxAbsGrad, norm: this.gradNorm };
    if (t.shuffle) this.rng.shuffle(this.trainRows);
    // Whole generated steps take one micro-batch per step, and clip by norm or not at all.
    this.fastSteps = t.accumulate === 1 && t.clip?.kind !== 'value' ? new Map() : null;
    this.forwardReusable = this.model.nodes.every((n, i) => !nodeOps(n.kind).draws && !this.model.carriedState(i));
    const nodes = this.model.nodes;
    this.lazyZeroable =
      nodes.every((n) => n.kind === 'dense') &&
      nodes.reduce((sum, n) => sum + n.wSize + n.outWidth, 0) === this.model.params.length;
    this.startStep();
    if (threads) this.releaseThreads = acquireDenseThreads();
  }

  /**
   * Lets go of what outlives a call: the helper thread, if this trainer was its last user. The trainer stays
   * usable (its products then run on one thread, with the same results). Training to the end does the same.
   */
  dispose(): void {
    this.releaseThreads();
  }

  /** True when every epoch has been trained. */
  get finished(): boolean {
    return this.epoch >= this.spec.train.epochs;
  }

  /** Total optimizer steps of the whole run. */
  get totalSteps(): number {
    return this.stepsPerEpoch * this.spec.train.epochs;
  }

  /** The event that `advance()` will perform next (null when finished). */
  peek(): TrainerEvent | null {
    return this.finished ? null : this.eventAt(this.pos);
  }

  /**
   * Performs the next event and returns it; returns null when training is finished. Throws NonFiniteError.
   * `reuse` (for replays): a forward event whose outputs the buffers already hold for this very step (it was
   * performed before from the same state, see StepBufferSets) is not computed again; everything else it does is done.
   * `'step'` also takes the backward events from the buffers when they hold the whole step with its gradients as
   * its backward pass left them (gradsFinal): only for a replay that goes at least to the step's last backward
   * event, since until then the gradients of the nodes not reached yet are not the zeros they would be.
   * `unwatched` (the run loop, where nothing stops inside the step): at a step start of a network of dense layers,
   * the gradients are not zeroed (8 MB for N5: ~1 ms in shared memory), since its backward events write them
   * whole; until they have, whoever reads all of them or edits one (a stop, an edit made again) calls
   * settleUnwatched first (the views and conditions read only gradients computed already, see EventState).
   * saveState and restoreState see to it themselves.
   */
  advance(reuse: Reuse = false, unwatched = false): TrainerEvent | null {
    if (this.finished) {
      this.releaseThreads();
      return null;
    }
    const ev = this.eventAt(this.pos);
    const start = this.eventIndex - this.pos;
    if (this.pos === 0) this.beginStep(start, reuse === 'step', unwatched && reuse === false);
    const sets = this.sets;
    switch (ev.phase) {
      case 'forward':
        if (ev.layer === 0) this.loadMicroBatch(ev.micro);
        if (!(reuse && sets.holds(start, this.pos)))
          this.model.forwardNode(ev.layer, this.batchSize, 'train', this.rng);
        break;
      case 'loss':
        this.computeLoss();
        break;
      case 'backward':
        if (this.ahead) {
          if (reuse === 'step' && sets.holds(start, this.pos)) break;
          // Accumulating onto the whole pass's gradients would count them twice (an edit made again mid-step).
          throw new Error('internal error: a backward event computed over gradients it has already added');
        }
        this.model.backwardNode(ev.layer, this.batchSize, this.fusedOutput, this.gradsZero && ev.micro === 0);
        if (this.staleNodes > ev.layer) this.staleNodes = ev.layer; // written whole (fresh)
        break;
      case 'clip':
        this.clipGradients();
        break;
      case 'update':
        this.update();
        break;
    }
    // Micro-batches share the buffers, so only a step of one micro-batch (and of reusable forward events) is tracked.
    sets.note(start, this.pos, this.forwardReusable && this.microThisStep === 1);
    // The gradients are this step's whole backward pass: exactly what a replay passing its backward events needs.
    if (ev.phase === 'clip')
      sets.held.gradsFinal = sets.held.start === start && this.clip.coefficient === 1 && this.clip.clippedValues === 0;
    this.pos++;
    this.eventIndex++;
    if (this.ahead && this.atBackwardEnd) this.ahead = false;
    if (ev.phase === 'update') this.startStep();
    return ev;
  }

  /**
   * At the first event of the step starting at event `start`: takes the kept set of buffers if it holds this step,
   * or keeps the set the model holds if it holds a whole step (the other set is then written); zeroes the gradients
   * unless `keepGrads` and they are already this step's whole backward pass, or `unwatched` leaves that to the
   * backward events (see `advance`).
   */
  private beginStep(start: number, keepGrads: boolean, unwatched: boolean): void {
    const sets = this.sets;
    sets.enterStep(start);
    this.ahead = keepGrads && sets.held.start === start && sets.held.gradsFinal;
    this.gradsLeft = false;
    this.gradsZero = false;
    this.staleNodes = 0;
    if (this.ahead) return;
    sets.held.gradsFinal = false;
    this.gradsZero = true;
    if (unwatched && this.lazyZeroable) {
      this.staleNodes = this.model.nodes.length;
      return;
    }
    // The gradients of the step just updated stay visible at its update event; they are zeroed as the next one starts.
    this.model.grads.fill(0);
  }

  /**
   * Zeroes the gradients a step start passed unwatched left for backward events not performed yet (see `advance`):
   * the gradients are then what the events one by one show. Call before reading or editing them during such a step.
   */
  settleUnwatched(): void {
    const n = this.staleNodes;
    if (n === 0) return;
    this.staleNodes = 0;
    const g = this.model.grads,
      nodes = this.model.nodes;
    for (let i = 0; i < n; i++) {
      const node = nodes[i];
      g.fill(0, node.wOff, node.wOff + node.wSize);
      g.fill(0, node.bOff, node.bOff + node.outWidth);
    }
  }

  /**
   * Keeps, from now on, the buffers of the latest complete step in a second set while the next step is performed
   * in the other (they are exchanged at each step start, not copied): a replay of that step (Step Back into the
   * previous step) then takes its events from them, `advance(reuse)`, instead of computing its forward and backward
   * passes again. Costs a second set of activation and gradient buffers. Only for networks whose steps are one
   * micro-batch of forward events that draw nothing and carry no state (see StepBufferSets); a no-op for others.
   */
  keepPreviousStep(): void {
    if (this.forwardReusable && this.spec.train.accumulate === 1) this.sets.keep();
  }

  /** Bytes of the second set of step buffers keepPreviousStep allocated (0 when none is kept). */
  get keptBytes(): number {
    return this.sets.keptBytes;
  }

  /** True while a replay passes over backward events whose gradients are already in place (see advance 'step'). */
  get gradsAhead(): boolean {
    return this.ahead;
  }

  /**
   * Forgets what the buffers were known to hold, in both sets: call after anything but the trainer's events wrote
   * into them (Set Value), so no replay takes an edited value for a computed one (the kept step, too, may be one the
   * edit changes: an edit before it, made again by a replay).
   */
  forgetBuffers(): void {
    this.sets.forgetAll();
    this.gradsZero = false; // an edited gradient is added to, as it was
  }

  /**
   * True when the buffers hold the outputs of the current step's events up to the one just performed (as they are
   * after its events, or after restoring a state of this step saved when they were): restoring such a state then
   * needs no event replayed for what the stop shows. False at a step start.
   */
  get buffersCurrent(): boolean {
    return this.pos > 0 && this.sets.holds(this.eventIndex - this.pos, this.pos - 1);
  }

  /** True at a step start when the buffers hold every event of the step just ended (historyExtremes.ts reads them). */
  get holdsStepBefore(): boolean {
    return this.pos === 0 && this.sets.holds(this.eventIndex - this.eventsPerStep, this.eventsPerStep - 1);
  }

  /** The event just performed, within the current step (null at a step start). */
  eventBefore(): TrainerEvent | null {
    return this.pos > 0 ? this.eventAt(this.pos - 1) : null;
  }

  /**
   * Performs the rest of the current optimizer step, or all of it from a step start; false when training is
   * finished. For callers that look at no event inside a step (the CLI, the benchmark, the debugger's run loop where
   * nothing can stop inside one, the doctor through `beforeUpdate` below): from a step start, a stack
   * of dense layers runs its generated step (engine/nn/fastStep.ts), which leaves every buffer, statistic and count
   * exactly as the step's events one by one would, bit for bit, only without stopping between them. Throws
   * NonFiniteError as `advance` does, at the same event.
   *
   * `beforeUpdate`, when given, is called once in the step, between its clip and its update: in the state the clip
   * event leaves (the activations of the last micro-batch as its forward pass made them, the gradients clipped, the
   * clip, gradient statistics and loss of the step, `eventIndex` just past the clip event; the parameters and `step`
   * not yet updated). An observer of whole steps reads there what the events before the update would have shown it
   * (the training doctor does: engine/doctor/doctor.ts).
   */
  advanceStep(beforeUpdate?: () => void): boolean {
    if (this.finished) return false;
    if (this.pos !== 0 || !this.fastStep(beforeUpdate)) this.eventsToStepEnd(beforeUpdate);
    return true;
  }

  /** The rest of the current step one event at a time, calling `beforeUpdate` after its clip event. */
  private eventsToStepEnd(beforeUpdate: (() => void) | undefined): void {
    for (const s = this.step; this.step === s;) {
      const ev = this.advance();
      if (!ev) return;
      if (ev.phase === 'clip') beforeUpdate?.();
    }
  }

  /** One whole step by the generated code; false (nothing done) when this step cannot take it. */
  private fastStep(beforeUpdate: (() => void) | undefined): boolean {
    const batch = this.spec.train.batch,
      B = Math.min(batch, this.trainRows.length - this.microInEpoch * batch);
    const fast = this.fastSteps;
    if (!fast) return false;
    // Compiled per set of step buffers (see keepPreviousStep): the generated code holds the arrays it was given.
    const key = 2 * B + this.sets.parity;
    let run = fast.get(key);
    if (run === undefined) {
      const g = this.gradStatistics;
      run = compileFastStep(this.model, this.spec.loss, this.fusedOutput, this.yBatch, B, g, this.recorder);
      fast.set(key, run);
    }
    if (!run) return false;
    const start = this.eventIndex,
      L = this.model.nodes.length;
    // It overwrites the buffers: until it ends well they hold no step's events (a failed one resumes event by event).
    forget(this.sets.held);
    this.gradsLeft = this.gradsZero = false; // (it writes every gradient)
    this.staleNodes = 0;
    this.loadMicroBatch(0); // (the generated step writes every gradient: no zeroing first)
    this.loss = run.run();
    // A non-finite number: continue at the event that reports it, which finds it again in the same buffers.
    if (!Number.isFinite(this.loss)) return this.resumeAt(start, L, beforeUpdate);
    this.recordLoss();
    const c = this.spec.train.clip;
    if (c) {
      const r = clipToNorm(this.model.grads, c.max, run.sumSquares); // the step's Σ g², as the clip event's
      if (!Number.isFinite(r.normBefore)) return this.resumeAt(start, 2 * L + 1, beforeUpdate);
      this.clip = { normBefore: r.normBefore, normAfter: r.normAfter, coefficient: r.coefficient, clippedValues: 0 };
    } else {
      const norm = Math.sqrt(run.sumSquares);
      if (!Number.isFinite(norm)) return this.resumeAt(start, 2 * L + 1, beforeUpdate);
      this.clip = { normBefore: norm, normAfter: norm, coefficient: 1, clippedValues: 0 };
    }
    if (beforeUpdate) {
      this.eventIndex = start + this.eventsPerStep - 1; // just past the clip event, as the events leave it
      beforeUpdate();
    }
    this.update();
    this.eventIndex = start + this.eventsPerStep;
    // The generated step leaves every buffer as the events would (fastStep.test.ts): they hold all of this step.
    if (this.forwardReusable) this.sets.holdWhole(start);
    this.startStep();
    return true;
  }

  /**
   * From now on, the generated whole steps also write each step's loss and gradient statistics into `rec`'s row
   * `rec.length` (fastStep.ts StepRecorder: a training doctor's series, which then need not copy them), or no longer
   * (null). The steps are generated again for it: nothing is looked up per step, and a trainer without a recorder
   * runs the very code it ran before.
   */
  recordInto(rec: StepRecorder | null): void {
    this.recorder = rec;
    if (this.fastSteps) this.fastSteps = new Map();
  }

  /** The recorder the generated steps write into (see recordInto), or null. */
  get stepRecorder(): StepRecorder | null {
    return this.recorder;
  }

  /** Continues the step started at event `start` one event at a time from its event `pos`, to the step's end. */
  private resumeAt(start: number, pos: number, beforeUpdate: (() => void) | undefined): true {
    // Before the backward pass the gradients are still the zeros the step's first event left (it skipped that fill).
    if (pos <= this.model.nodes.length) this.model.grads.fill(0);
    this.pos = pos;
    this.eventIndex = start + pos;
    this.eventsToStepEnd(beforeUpdate);
    return true;
  }

  /**
   * Everything that determines the rest of the run, copied (into `reuse`'s buffers when given, so a ring of
   * checkpoints allocates no new arrays). Activation buffers are not saved: after restoring,
   * advance at least one event (from a step start, the events of the step recompute everything shown), unless
   * `buffersCurrent` says they still hold what the stop shows. `shared`: the checkpoint of this step's start, whose
   * parameters, optimizer state and row order the new state refers to instead of copying them (they change only at
   * the update); it is then valid only as long as that checkpoint is unchanged. `previous`: a saved start of the step
   * before this one, at a step start, with nothing changed since but by that step's events: the optimizer's applied
   * step is then not copied but rebuilt from its parameters on restoring (pass it to restoreState).
   */
  saveState(reuse?: TrainerState, shared?: TrainerState, previous?: TrainerState): TrainerState {
    const m = this.model;
    this.settleUnwatched(); // the gradients as the events show them
    // What no event before the update changes (parameters, optimizer, row order, carried state) may be shared with
    // the checkpoint of this step's start instead of copied, where nothing carries state from step to step.
    if (shared && (shared.eventIndex !== this.eventIndex - this.pos || !this.forwardReusable))
      throw new Error('a state can share only with the start of its own step, in a network carrying no state');
    if (previous && (this.pos !== 0 || previous.pos !== 0 || previous.step !== this.step - 1))
      throw new Error(
        'a state can omit its applied step only at a step start, after the saved start of the step before',
      );
    const copy = <A extends FloatArray | Int32Array>(src: A, dst: A | undefined): A =>
      dst ? (dst.set(src as never), dst) : (src.slice() as A);
    // The scalars (SCALARS) written out in one literal: spreading an object built key by key cost ~20 µs a
    // checkpoint (V8's slow copy path, and garbage), 30× the rest of a tiny network's checkpoint.
    return {
      eventIndex: this.eventIndex,
      pos: this.pos,
      step: this.step,
      epoch: this.epoch,
      batchSize: this.batchSize,
      loss: this.loss,
      previousLoss: this.previousLoss,
      lr: this.lr,
      baseLr: this.baseLr,
      clip: this.clip,
      microInEpoch: this.microInEpoch,
      microThisStep: this.microThisStep,
      epochLossSum: this.epochLossSum,
      epochCorrect: this.epochCorrect,
      epochSeen: this.epochSeen,
      stepLossSum: this.stepLossSum,
      epochs: this.epochs.length,
      lastEpoch: this.epochs.last,
      params: shared ? shared.params : copy(m.params, reuse?.params),
      grads: this.pos === 0 ? null : copy(m.grads, reuse?.grads ?? undefined),
      rng: this.rng.getState(),
      trainRows: shared ? shared.trainRows : copy(this.trainRows, reuse?.trainRows),
      optimizer: shared ? shared.optimizer : this.optimizer.saveState(reuse?.optimizer, previous !== undefined),
      carried: m.nodes.map((_, i) => {
        const st = m.carriedState(i),
          r = reuse?.carried[i];
        return st ? st.map((a, k) => copy(a, r?.[k])) : null;
      }),
      meanAbsGrad: copy(this.meanAbsGrad, reuse?.meanAbsGrad),
      maxAbsGrad: copy(this.maxAbsGrad, reuse?.maxAbsGrad),
      gradNorm: copy(this.gradNorm, reuse?.gradNorm),
    };
  }

  /**
   * Puts back a state from `saveState` of this trainer; `previous` is the state it was saved after (saveState's
   * `previous`, needed then), or for a state sharing with a step start, the one that start was saved after.
   */
  restoreState(s: TrainerState, previous?: Pick<TrainerState, 'params'>): void {
    const m = this.model;
    for (const k of SCALARS) (this as Record<Scalar, unknown>)[k] = s[k];
    this.epochs.seek(s.epochs, s.lastEpoch);
    this.stepTrace.rewindTo(s.step);
    m.params.set(s.params);
    // A step start's gradients are zeros, but they are left as they are for the step's first event, which zeroes
    // them (beginStep) in whichever set of buffers it takes, unless the replay takes the step's backward pass from
    // them (Step Back from a step's update); the set the model holds keeps a whole backward pass it may hold, for
    // a replay passing that step later. settleGrads zeroes them for a caller that stops at the step start.
    const left = !s.grads;
    if (s.grads) m.grads.set(s.grads);
    this.rng.setState(s.rng);
    this.trainRows.set(s.trainRows);
    this.optimizer.restoreState(s.optimizer, previous && { params: s.params, previous: previous.params });
    s.carried.forEach((b, i) => {
      const st = m.carriedState(i);
      if (b && st) st.forEach((a, k) => a.set(b[k]));
    });
    this.meanAbsGrad.set(s.meanAbsGrad);
    this.maxAbsGrad.set(s.maxAbsGrad);
    this.gradNorm.set(s.gradNorm);
    // The gradients are the saved state's now (or left, see above), whatever the buffers hold otherwise.
    if (!left) this.sets.held.gradsFinal = false;
    this.gradsLeft = left;
    this.ahead = this.gradsZero = false;
    this.staleNodes = 0; // (the saved gradients are in place, or left for the next step start)
  }

  /** Zeroes the gradients a restore of a step start left in place (see restoreState), as that state has them. */
  settleGrads(): void {
    if (!this.gradsLeft) return;
    this.model.grads.fill(0);
    this.sets.held.gradsFinal = this.gradsLeft = false;
  }

  /** Events of the current step performed so far (0 at a step start). */
  get stepPosition(): number {
    return this.pos;
  }

  /** True just after the step's last backward event (its clip event is next). */
  get atBackwardEnd(): boolean {
    return this.pos === this.microThisStep * (2 * this.model.nodes.length + 1);
  }

  /** True between steps (before the first forward event of a step): the cheapest place to save state. */
  get atStepStart(): boolean {
    return this.pos === 0;
  }

  /** Mean and max |∂L/∂W| of each weighted node in the latest backward pass, before clipping. */
  gradStats(): GradStats[] {
    const out: GradStats[] = [];
    this.model.nodes.forEach((n, i) => {
      if (n.wSize > 0)
        out.push({
          name: nodeOps(n.kind).paramsLabel?.(n) ?? n.name,
          node: i,
          meanAbsGrad: this.meanAbsGrad[i],
          maxAbsGrad: this.maxAbsGrad[i],
        });
    });
    return out;
  }

  /** Runs the network in evaluation mode (no dropout, running batch-norm statistics) on rows of inputs. */
  predict(rows: readonly (readonly number[])[]): number[][] {
    return this.evaluator.predict(rows);
  }

  private eventAt(pos: number): TrainerEvent {
    const L = this.model.nodes.length,
      block = 2 * L + 1,
      step = this.step,
      epoch = this.epoch;
    // One small object per event, built directly (no spread of a second one): this runs between every two events.
    if (pos < this.microThisStep * block) {
      const micro = Math.floor(pos / block),
        o = pos % block;
      if (o < L) return { phase: 'forward', layer: o, step, epoch, micro };
      if (o === L) return { phase: 'loss', layer: -1, step, epoch, micro };
      return { phase: 'backward', layer: 2 * L - o, step, epoch, micro };
    }
    return {
      phase: pos === this.microThisStep * block ? 'clip' : 'update',
      layer: -1,
      step,
      epoch,
      micro: this.microThisStep - 1,
    };
  }

  private startStep(): void {
    if (this.microThisStep > 0 && this.eventIndex > 0) this.previousLoss = this.stepLossSum / this.microThisStep;
    this.pos = 0;
    this.microThisStep = Math.min(this.spec.train.accumulate, this.microBatchesPerEpoch - this.microInEpoch);
    this.stepLossSum = 0;
  }

  private loadMicroBatch(micro: number): void {
    const { batch } = this.spec.train;
    const C = this.spec.inputSize,
      K = this.outputs,
      rows = this.trainRows;
    const start = (this.microInEpoch + micro) * batch;
    const B = Math.min(batch, rows.length - start);
    const x = this.model.acts[0],
      y = this.yBatch,
      xAll = this.xAll,
      yAll = this.yAll;
    // Element by element: a subarray per row would allocate two views per sample, which tiny networks feel. Rows of
    // 64 inputs or more are copied by set, whose view costs less than the loop (N3's 784: ~1 µs a row by the loop).
    for (let r = 0; r < B; r++) {
      const row = rows[start + r];
      if (C >= 64) x.set(xAll.subarray(row * C, row * C + C), r * C);
      else for (let j = 0, s = row * C, d = r * C; j < C; j++) x[d + j] = xAll[s + j];
      for (let j = 0, s = row * K, d = r * K; j < K; j++) y[d + j] = yAll[s + j];
    }
    this.batchSize = B;
    this.loss = NaN;
  }

  private computeLoss(): void {
    const m = this.model,
      B = this.batchSize;
    this.loss = lossEvent(this.spec.loss, m, this.yBatch, B, this.outputs, this.fusedOutput, this.microThisStep);
    if (!Number.isFinite(this.loss)) throw nonFiniteLoss(m, B, this.loss, this);
    this.recordLoss();
  }

  /** Adds the micro-batch's loss (and, for classification, its correct predictions) to the step's and epoch's sums. */
  private recordLoss(): void {
    const B = this.batchSize,
      K = this.outputs;
    this.stepLossSum += this.loss;
    this.epochLossSum += this.loss * B;
    this.epochSeen += B;
    if (this.spec.loss === 'bce' || this.spec.loss === 'cross_entropy')
      this.epochCorrect += countCorrect(this.model.acts[this.model.nodes.length], this.yBatch, B, K);
  }

  private clipGradients(): void {
    this.clip = clipEvent(this.model, this.spec.train.clip, this.gradStatistics);
    if (!Number.isFinite(this.clip.normBefore)) throw nonFiniteGradients(this.model, this.clip.normBefore, this);
  }

  private update(): void {
    const t = this.spec.train;
    this.lr = learningRateAt(t.schedule, this.baseLr, this.step, this.totalSteps);
    this.optimizer.step(this.model.params, this.model.grads, this.lr);
    this.step++;
    const traced = this.stepTrace.incoming; // (see StepTrace.incoming)
    traced[0] = this.stepLossSum / this.microThisStep;
    traced[1] = this.clip.normBefore;
    traced[2] = this.clip.normAfter;
    this.stepTrace.add(this.step);
    this.microInEpoch += this.microThisStep;
    if (this.microInEpoch >= this.microBatchesPerEpoch) this.endEpoch();
  }

  private endEpoch(): void {
    const classify = this.spec.loss === 'bce' || this.spec.loss === 'cross_entropy';
    const loss = this.epochLossSum / Math.max(1, this.epochSeen);
    const accuracy = classify ? this.epochCorrect / Math.max(1, this.epochSeen) : null;
    let valLoss: number | null = null,
      valAccuracy: number | null = null;
    if (this.valRows.length) [valLoss, valAccuracy] = this.evaluator.evaluate(this.valRows, classify);
    this.epochs.push({ epoch: this.epoch + 1, loss, accuracy, valLoss, valAccuracy: classify ? valAccuracy : null });
    this.epochLossSum = this.epochCorrect = this.epochSeen = 0;
    this.microInEpoch = 0;
    this.epoch++;
    if (this.spec.train.shuffle) this.rng.shuffle(this.trainRows);
  }
}
