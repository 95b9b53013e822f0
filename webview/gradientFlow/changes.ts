// Skipping chart updates that would draw nothing new: a run streaming in often changes one chart of four (an epoch's
// loss comes seconds apart on a big network), and each chart.js update is a layout and a paint.

/** What a chart draws from: scalars, and arrays of scalars or of `{x, y}` points (a dataset's data, its colours). */
export type DrawnValue = string | number | boolean | null | undefined | readonly unknown[];

/**
 * Tells whether a chart's next update would draw anything new, from the values it draws: a run streaming in often
 * changes one chart of four (an epoch's loss comes seconds apart on a big network), and an update that would draw
 * the same picture is a chart.js layout and paint for nothing. Returns a check that remembers what it was last given.
 */
export function changeTracker(): (next: readonly DrawnValue[]) => boolean {
  let last: readonly DrawnValue[] | null = null;
  return (next) => {
    const changed = last === null || last.length !== next.length || next.some((v, i) => !sameValue(v, last![i]));
    last = next;
    return changed;
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const p = a as { x?: unknown; y?: unknown },
      q = b as { x?: unknown; y?: unknown };
    return Object.is(p.x, q.x) && Object.is(p.y, q.y);
  }
  return false;
}
