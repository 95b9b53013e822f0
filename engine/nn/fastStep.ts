// A whole training step of an all-dense network (forward, loss, backward, gradient statistics) generated once per
// network shape and batch size as one straight-line JavaScript function: sizes and offsets are constants, small
// layers are unrolled into locals, nothing is looked up per node and nothing is allocated per step. Tiny networks
// spend their time on dispatch, not arithmetic (issue 18: N1 is 12 weights), and this removes the dispatch.
//
// The same numbers, bit for bit, in the same buffers as the events one at a time (fastStep.test.ts checks every
// example and the benchmark's shapes): every product is formed in the order of dense.ts's kernels — small layers'
// sums in float64 from +0, rounded once when stored, layers that dense.ts sends to its float32 lanes are handed to
// those very kernels —, the activations, losses and δ are the expressions of activations.ts and losses.ts, tanh is
// tanh32.ts's float32 function (as activations.ts's for a float32 layer), and sigmoid comes from fastMath.ts, which
// returns exactly what the float32 store of sigmoid would hold (tanh and sigmoid layers of 32 values or more, and
// their δ, from the WebAssembly kernels of tanhSimd.ts and sigmoidSimd.ts, with the same bits).
//
// Why `new Function` is safe here: the generated text is built only from numbers (sizes, offsets, a leaky_relu
// slope printed by String(number)) and fixed templates in this file, never from a name or any other user string.
// The engine runs in Node (a worker thread, the CLI), never under a page's content security policy.

import { activationForward, normalCdf } from './activations';
import { denseBackward, denseForward, runsInLanes } from './dense';
import { gradStatsKernel, MAX_TENSORS } from './gradStatsSimd';
import { absStats, LANES, sumSquares } from './laneSums';
import { lossBackward, lossForward, type Loss } from './losses';
import { reluMaskKernel, type ReluMask } from './reluSimd';
import { sigmoid32Array, sigmoidDeltaArray } from './sigmoidSimd';
import {
  activation,
  blocks,
  bound,
  derivative,
  laneTree,
  lossBackwardText,
  lossForwardText,
  positiveMask,
} from './fastStepText';
import { tanh32Array, tanhDeltaArray } from './tanhSimd';
import type { Model } from './model';
import {
  BOUND_INNER_MIN,
  BOUND_LAST_MAX,
  BOUND_MEAN_MIN,
  BOUND_NORM_MAX,
  GRADS,
  LOSS,
  NORM_AFTER,
  NORM_BEFORE,
  type StepRecorder,
} from './stepRecorder';

/** One generated step for one batch size. */
export interface FastStep {
  /**
   * Forward pass of every node over the batch in acts[0] and the loss against `y`, then (when the loss is finite)
   * the loss's gradient, every node's backward pass into grads, and per node the mean, max and norm of |∂L/∂W|.
   * Returns the loss; `sumSquares` is then Σ g² over all gradients in laneSums.ts's order (NaN when the loss was not
   * finite and nothing of the backward pass was written). Every gradient is written and none is read before: grads
   * need not be zeroed first. Generated with a recorder, it also writes the recorder's row (see StepRecorder).
   */
  run(): number;
  readonly sumSquares: number;
}

/** Where the generated step writes each node's |∂L/∂W| statistics (the trainer's arrays, [nodes]). */
export interface GradientStatsOut {
  readonly meanAbs: Float64Array;
  readonly maxAbs: Float64Array;
  readonly norm: Float64Array;
}

/**
 * The generated step of `m` for batches of B rows, or null when the network is not a stack of dense layers over
 * float32 (other kinds keep their events; their steps are not tiny anyway).
 */
