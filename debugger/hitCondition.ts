// Hit conditions of breakpoints (`N`, `== N`, `% N`, …): the one parser that both the adapter, verifying a
// breakpoint before it sends it, and the worker's StopRules, counting its hits, apply.

/**
 * Parses a hit condition: `N` (≥ N), `== N`, `> N`, `>= N`, `< N`, `<= N`, `% N` (N ≥ 1). Returns null if malformed;
 * `hitConditionProblem` says why. The adapter verifies with the same parser the worker applies.
 */
export function parseHitCondition(text: string): ((count: number) => boolean) | null {
  const m = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m || m[2].length > 15) return null;
  const n = Number(m[2]);
  switch (m[1]) {
    case '==':
      return (c) => c === n;
    case '>':
      return (c) => c > n;
    case '<':
      return (c) => c < n;
    case '<=':
      return (c) => c <= n;
    case '%':
      return n > 0 ? (c) => c % n === 0 : null;
    default:
      return (c) => c >= n;
  }
}

/** Why a hit condition cannot be used, or undefined when `parseHitCondition` accepts it. */
export function hitConditionProblem(text: string): string | undefined {
  if (parseHitCondition(text)) return undefined;
  if (/^\s*%\s*0+\s*$/.test(text)) return `'${text.trim()}' divides by zero: use % N with N ≥ 1`;
  return `'${text.trim()}' is not one of N, == N, > N, >= N, < N, <= N, % N`;
}
