// "Did you mean …?" for unknown names and functions: nearest candidates by edit distance.

/**
 * Edit distance between `a` and `b` (optimal string alignment: insert, delete, substitute, swap two neighbours;
 * a change of case only costs ½), giving up once it exceeds `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const x = a[i - 1],
        y = b[j - 1];
      const cost = x === y ? 0 : x.toLowerCase() === y.toLowerCase() ? 0.5 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && x === b[j - 2] && a[i - 2] === y) d = Math.min(d, before[j - 2] + 1);
      cur[j] = d;
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `max` candidates nearest to `word` (all at the smallest distance, which is ≤ max(1, ⌊len/3⌋)), alphabetically. */
export function nearest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  const scored: Array<[string, number]> = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c) || c === word) continue;
    seen.add(c);
    const d = editDistance(word, c, limit);
    if (d <= limit) scored.push([c, d]);
  }
  scored.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const best = scored.length ? scored[0][1] : 0;
  return scored
    .filter(([, d]) => d === best)
    .slice(0, max)
    .map(([c]) => c);
}

/** `; did you mean 'a'?` / `; did you mean 'a', 'b' or 'c'?` for names close to `word`, or '' when none is. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  return askAbout(nearest(word, candidates));
}

/** `; did you mean 'a', 'b' or 'c'?` for the given choices, or '' when there are none. */
export function askAbout(choices: readonly string[]): string {
  if (!choices.length) return '';
  const q = choices.map((s) => `'${s}'`);
  return `; did you mean ${q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`}?`;
}