export function compileFastStep(
  m: Model<Float32Array>,
  loss: Loss,
  fused: boolean,
  y: Float32Array,
  B: number,
  stats: GradientStatsOut,
  /** Rows to write each step's numbers into as well (see StepRecorder: every node of a dense stack is weighted). */
  recorder?: StepRecorder | null,
): FastStep | null {
  if (!(m.params instanceof Float32Array) || !Number.isInteger(B) || B < 1 || B > m.maxBatch) return null;
  if (!m.nodes.length || m.nodes.some((n) => n.kind !== 'dense')) return null;
  if (recorder && recorder.stride !== GRADS + 2 * m.nodes.length) return null;
  // Gradients in the kernels' memory (a trainer with threads): the large layers' statistics in WebAssembly.
  const gk = gradStatsKernel(m.grads);
  const src = new Source(m, loss, fused, B, !!recorder, !!recorder?.norms, !!gk);
  const names = ['P', 'G', 'Y', 'S', 'MA', 'MX', 'NR', 'REC', 'R', 'RB', 'GK', 'GO', 'GF', 'GN', 'RK'];
  const values: unknown[] = [m.params, m.grads, y, src.out, stats.meanAbs, stats.maxAbs, stats.norm];
  values.push(recorder, recorder?.rows, recorder?.bounds, gk, new Float64Array(3 * Math.max(1, src.together.length)));
  // The W of every node in `together`: offsets and sizes for GK.runAll.
  values.push(Int32Array.from(src.together, (i) => m.nodes[i].wOff));
  values.push(Int32Array.from(src.together, (i) => m.nodes[i].wSize));
  values.push(src.reluKernel);
  names.push(...Object.keys(HELPERS));
  values.push(...Object.values(HELPERS));
  m.acts.forEach((a, i) => (names.push(`A${i}`, `AI${i}`), values.push(a, bits(a))));
  m.nodes.forEach((_, i) => {
    names.push(`Z${i}`, `D${i}`, `DO${i}`, `ZI${i}`, `DI${i}`, `DOI${i}`);
    values.push(m.zs[i], m.deltas[i], m.dOuts[i], bits(m.zs[i]), bits(m.deltas[i]), bits(m.dOuts[i]));
  });
  // See the file header: the text comes from numbers and the templates below only.
  const factory = new Function(...names, `"use strict";\nreturn function step() {\n${src.body()}\n};`) as (
    ...args: unknown[]
  ) => () => number;
  return new CompiledStep(factory(...values), src.out);
}

/**
 * A generated step and where it leaves Σ g². A class, not an object literal with a getter: each such literal had a
 * map of its own (its getter a closure of its own), so the trainer's two reads of it every step went through V8's
 * generic property lookup, ~250 instructions of a 7,200-instruction N1 step (callgrind, node --predictable).
 */
class CompiledStep implements FastStep {
  constructor(
    readonly run: () => number,
    /** [Σ g²] (Source.out). */
    private readonly out: Float64Array,
  ) {}

  get sumSquares(): number {
    return this.out[0];
  }
}

/** The bits of a float32 buffer (the relu loops' masks), or null for another kind of buffer. */
function bits(a: unknown): Int32Array | null {
  return a instanceof Float32Array ? new Int32Array(a.buffer, a.byteOffset, a.length) : null;
}

/** What the generated code calls, by the names it uses. */
const HELPERS = {
  fr: Math.fround,
  tanh32Array,
  tanhDeltaArray,
  sigmoid32Array,
  sigmoidDeltaArray,
  normalCdf,
  activationForward,
  denseForward,
  denseBackward,
  lossForward,
  lossBackward,
  absStats,
  sumSquares,
};

/** The text of one step. */
class Source {
  readonly out = new Float64Array(1).fill(NaN);
  private readonly lines: string[] = [];
  private readonly L: number;
  /** Per node: its products run in dense.ts's float32 lanes (called), else they are written out here. */
  private readonly lanes: boolean[];
  /** reluSimd.ts's kernel (RK) where the batch buffers lie in the kernels' memory, else null (the loops below). */
  readonly reluKernel: ReluMask | null;
  /**
   * The nodes whose |∂W| statistics run together, in one GK.runAll after the backward pass (which may share them
   * with the helper thread, a whole tensor each): the lanes nodes when the kernel runs them and there are 2 to
   * MAX_TENSORS of them; else none, and each runs alone.
   */
  readonly together: number[];

