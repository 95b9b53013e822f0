// A test build of the engine worker (bundled by checkGradients.test.ts, never shipped) whose dense layers named
// `broken…` have a wrong backward: the real dense backward, then W.grad and b.grad scaled by 1.01 — the kind of
// slip a hand-written backward makes, for Check Gradients Here to catch.

import { nodeOps } from '../../engine/nn/layers';
import '../../debugger/worker';

const dense = nodeOps('dense'),
  backward = dense.backward;
dense.backward = (m, i, B, fused) => {
  backward(m, i, B, fused);
  const n = m.nodes[i];
  if (!n.name.startsWith('broken')) return;
  for (let k = n.wOff; k < n.bOff + n.outWidth; k++) m.grads[k] *= 1.01;
};
