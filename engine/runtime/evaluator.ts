// Runs a trainer's network in evaluation mode (no dropout, batch norm's running statistics) on a twin model that
// shares its parameters: predictions for the CLI and the views, and the validation loss at each epoch's end. The
// training step's activations stay untouched, so a debugger stopped mid-step still shows them.

import type { NetworkSpec } from '../language/spec';
import { lossForward } from '../nn/losses';
import { Model } from '../nn/model';
import type { Prng } from '../nn/prng';
import { countCorrect } from './batchMath';

/** Evaluation-mode forward passes over a training model's parameters. */
export class Evaluator {
  /** The evaluation twin of the training model, made on first use. */
  private twin: Model | null = null;

  constructor(
    private readonly spec: NetworkSpec,
    private readonly model: Model,
    /** Every row's inputs and targets, [rows, inputs] and [rows, outputs]. */
    private readonly xAll: Float32Array,
    private readonly yAll: Float32Array,
    private readonly outputs: number,
    private readonly fusedOutput: boolean,
    /** Passed to the forward passes, which draw nothing from it in evaluation mode. */
    private readonly rng: Prng,
  ) {}

  /** The network's outputs for rows of inputs. */
  predict(rows: readonly (readonly number[])[]): number[][] {
    const m = this.evaluationModel(),
      B = m.maxBatch,
      C = this.spec.inputSize,
      L = m.nodes.length,
      out: number[][] = [];
    for (let start = 0; start < rows.length; start += B) {
      const n = Math.min(B, rows.length - start);
      for (let r = 0; r < n; r++) m.acts[0].set(rows[start + r], r * C);
      for (let i = 0; i < L; i++) m.forwardNode(i, n, 'eval', this.rng);
      for (let r = 0; r < n; r++) out.push(Array.from(m.acts[L].subarray(r * this.outputs, (r + 1) * this.outputs)));
    }
    return out;
  }

  /** Mean loss and accuracy on the data rows `rows` (accuracy 0 unless `classify`). */
  evaluate(rows: Int32Array, classify: boolean): [number, number] {
    const m = this.evaluationModel(),
      B = m.maxBatch,
      C = this.spec.inputSize,
      K = this.outputs,
      L = m.nodes.length;
    const y = new Float32Array(B * K); // [B, outputs]
    let lossSum = 0,
      correct = 0;
    for (let start = 0; start < rows.length; start += B) {
      const n = Math.min(B, rows.length - start);
      for (let r = 0; r < n; r++) {
        const row = rows[start + r];
        m.acts[0].set(this.xAll.subarray(row * C, row * C + C), r * C);
        y.set(this.yAll.subarray(row * K, row * K + K), r * K);
      }
      for (let i = 0; i < L; i++) m.forwardNode(i, n, 'eval', this.rng);
      lossSum += lossForward(this.spec.loss, m.logits(), m.acts[L], y, n, K, this.fusedOutput) * n;
      if (classify) correct += countCorrect(m.acts[L], y, n, K);
    }
    return [lossSum / rows.length, correct / rows.length];
  }

  private evaluationModel(): Model {
    return (this.twin ??= new Model(
      this.spec.inputSize,
      this.spec.layers,
      this.model.maxBatch,
      Float32Array,
      this.model,
    ));
  }
}
