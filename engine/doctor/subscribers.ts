// The doctor's lists of rule hooks per event: arrays of bound hooks, so an event calls them without looking them up.

import type { RuleContext } from './types';

/** The rules subscribed to one event, in catalogue order: each one's bound hook, its context and its index. */
export interface Subscribers<F> {
  readonly fns: F[];
  readonly ctxs: RuleContext[];
  readonly ids: number[];
}

/** An empty list. */
export function subscribers<F>(): Subscribers<F> {
  return { fns: [], ctxs: [], ids: [] };
}

/** Appends rule `id`'s hook. */
export function add<F>(s: Subscribers<F>, fn: F, ctx: RuleContext, id: number): void {
  s.fns.push(fn);
  s.ctxs.push(ctx);
  s.ids.push(id);
}

/** Removes rule `id` from every list (its hook returned false: it needs no more of that event). */
export function unsubscribe(lists: readonly Subscribers<unknown>[], id: number): void {
  for (const s of lists)
    for (let k = s.ids.indexOf(id); k >= 0; k = s.ids.indexOf(id)) {
      s.fns.splice(k, 1);
      s.ctxs.splice(k, 1);
      s.ids.splice(k, 1);
    }
}
