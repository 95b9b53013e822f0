// `nnet gradcheck`: trains N steps, then checks every layer's analytic gradients (∂L/∂W, ∂L/∂b and δ) against
// float64 central differences on the next batch — the same check as Check Gradients Here at a breakpoint.

import type { NetworkSpec } from './language/spec';
import { nodeLabel } from './runtime/eventState';
import { checkTrainerLayer, formatLayerCheck, GRADCHECK_TOLERANCE, type TensorCheck } from './runtime/layerGradcheck';
import { NonFiniteError, Trainer } from './runtime/trainer';

const KINK_NOTE =
  'Entries "at a ReLU kink" are skipped, not failed: nudging them by ±h moved a ReLU input across 0, where the\n' +
  'function has no derivative, so the finite difference measures the kink, not a gradient.';

/** Checks every layer after `steps` steps; exit 0 when all agree, 1 when one disagrees or training failed. */
export function gradcheckCommand(
  spec: NetworkSpec,
  steps: number,
  json: boolean,
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const t = new Trainer(spec);
  const layers: { layer: string; name: string; line: number; tensors: TensorCheck[] }[] = [];
  try {
    while (t.step < steps && t.advance());
    // The first forward event loads the next batch: the check differentiates the loss on it.
    if (t.step < steps || !t.advance()) {
      err(`nnet: training ends after ${t.step} steps; --steps N checks the step after N, so N must be below ${t.step}`);
      return 1;
    }
    t.model.nodes.forEach((n, i) => {
      const tensors = checkTrainerLayer(t, i);
      if (tensors.length) layers.push({ layer: nodeLabel(t, i), name: n.name, line: n.line + 1, tensors });
    });
  } catch (e) {
    if (e instanceof NonFiniteError) {
      err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const ok = layers.every((l) => l.tensors.every((c) => c.ok));
  if (json) {
    out(
      JSON.stringify({
        step: steps + 1,
        tolerance: GRADCHECK_TOLERANCE,
        ok,
        layers: layers.map((l) => ({ ...l, tensors: l.tensors.map(({ key: _key, ...c }) => c) })),
      }),
    );
  } else {
    for (const l of layers) out(formatLayerCheck(l.layer, l.tensors, steps + 1));
    if (layers.some((l) => l.tensors.some((c) => c.skipped > 0))) out(KINK_NOTE);
    out(
      ok
        ? `\nall gradients agree with finite differences (tolerance ${GRADCHECK_TOLERANCE.toExponential(0)})`
        : `\nsome gradients disagree with finite differences (tolerance ${GRADCHECK_TOLERANCE.toExponential(0)})`,
    );
  }
  return ok ? 0 : 1;
}
