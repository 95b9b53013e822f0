// The tuning of the history's checkpoints (history.ts): how many it keeps, how far apart it takes them, and how fast
// its ring may grow, each constant with the measurement that set it.

/** Most checkpoints kept, whatever the budget: bounds the bookkeeping as well as the memory. */
export const MAX_CHECKPOINTS = 4096;
/**
 * Widest checkpoint spacing, in steps: bounds what one rewind replays. Spacing this wide is reached only when
 * checkpoints cost more than COST_SHARE of the time or come less than MIN_SPAN_MS apart, i.e. when steps are tiny
 * and replaying many is quick (4096 of N1's take a few ms). At 1024, N1 (~0.65 µs a step) still took a checkpoint
 * every ~0.7 ms, ~1,500 a second at ~10–70 µs each: ~3–5 % of its debug session.
 */
export const MAX_INTERVAL = 4096;
/** Share of training time checkpoints may take (measured over windows of WINDOW checkpoints) before they are spaced wider. */
export const COST_SHARE = 0.02;
/** Checkpoints per measuring window: few, so a session's first second already runs at the spacing it keeps. */
export const WINDOW = 4;
/**
 * Least training time between two checkpoints, in ms (spacing doubles, up to MAX_INTERVAL, until they are this far
 * apart): thousands of checkpoints a second of a tiny network cost more than their copies (each is a dozen small
 * arrays the garbage collector keeps visiting; N1's debug session was ~15 % slower than Train), while replaying
 * 2 ms of training is imperceptible. Networks whose steps take milliseconds are not affected.
 */
export const MIN_SPAN_MS = 2;
/**
 * Share of training time that growing the ring may take. A new checkpoint is fresh memory, and memory touched for
 * the first time costs far more than copying into memory already held (on the VMs the bench runs on, ~120 ms for
 * N5's 17 MB against ~4 ms): filled as fast as the interval allows, the ring made a debug session's first seconds
 * of N5 ~50 % slower than training. Growth is paced instead, so the history reaches its budget over a longer time.
 */
export const GROWTH_SHARE = 0.02;
/**
 * Checkpoint memory and slots the ring may grow to unpaced. A new slot of even a tiny network costs tens of µs (a
 * dozen fresh arrays; ~75 µs for N1's 3.5 KB in a run): growing unpaced to 1 MB, N1 took ~300 of them in its first
 * ~20k steps (~20 ms, 3 % of a one-second session), faster than its spacing could widen.
 */
export const FREE_GROWTH_BYTES = 1 << 20;
export const FREE_GROWTH_SLOTS = 32;
/**
 * Training time (ms) during which the ring may grow past FREE_GROWTH_BYTES; after it the ring keeps the slots it has
 * and reuses them, so a session's resident size is steady from then on (a ring growing for minutes towards its
 * budget made an N3 session's resident size grow by half between 10⁴ and 5·10⁴ steps). Its steady size is the budget
 * where fresh memory is cheap; where it is dear (~6.5 ms per MB on the VMs the bench runs on) it is what
 * GROWTH_SHARE of this time buys.
 */
export const GROWTH_MS = 10_000;
/** A gap between two checkpoints longer than this (ms) was a pause, not training: it counts as this much. */
export const PAUSE_GAP_MS = 1_000;
/**
 * Training time (ms) between checkpoints that spacing is not doubled past: a Step Back replays up to one spacing
 * (goal ≤ 100 ms), so networks whose step is long (N5: ~60 ms) keep a checkpoint at every step start, whose copy is
 * then a small share of the step. Only a copy that costs more than COST_CAP of the time spaces them wider.
 */
export const MAX_REPLAY_MS = 40;
/**
 * Checkpoints a long step's ring (one at every step start, see MAX_REPLAY_MS) holds from the start, before paced
 * growth (GROWTH_SHARE) adds more: Step Back then reaches at least the two whole steps before the current one.
 */
export const MIN_LONG_RING = 3;
/** Share of training time checkpoints may take before spacing is doubled even past MAX_REPLAY_MS. */
export const COST_CAP = 0.06;
/** Flops below which a step counts as tiny: checkpoints are then spaced so copying stays cheap. */
export const TINY_STEP_WORK = 200_000;
