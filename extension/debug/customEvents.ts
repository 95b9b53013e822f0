// The DAP JSON boundary: the custom events and requests the nnet adapter adds to the standard ones, and their one
// encoder/decoder pair. Imported by the adapter (inline or the standalone dist/debugAdapter.js) and the extension's
// views. JSON loses NaN, ±∞ and -0: `encodeDap` spells them (wire/json.ts), the decoders read them back.

import type { Finding } from '../../engine/doctor/types';
import type { GradCheckReport, GradCheckTensor, NodeSummary, Progress, RuntimeLocation } from '../../debugger/protocol';
import { encodeTensor } from '../../wire/float32';
import { decodeNumber, encodeJson, type Encoded } from '../../wire/json';
import type {
  EncodedTensor,
  GradNormPoint,
  LayerDetail,
  LayerGradStats,
  LossPoint,
  RankGradNorm,
  StepLossPoint,
} from '../../wire/types';

/** Body of each custom event, by event name. */
export interface NnetCustomEvents {
  /** Training started: names of the layers in network order. */
  'nnet.started': { layerNames: readonly string[]; program: string };
  /** Live progress while running, and the state at each stop (with `paused` set). */
  'nnet.progress': { progress: Progress; paused: RuntimeLocation | null };
  /** Paused: per-node summaries for inline values in the editor. */
  'nnet.stopped': { network: readonly NodeSummary[]; location: RuntimeLocation };
  /** Training ended: normally, by Stop, or by an error; with the training doctor's findings when it watched. */
  'nnet.ended': { summary: string; error: string | null; line: number; findings?: readonly Finding[] };
}

export type NnetCustomEventName = keyof NnetCustomEvents;

/** True if `name` is one of the nnet custom events. */
export function isNnetCustomEvent(name: string): name is NnetCustomEventName {
  return name === 'nnet.started' || name === 'nnet.progress' || name === 'nnet.stopped' || name === 'nnet.ended';
}

/** Custom requests the adapter answers (`DebugSession.customRequest`), by command: arguments and reply body. */
export interface NnetCustomRequests {
  /**
   * The Layer Inspector's view of a layer while paused: `layer` null for the paused event's layer; `step` (1-based)
   * null for the paused step, or an earlier step of the rewind history (the debugger does not move).
   */
  'nnet.layerDetail': {
    /** `maxValues`: values per tensor at most (the nnet.inspector.maxTensorValues setting). */
    args: { layer?: string | null; step?: number | null; maxValues?: number };
    /** Tensors as base64 float32 (exact, compact); the host passes them on to the webview undecoded. */
    reply: LayerDetail<EncodedTensor>;
  };
  /**
   * Check Gradients Here: the layer's analytic W, b and δ against float64 finite differences on the current batch
   * (`layer` null for the paused event's layer); the report is also written to the Debug Console.
   */
  'nnet.checkGradients': {
    args: { layer?: string | null };
    reply: GradCheckReport;
  };
  /**
   * Go to the first event of a 1-based optimizer step (the Findings view's Go to First Occurrence): back through the
   * rewind history, or forward past breakpoints and exception filters. Answered before the session moves; the move
   * ends in a `stopped` event (a `continued` event comes first unless it has already stopped).
   */
  'nnet.gotoStep': {
    args: { step: number };
    reply: { direction: 'here' | 'back' | 'forward' };
  };
}

/** An event or reply body for DAP JSON (numbers JSON would lose spelled out). */
export function encodeDap<T>(body: T): Encoded<T> {
  return encodeJson(body);
}

/** The `nnet.layerDetail` reply body of a layer from the worker. */
export function encodeLayerDetail(d: LayerDetail): Encoded<LayerDetail<EncodedTensor>> {
  return encodeDap<LayerDetail<EncodedTensor>>({
    ...d,
    tensors: d.tensors.map(encodeTensor),
    optimizer: d.optimizer && { ...d.optimizer, tensors: d.optimizer.tensors.map(encodeTensor) },
  });
}

/** Tensors as they arrived: their shapes are whole numbers, which JSON keeps. */
const tensors = (ts: Encoded<readonly EncodedTensor[]>) => ts as readonly EncodedTensor[];

/** A measured number as it arrived (NaN for anything but the encoder's forms). */
const num = (x: unknown): number => decodeNumber(x) ?? NaN;