  constructor(
    private readonly m: Model<Float32Array>,
    private readonly loss: Loss,
    private readonly fused: boolean,
    private readonly B: number,
    /** Whether the step writes its row into R from R[o] on (see StepRecorder), and its norms too. */
    private readonly records: boolean,
    private readonly norms: boolean,
    /** Whether the lanes layers' |∂W| statistics run in gradStatsSimd.ts's kernel (GK), else in absStats (into GO). */
    private readonly statsKernel: boolean,
  ) {
    this.L = m.nodes.length;
    this.lanes = m.nodes.map((n) => runsInLanes(B, n.inWidth, n.outWidth));
    const lanesNodes = this.lanes.flatMap((l, i) => (l ? [i] : []));
    this.together = statsKernel && lanesNodes.length > 1 && lanesNodes.length <= MAX_TENSORS ? lanesNodes : [];
    const relu = m.nodes.findIndex((n) => n.activation === 'relu');
    this.reluKernel = relu < 0 ? null : reluMaskKernel(m.acts[relu + 1], m.dOuts[relu], m.zs[relu]);
  }

  body(): string {
    const { L, m } = this;
    const K = m.nodes[L - 1].outWidth;
    if (this.records) this.emit(`const o = REC.length * ${GRADS + 2 * L};`);
    for (let i = 0; i < L; i++) this.forward(i);
    this.emit(...lossForwardText(this.loss, this.fused, L, this.B, K));
    this.emit('if (!Number.isFinite(loss)) { S[0] = NaN; return loss; }');
    if (this.records) this.emit(`R[o + ${LOSS}] = loss;`);
    this.emit(...lossBackwardText(this.loss, this.fused, L, this.B, K));
    for (let i = L - 1; i >= 0; i--) this.backward(i);
    if (this.together.length) this.emit('GK.runAll(G, GF, GN, GO);');
    this.emit('let T = 0;');
    for (let i = 0; i < L; i++) this.measure(i);
    this.emit('S[0] = T;');
    if (this.norms) {
      const max = `RB[${BOUND_NORM_MAX}]`;
      this.emit(
        `{ const nb = Math.sqrt(T); R[o + ${NORM_BEFORE}] = nb; R[o + ${NORM_AFTER}] = nb; ${max} = ${bound('>', 'nb', max)}; }`,
      );
    }
    this.emit('return loss;');
    return this.lines.join('\n');
  }

  /** The output is a softmax fused with cross-entropy: its activation is applied with the loss (see lossForward). */
  private fusedCrossEntropy(): boolean {
    return this.fused && this.loss === 'cross_entropy';
  }

  private emit(...l: string[]): void {
    this.lines.push(...l);
  }

  /** z = x·Wᵀ + b and a = φ(z) of node i. */
  private forward(i: number): void {
    const n = this.m.nodes[i],
      { B } = this,
      C = n.inWidth,
      O = n.outWidth;
    if (this.lanes[i]) {
      this.emit(`denseForward(Z${i}, A${i}, P, ${n.wOff}, ${n.bOff}, ${B}, ${C}, ${O});`);
      if (!(i === this.L - 1 && this.fusedCrossEntropy())) this.activationLoop(i);
      return;
    }
    // Inputs a{i}_k (acts[i]): the previous small node's outputs are locals already; otherwise read them once.
    if (i === 0 || this.lanes[i - 1]) for (let k = 0; k < B * C; k++) this.emit(`const a${i}_${k} = A${i}[${k}];`);
    for (let k = 0; k < O * C; k++) this.emit(`const w${i}_${k} = P[${n.wOff + k}];`);
    for (let o = 0; o < O; o++) this.emit(`const b${i}_${o} = P[${n.bOff + o}];`);
    // dense.ts's small path: s = 0, s += x[n, c]·W[o, c] for c in order, z = b + s (float64), rounded on store.
    for (let r = 0; r < B; r++)
      for (let o = 0; o < O; o++) {
        let s = '0';
        for (let c = 0; c < C; c++) s = `${s} + a${i}_${r * C + c} * w${i}_${o * C + c}`;
        const k = r * O + o;
        this.emit(`const z${i}_${k} = fr(b${i}_${o} + (${s}));`, `Z${i}[${k}] = z${i}_${k};`);
      }
    const act = n.activation;
    if (i === this.L - 1 && this.fusedCrossEntropy()) return; // applied with the loss
    if (act === 'softmax' || act === 'tanh' || act === 'sigmoid') {
      // One call for the layer: its loop inlines tanh32/sigmoid32, and independent values overlap in the CPU.
      this.activationLoop(i);
      for (let k = 0; k < B * O; k++) this.emit(`const a${i + 1}_${k} = A${i + 1}[${k}];`);
      return;
    }
    for (let k = 0; k < B * O; k++)
      this.emit(
        `const a${i + 1}_${k} = ${activation(act, `z${i}_${k}`, n.slope)};`,
        `A${i + 1}[${k}] = a${i + 1}_${k};`,
      );
  }

