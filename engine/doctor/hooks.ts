// The doctor's rules sorted by the events they read: each event's hooks in catalogue order (subscribers.ts), and the
// hit listener and the events it is told of.

import type { Trainer } from '../runtime/trainer';
import type { StepSeries } from './series';
import { add, subscribers, type Subscribers } from './subscribers';
import type { Hit, Rule, RuleContext, RuleId } from './types';
import type { UpdateLog } from './updateLog';

/**
 * Told of every hit as it happens (a debug session's exception filters stop on them; a deferred doctor tells the
 * series rules' hits when it looks at their batch, with AT_NONE: see Doctor.setDeferred), and of pending ones, with the
 * event whose hook reported it: the forward event of node `at` (≥ 0), the clip event (AT_CLIP) or the update event
 * (AT_UPDATE, with the epoch's end it may bring). A step observed whole says so where a step's events do not.
 */
export type HitListener = (rule: RuleId, hit: Hit, at: number) => void;

/** The clip event and the update event, as HitListener's `at`; AT_NONE for hits outside an event (the run's end). */
export const AT_CLIP = -1;
export const AT_UPDATE = -2;
export const AT_NONE = -3;

/** A forward hook, the clip, update, log, series and epoch hooks of a rule, as the event lists hold them. */
export type ForwardHook = (ctx: RuleContext, node: number) => boolean | void;
export type ClipHook = (ctx: RuleContext) => boolean | void;
export type UpdateHook = (ctx: RuleContext) => boolean | void;
export type LogHook = (ctx: RuleContext, log: UpdateLog, from: number, to: number) => boolean | void;
export type SeriesHook = (ctx: RuleContext, series: StepSeries, from: number, to: number) => boolean | void;
export type EpochHook = (ctx: RuleContext) => boolean | void;

/** Every event's list of hooks (the Doctor's fields of the same names say what each holds). */
export interface HookLists {
  readonly forward: Subscribers<ForwardHook>[];
  readonly onClip: Subscribers<ClipHook>;
  readonly onUpdate: Subscribers<UpdateHook>;
  readonly onUnmeasuredUpdate: Subscribers<UpdateHook>;
  readonly onClipNow: Subscribers<ClipHook>;
  readonly onUpdateNow: Subscribers<UpdateHook>;
  readonly updateLog: Subscribers<LogHook>;
  readonly clipSeries: Subscribers<SeriesHook>;
  readonly updateSeries: Subscribers<SeriesHook>;
  readonly lists: readonly Subscribers<unknown>[];
  readonly onEpoch: Subscribers<EpochHook>;
}

/**
 * The hooks of `rules` (whose contexts are `ctxs`) per event of `trainer`'s steps; `series`: the steps recorded for
 * the series rules (null when no rule reads them); `log`: the measured updates (null when no rule reads them).
 */
export function hookLists(
  trainer: Trainer,
  rules: readonly Rule[],
  ctxs: readonly RuleContext[],
  series: StepSeries | null,
  log: UpdateLog | null,
): HookLists {
  const list = <F>(hook: (r: Rule) => F | undefined, where: (r: Rule) => boolean = () => true) => {
    const out = subscribers<F>();
    rules.forEach((r, k) => {
      const f = hook(r);
      if (f && where(r)) add(out, f, ctxs[k], k);
    });
    return out;
  };
  const forward = trainer.model.nodes.map(() => subscribers<ForwardHook>());
  rules.forEach((r, k) => {
    for (const i of r.forwardNodes?.(trainer) ?? []) add(forward[i], r.afterForward!, ctxs[k], k);
  });
  // At each step's own event (not deferred), a series rule looks at that step alone, in catalogue order with the
  // others: when two hit in one event, the first one's filter stops.
  // A rule with a series hook is fed by it alone (a per-step hook beside it is for callers without a series); so is
  // one with a log hook, which reads the step's own entry there, the last one (logged at the event: updated()).
  const clipNow = (r: Rule): ClipHook | undefined =>
    r.clipSeries ? (ctx) => r.clipSeries!(ctx, series!, series!.length, series!.length + 1) : r.afterClip;
  const logHook = (r: Rule): LogHook | undefined => (r.needsUpdates ? r.afterUpdates : undefined);
  const updateNow = (r: Rule): UpdateHook | undefined => {
    if (r.updateSeries) return (ctx) => r.updateSeries!(ctx, series!, series!.length - 1, series!.length);
    const fromLog = logHook(r);
    return fromLog ? (ctx) => fromLog(ctx, log!, log!.length - 1, log!.length) : r.afterUpdate;
  };
  const later = (r: Rule) => r.updateSeries !== undefined || logHook(r) !== undefined;
  const onClip = list(clipNow);
  const onUpdate = list(updateNow);
  const onUnmeasuredUpdate = list(updateNow, (r) => !r.needsUpdates);
  const onClipNow = list((r) => (r.clipSeries ? undefined : r.afterClip));
  const onUpdateNow = list((r) => (later(r) ? undefined : r.afterUpdate));
  const updateLog = list(logHook);
  const clipSeries = list((r) => r.clipSeries);
  const updateSeries = list((r) => r.updateSeries);
  const lists = [onClip, onUpdate, onUnmeasuredUpdate, onClipNow, onUpdateNow, updateLog, clipSeries, updateSeries];
  const onEpoch = list((r) => r.afterEpoch);
  return {
    forward,
    onClip,
    onUpdate,
    onUnmeasuredUpdate,
    onClipNow,
    onUpdateNow,
    updateLog,
    clipSeries,
    updateSeries,
    lists,
    onEpoch,
  };
}
