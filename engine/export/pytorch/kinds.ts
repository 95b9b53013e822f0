// What each layer kind becomes in PyTorch: its module, its forward statement, its parameters. The compiler keeps
// this table complete (one entry per registered kind), so a new kind cannot be exported as a different model.
import type { Activation } from '../../nn/activations';
import type { LeafKind, LeafSpec } from '../../nn/layers';

/** One layer as model.py writes it. */
export interface PyLayer {
  /** The module's constructor (a Python expression), or null for a layer that is a function of x only. */
  readonly module: string | null;
  /** The forward statement's right-hand side, given the module (e.g. `self.h1`) and the input name. */
  call(ref: string, x: string): string;
  /** True when the module holds nnet parameters (`weight` = W or γ, `bias` = b or β). */
  readonly params: boolean;
  /** Names model.py imports from nnet_torch.py for it. */
  readonly imports: readonly string[];
  /** The output width (a Python expression). */
  readonly outWidth: string;
}

/** How a kind exports, given its spec, its input width (a Python expression) and whether the loss takes over its activation. */
type KindExport<S> = (s: S, inWidth: string, fusedOutput: boolean) => PyLayer;

/** φ as a Python expression of `x` (PyTorch's definitions are nnet's: gelu exact, leaky_relu with nnet's slope). */
export const ACTIVATION_PY: { readonly [A in Activation]: (x: string, slope: number) => string } = {
  identity: (x) => x,
  relu: (x) => `torch.relu(${x})`,
  leaky_relu: (x, slope) => `F.leaky_relu(${x}, ${py(slope)})`,
  sigmoid: (x) => `torch.sigmoid(${x})`,
  tanh: (x) => `torch.tanh(${x})`,
  gelu: (x) => `F.gelu(${x})`,
  softmax: (x) => `torch.softmax(${x}, dim=1)`,
};

/** Every layer statement kind's export. */
export const PYTORCH_KINDS: { readonly [K in LeafKind]: KindExport<Extract<LeafSpec, { kind: K }>> } = {
  dense: (s, w, fused) => ({
    module: `Linear(${w}, ${s.units})`,
    // A fused output returns its logits z: the loss applies sigmoid/softmax itself (δ = (a − y)/N, as nnet).
    call: (ref, x) => (fused ? `${ref}(${x})` : ACTIVATION_PY[s.activation](`${ref}(${x})`, s.slope)),
    params: true,
    imports: ['Linear'],
    outWidth: String(s.units),
  }),
  activation: (s, w, fused) => ({
    module: null,
    call: (_ref, x) => (fused ? x : ACTIVATION_PY[s.activation](x, s.slope)),
    params: false,
    imports: [],
    outWidth: w,
  }),
  dropout: (s, w) => ({
    module: `Dropout(${py(s.p)}, MASKS)`,
    call: (ref, x) => `${ref}(${x})`,
    params: false,
    imports: ['Dropout', 'MaskSource'],
    outWidth: w,
  }),
  batchnorm: (s, w) => ({
    module: `BatchNorm(${w}, momentum=${py(s.momentum)}, eps=${py(s.eps)})`,
    call: (ref, x) => `${ref}(${x})`,
    params: true,
    imports: ['BatchNorm'],
    outWidth: w,
  }),
  layernorm: (s, w) => ({
    module: `nn.LayerNorm(${w}, eps=${py(s.eps)})`,
    call: (ref, x) => `${ref}(${x})`,
    params: true,
    imports: [],
    outWidth: w,
  }),
};

/** A number as a Python literal that reads back as the same double. */
export function py(v: number): string {
  if (Number.isNaN(v)) return 'math.nan';
  if (!Number.isFinite(v)) return v > 0 ? 'math.inf' : '-math.inf';
  // JavaScript's shortest round-trip form is valid Python (1e-7, 0.5); integers get a `.0` to stay floats.
  return Number.isInteger(v) && Math.abs(v) < 1e15 ? v.toFixed(1) : String(v);
}