  /** a = φ(z) over arrays, for a node whose products run in the lanes. */
  private activationLoop(i: number): void {
    const n = this.m.nodes[i],
      len = this.B * n.outWidth;
    if (n.activation === 'softmax') {
      this.emit(`activationForward('softmax', A${i + 1}, Z${i}, ${this.B}, ${n.outWidth});`);
      return;
    }
    if (n.activation === 'tanh') {
      this.emit(`tanh32Array(A${i + 1}, Z${i}, ${len});`);
      return;
    }
    if (n.activation === 'sigmoid') {
      this.emit(`sigmoid32Array(A${i + 1}, Z${i}, ${len});`);
      return;
    }
    if (n.activation === 'relu') {
      const z = this.m.zs[i],
        from = this.reluMask(this.m.acts[i + 1], z, z, len);
      if (from < len)
        this.emit(
          `for (let k = ${from}; k < ${len}; k++) { const v = ZI${i}[k]; AI${i + 1}[k] = v & ${positiveMask('v')}; }`,
        );
      return;
    }
    this.emit(
      `for (let k = 0; k < ${len}; k++) { const z = Z${i}[k]; A${i + 1}[k] = ${activation(n.activation, 'z', n.slope)}; }`,
    );
  }

  /** δ, ∂W, ∂b and ∂x of node i, in the order of dense.ts's kernels. */
  private backward(i: number): void {
    const n = this.m.nodes[i],
      { B, L } = this,
      C = n.inWidth,
      O = n.outWidth,
      fusedHere = this.fused && i === L - 1;
    if (this.lanes[i]) {
      if (!fusedHere) this.deltaLoop(i);
      // fresh: the kernels add into zeros that they place themselves (small nodes assign theirs).
      this.emit(
        `denseBackward(${i > 0 ? `DO${i - 1}` : 'null'}, G, D${i}, A${i}, P, ${n.wOff}, ${n.bOff}, ${B}, ${C}, ${O}, true);`,
      );
      return;
    }
    // δ as locals d{i}_k.
    if (fusedHere) for (let k = 0; k < B * O; k++) this.emit(`const d${i}_${k} = D${i}[${k}];`);
    else {
      // ∂L/∂a: from the node above when it is small (its ∂x locals), else from the array.
      const fromArray = i === L - 1 || this.lanes[i + 1];
      if (fromArray) for (let k = 0; k < B * O; k++) this.emit(`const da${i}_${k} = DO${i}[${k}];`);
      if (n.activation === 'softmax') {
        this.deltaLoop(i);
        for (let k = 0; k < B * O; k++) this.emit(`const d${i}_${k} = D${i}[${k}];`);
      } else
        for (let k = 0; k < B * O; k++)
          this.emit(
            `const d${i}_${k} = ${derivative(n.activation, `da${i}_${k}`, `z${i}_${k}`, `a${i + 1}_${k}`, n.slope)};`,
            `D${i}[${k}] = d${i}_${k};`,
          );
    }
    // ∂b[o] += δ[r, o], sample after sample, each sum stored (rounded) before the next.
    for (let o = 0; o < O; o++) {
      let g = '0';
      for (let r = 0; r < B; r++) g = `fr(${g} + d${i}_${r * O + o})`;
      this.emit(`const gb${i}_${o} = ${g};`, `G[${n.bOff + o}] = gb${i}_${o};`);
    }
    // ∂W[o, c] += ((δ0·x0 + δ1·x1) + δ2·x2) + δ3·x3 per block of four samples, then one sample at a time.
    for (let o = 0; o < O; o++)
      for (let c = 0; c < C; c++) {
        const term = (r: number) => `d${i}_${r * O + o} * a${i}_${r * C + c}`;
        this.emit(`const gw${i}_${o * C + c} = ${blocks(B, term)};`, `G[${n.wOff + o * C + c}] = gw${i}_${o * C + c};`);
      }
    if (i === 0) return;
    // ∂x[r, c] += ((δ0·W0 + δ1·W1) + δ2·W2) + δ3·W3 per block of four outputs, then one output at a time.
    for (let r = 0; r < B; r++)
      for (let c = 0; c < C; c++) {
        const term = (o: number) => `d${i}_${r * O + o} * w${i}_${o * C + c}`;
        const k = r * C + c;
        this.emit(`const da${i - 1}_${k} = ${blocks(O, term)};`, `DO${i - 1}[${k}] = da${i - 1}_${k};`);
      }
  }