/** Reads a `nnet.progress` event's progress (numbers restored). */
export function decodeProgress(p: Encoded<Progress>): Progress {
  return {
    epoch: num(p.epoch),
    epochs: num(p.epochs),
    step: num(p.step),
    loss: num(p.loss),
    ...(p.batchLoss !== undefined && { batchLoss: num(p.batchLoss) }),
    stepsPerSecond: num(p.stepsPerSecond),
    gradNormBeforeClip: num(p.gradNormBeforeClip),
    gradNormAfterClip: num(p.gradNormAfterClip),
    // null: the spec does not clip by norm (a threshold is never NaN).
    clipNorm: p.clipNorm === null || p.clipNorm === undefined ? null : num(p.clipNorm),
    layers: p.layers.map((l): LayerGradStats => ({
      name: l.name,
      meanAbsGrad: num(l.meanAbsGrad),
      maxAbsGrad: num(l.maxAbsGrad),
      ...(l.updateRatio !== undefined && { updateRatio: num(l.updateRatio) }),
    })),
    newLossPoints: p.newLossPoints.map((x): LossPoint => ({
      epoch: num(x.epoch),
      loss: num(x.loss),
      ...(x.valLoss !== undefined && { valLoss: num(x.valLoss) }),
    })),
    ...(p.stepLoss !== undefined && {
      stepLoss: p.stepLoss.map((x): StepLossPoint => ({ step: num(x.step), loss: num(x.loss) })),
    }),
    ...(p.stepNorms !== undefined && {
      stepNorms: p.stepNorms.map((x): GradNormPoint => ({
        step: num(x.step),
        before: num(x.before),
        after: num(x.after),
      })),
    }),
    ...(p.stepCount !== undefined && {
      stepCount: { steps: num(p.stepCount.steps), clipped: num(p.stepCount.clipped) },
    }),
    ...(p.ranks !== undefined && {
      ranks: p.ranks.map((r): RankGradNorm => ({ rank: num(r.rank), gradNorm: num(r.gradNorm) })),
    }),
  };
}

/** Reads a `nnet.stopped` event's body (gradient norms restored; null stays "none"). */
export function decodeStopped(b: Encoded<NnetCustomEvents['nnet.stopped']>): NnetCustomEvents['nnet.stopped'] {
  const network = b.network.map((n) => ({
    ...n,
    line: num(n.line),
    gradNorm: n.gradNorm === null ? null : num(n.gradNorm),
  }));
  return { network, location: b.location as RuntimeLocation };
}

/** Reads a `nnet.ended` event's body (the findings' measured numbers restored: a `nan` finding measured NaN). */
export function decodeEnded(b: Encoded<NnetCustomEvents['nnet.ended']>): NnetCustomEvents['nnet.ended'] {
  const ended = { summary: b.summary, error: b.error, line: num(b.line) };
  if (!b.findings) return ended;
  const findings = b.findings.map((f): Finding => ({
    ...(f as unknown as Finding),
    evidence: {
      measured: num(f.evidence.measured),
      threshold: num(f.evidence.threshold),
      steps: f.evidence.steps.map(num),
    },
  }));
  return { ...ended, findings };
}

/** Reads a `nnet.layerDetail` reply body (numbers restored; tensors left as base64). */
export function decodeLayerDetail(d: Encoded<LayerDetail<EncodedTensor>>): LayerDetail<EncodedTensor> {
  return {
    layer: d.layer,
    title: d.title,
    where: d.where,
    tensors: tensors(d.tensors),
    scalars: d.scalars.map((s) =>
      s.pending === undefined
        ? { name: s.name, value: num(s.value) }
        : { name: s.name, value: num(s.value), pending: s.pending },
    ),
    clip: d.clip && {
      normBefore: num(d.clip.normBefore),
      normAfter: num(d.clip.normAfter),
      coefficient: num(d.clip.coefficient),
      threshold: d.clip.threshold === null ? null : num(d.clip.threshold),
      layerNorm: num(d.clip.layerNorm),
      share: num(d.clip.share),
    },
    optimizer: d.optimizer && {
      kind: d.optimizer.kind,
      lr: num(d.optimizer.lr),
      t: num(d.optimizer.t),
      tensors: tensors(d.optimizer.tensors),
    },
    decomposition: d.decomposition && {
      upstreamFrom: d.decomposition.upstreamFrom,
      activation: d.decomposition.activation,
      upstreamNorm: num(d.decomposition.upstreamNorm),
      phiPrimeMean: num(d.decomposition.phiPrimeMean),
      phiPrimeMax: num(d.decomposition.phiPrimeMax),
      deltaNorm: num(d.decomposition.deltaNorm),
    },
    history: d.history && {
      first: num(d.history.first),
      last: num(d.history.last),
      step: num(d.history.step),
      live: d.history.live,
    },
  };
}

/** Reads a `nnet.checkGradients` reply body (errors restored: a NaN error, from a non-finite gradient, stays NaN). */
export function decodeGradCheckReport(r: Encoded<GradCheckReport>): GradCheckReport {
  return {
    layer: r.layer,
    name: r.name,
    line: num(r.line),
    step: num(r.step),
    tolerance: num(r.tolerance),
    ok: r.ok,
    text: r.text,
    tensors: r.tensors.map((t): GradCheckTensor => ({
      label: t.label,
      path: t.path,
      maxRelError: num(t.maxRelError),
      maxAbsError: num(t.maxAbsError),
      worst: num(t.worst),
      analytic: num(t.analytic),
      numeric: num(t.numeric),
      checked: num(t.checked),
      skipped: num(t.skipped),
      total: num(t.total),
      ok: t.ok,
    })),
  };
}