  /**
   * out = x & positiveMask(z) over the whole blocks of four of [0, len) by reluSimd.ts's kernel, called at the
   * arrays' byte addresses (fixed: the kernels' memory never moves); returns where the caller's loop takes over (0
   * where there is no kernel).
   */
  private reluMask(out: unknown, x: unknown, z: unknown, len: number): number {
    const all = out instanceof Float32Array && x instanceof Float32Array && z instanceof Float32Array;
    if (!this.reluKernel || !all || !reluMaskKernel(out, x, z)) return 0;
    const whole = len & ~3;
    if (whole) this.emit(`RK(${out.byteOffset}, ${x.byteOffset}, ${z.byteOffset}, ${4 * whole});`);
    return whole;
  }

  /** δ = ∂L/∂a ⊙ φ′(z) over arrays. */
  private deltaLoop(i: number): void {
    const n = this.m.nodes[i],
      len = this.B * n.outWidth;
    if (n.activation === 'softmax') {
      // J·∂L/∂a per row, J = diag(a) − a·aᵀ, exactly as activations.ts.
      const O = n.outWidth;
      this.emit(
        `for (let r = 0; r < ${this.B}; r++) { const o = r * ${O}; let dot = 0;`,
        `  for (let j = 0; j < ${O}; j++) dot += DO${i}[o + j] * A${i + 1}[o + j];`,
        `  for (let j = 0; j < ${O}; j++) D${i}[o + j] = A${i + 1}[o + j] * (DO${i}[o + j] - dot); }`,
      );
      return;
    }
    if (n.activation === 'tanh') {
      // derivative()'s expression for tanh, fround(da·(1 − a·a)), two values at a time in WebAssembly.
      this.emit(`tanhDeltaArray(D${i}, DO${i}, A${i + 1}, ${len});`);
      return;
    }
    if (n.activation === 'sigmoid') {
      // derivative()'s expression for sigmoid, fround(da·a·(1 − a)), two values at a time in WebAssembly.
      this.emit(`sigmoidDeltaArray(D${i}, DO${i}, A${i + 1}, ${len});`);
      return;
    }
    if (n.activation === 'relu') {
      const from = this.reluMask(this.m.deltas[i], this.m.dOuts[i], this.m.zs[i], len);
      if (from < len)
        this.emit(
          `for (let k = ${from}; k < ${len}; k++) { const v = ZI${i}[k]; DI${i}[k] = DOI${i}[k] & ${positiveMask('v')}; }`,
        );
      return;
    }
    const d = derivative(n.activation, `DO${i}[k]`, `Z${i}[k]`, `A${i + 1}[k]`, n.slope);
    this.emit(`for (let k = 0; k < ${len}; k++) D${i}[k] = ${d};`);
  }

  /**
   * Mean, max and norm of |∂W| of node i, and Σ g² of its W then of its b added to T (the global sum): every sum in
   * laneSums.ts's order (lanes of eight, combined by its tree), by its functions or by the text below for small nodes.
   */
  private measure(i: number): void {
    const n = this.m.nodes[i],
      W = n.wSize,
      O = n.outWidth;
    this.emit(`{ let s = 0, mx = 0, sq = 0, v = 0;`);
    const j = this.together.indexOf(i);
    if (j >= 0)
      this.emit(
        `s = GO[${3 * j}]; sq = GO[${3 * j + 1}]; mx = GO[${3 * j + 2}];`, // laneSums.ts's S, SQ, MX
        `T += sq; T += sumSquares(G, ${n.bOff}, ${O});`,
      );
    else if (this.lanes[i]) {
      // Both compute the same bits (gradStatsSimd.test.ts).
      this.emit(
        `${this.statsKernel ? 'GK.run' : 'absStats'}(G, ${n.wOff}, ${W}, GO); s = GO[0]; sq = GO[1]; mx = GO[2];`,
        `T += sq; T += sumSquares(G, ${n.bOff}, ${O});`,
      );
    } else {
      // absStats written out: lane k mod 8 of s and of sq takes element k. A lane starts at +0 and adds values ≥ +0
      // (or NaN), so it never holds −0 and an empty lane (k < 8 elements) adds nothing: the tree leaves it out.
      const used = Math.min(W, LANES),
        lanes = (p: string) => Array.from({ length: LANES }, (_, j) => (j < used ? `${p}${j}` : ''));
      this.emit(
        `let ${[...lanes('s'), ...lanes('q')]
          .filter(Boolean)
          .map((l) => `${l} = 0`)
          .join(', ')};`,
      );
      for (let k = 0; k < W; k++)
        this.emit(`v = Math.abs(gw${i}_${k}); s${k % LANES} += v; q${k % LANES} += v * v; if (v > mx) mx = v;`);
      this.emit(`s = ${laneTree(lanes('s'))}; sq = ${laneTree(lanes('q'))}; T += sq;`);
      // b's Σ g², lane by lane as sums of its squares (its first term adds to +0 exactly).
      const b = Array.from({ length: LANES }, (_, j) => {
        const terms: string[] = [];
        for (let o = j; o < O; o += LANES) terms.push(`gb${i}_${o} * gb${i}_${o}`);
        return terms.length ? `(${terms.join(' + ')})` : '';
      });
      this.emit(`T += ${laneTree(b)};`);
    }
    if (!this.records) {
      this.emit(`MA[${i}] = s / ${W}; MX[${i}] = mx; NR[${i}] = Math.sqrt(sq); }`);
      return;
    }
    // The same two numbers into the row (node i is weighted node i: every node of a dense stack is), and the bounds.
    const g = GRADS + 2 * i,
      mean = `RB[${BOUND_MEAN_MIN}]`,
      norm = i < this.L - 1 ? `RB[${BOUND_INNER_MIN}]` : `RB[${BOUND_LAST_MAX}]`;
    this.emit(
      `const ma = s / ${W}, nr = Math.sqrt(sq);`,
      `MA[${i}] = ma; MX[${i}] = mx; NR[${i}] = nr; R[o + ${g}] = nr; R[o + ${g + 1}] = ma;`,
      `${mean} = ${bound('<', 'ma', mean)}; ${norm} = ${bound(i < this.L - 1 ? '<' : '>', 'nr', norm)}; }`,
    );
  }
}
