// nnet_torch.py, shipped in every export: the building blocks that make PyTorch compute exactly what nnet computes
// (nnet's generator, batch norm, dropout masks, the fused softmax + cross-entropy δ, optimizer steps, schedule, clipping).
// test/pytorch/test_nnet_torch.py tests it with unittest; the parity test runs it on every example.

/** The source of nnet_torch.py. */
export const NNET_TORCH_PY = String.raw`"""Building blocks that make PyTorch compute exactly what nnet computes.

Written by nnet export --to pytorch; model.py and train.py import it. Where nnet's definition is also PyTorch's
(nn.Linear, nn.LayerNorm, the activations, mean squared error, BCE with logits), the standard module is used; the
classes here cover what differs: nnet's random generator (the shuffles and dropout masks), batch norm that also
works on one sample and across processes, dropout with nnet's masks, the softmax + cross-entropy δ, the optimizer
steps (computed in float64 and stored in float32, as nnet does), the learning-rate schedule and clipping.
Standard library, numpy and torch only.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "Linear",
    "set_exact_sums",
    "Mulberry32",
    "MaskSource",
    "Dropout",
    "BatchNorm",
    "Residual",
    "nnet_loss",
    "NnetOptimizer",
    "learning_rate_at",
    "clip_by_norm",
    "clip_by_value",
    "load_npz",
    "save_npz",
]

_EXACT_SUMS = True


def set_exact_sums(exact: bool) -> None:
    """True (the default): Linear layers sum in float64 and round to float32 once, as nnet's JavaScript kernels do
    for small layers; this keeps deep, ill-conditioned networks within float32 rounding of nnet. False: PyTorch's
    float32 kernels (faster; the choice on GPUs and for big runs)."""
    global _EXACT_SUMS
    _EXACT_SUMS = exact


class Linear(nn.Linear):
    """nn.Linear (z = x·Wᵀ + b, W [out, in]) whose products are summed in float64 and rounded to float32 once,
    forward and backward, unless set_exact_sums(False). (nnet's WebAssembly kernels, for layers of 256 or more
    multiply-adds, sum in float32 in their own order; no PyTorch kernel repeats that order, so there the two agree
    to float32 rounding.)"""

    def forward(self, x: Tensor) -> Tensor:
        if not _EXACT_SUMS or x.dtype != torch.float32:
            return super().forward(x)
        return F.linear(x.double(), self.weight.double(), self.bias.double()).float()


_INC = 0x6D2B79F5
_MASK32 = 0xFFFFFFFF


class Mulberry32:
    """nnet's random generator (mulberry32): the same seed gives the same numbers, bit for bit."""

    def __init__(self, state: int) -> None:
        self.state = state & _MASK32

    def uniforms(self, n: int) -> np.ndarray:
        """The next n numbers in [0, 1) as float64, in the order nnet draws them."""
        counter = (self.state + _INC * np.arange(1, n + 1, dtype=np.uint64)) & _MASK32
        self.state = (self.state + _INC * n) & _MASK32
        t = counter.astype(np.uint32)
        with np.errstate(over="ignore"):
            t = (t ^ (t >> np.uint32(15))) * (t | np.uint32(1))
            t ^= t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61))
        return (t ^ (t >> np.uint32(14))).astype(np.float64) / 4294967296.0

    def next(self) -> float:
        """The next number in [0, 1)."""
        return float(self.uniforms(1)[0])

    def shuffle(self, a: np.ndarray) -> None:
        """Fisher–Yates in place, drawing exactly as nnet's Prng.shuffle does."""
        n = len(a)
        if n < 2:
            return
        u = self.uniforms(n - 1)
        for k, i in enumerate(range(n - 1, 0, -1)):
            j = int(math.floor(u[k] * (i + 1)))
            a[i], a[j] = a[j], a[i]


class MaskSource:
    """Where dropout masks come from: nnet's generator over the whole global batch, of which this process keeps
    rows [lo, hi) — so one process and N processes drop the same units. Without a generator (the model used on
    its own) masks come from torch.rand."""

    def __init__(self) -> None:
        self.rng: Mulberry32 | None = None
        self.batch = 0
        self.lo = 0
        self.hi = 0

    def draw(self, p: float, rows: int, width: int) -> Tensor:
        keep = 1.0 / (1.0 - p)
        if self.rng is None:
            u = torch.rand(rows, width, dtype=torch.float64).numpy()
        else:
            u = self.rng.uniforms(self.batch * width).reshape(self.batch, width)[self.lo : self.hi]
        return torch.from_numpy(np.where(u < p, 0.0, keep).astype(np.float32))


class Dropout(nn.Module):
    """Inverted dropout as nnet: zero with probability p, scale the rest by 1/(1 − p); identity in eval mode."""

    def __init__(self, p: float, masks: MaskSource) -> None:
        super().__init__()
        self.p = p
        self.masks = masks

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        return x * self.masks.draw(self.p, x.shape[0], x.shape[1]).to(x.device)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _world() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def _sum_over_processes(t: Tensor) -> Tensor:
    """Σ over every process, differentiable (the gradient flows back to each process's rows)."""
    if _world() == 1:
        return t
    import torch.distributed.nn.functional as dist_fn

    return dist_fn.all_reduce(t)


class BatchNorm(nn.Module):
    """Batch norm as nnet (and nn.BatchNorm1d): x̂ = (x − μ)/√(σ² + ε) with the batch's biased variance, γx̂ + β;
    running mean and unbiased variance blended with momentum. Under torch.distributed the statistics are those
    of the global batch (what SyncBatchNorm does, which in torch 1.13 runs on GPUs only); a batch of one sample is
    allowed (nnet then blends σ² itself into the running variance)."""

    def __init__(self, width: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        self.momentum = momentum
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width))
        self.register_buffer("running_mean", torch.zeros(width))
        self.register_buffer("running_var", torch.ones(width))

    def forward(self, x: Tensor) -> Tensor:
        if not self.training:
            mean, var = self.running_mean, self.running_var
            return self.weight * ((x - mean) / torch.sqrt(var + self.eps)) + self.bias
        n = x.shape[0]
        if _world() > 1:
            count = torch.tensor([float(n)], device=x.device)
            dist.all_reduce(count)
            n = int(count.item())
        mean = _sum_over_processes(x.sum(0)) / n
        d = x - mean
        sq = _sum_over_processes((d * d).sum(0))
        var = sq / n
        with torch.no_grad():
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(m * mean)
            self.running_var.mul_(1 - m).add_(m * (sq / (n - 1) if n > 1 else var))
        return self.weight * (d * (1 / torch.sqrt(var + self.eps))) + self.bias

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, momentum={self.momentum}, eps={self.eps}"


class Residual(nn.Module):
    """out = body(x) + x, or body(x) + proj(x) (a learned projection) when the body changes the width."""

    def __init__(self, body: nn.Module, in_width: int, out_width: int) -> None:
        super().__init__()
        self.body = body
        self.proj = Linear(in_width, out_width) if in_width != out_width else None

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x) + (x if self.proj is None else self.proj(x))


_EPS = 1e-7


class _SoftmaxCrossEntropy(torch.autograd.Function):
    """−Σ y·log softmax(z) / B with nnet's fused δ = (softmax(z) − y)/B (also for targets that do not sum to 1)."""

    @staticmethod
    def forward(ctx, z: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(torch.softmax(z, dim=1), y)
        return -(y * torch.log_softmax(z, dim=1)).sum() / z.shape[0]

    @staticmethod
    def backward(ctx, g: Tensor):  # type: ignore[override]
        a, y = ctx.saved_tensors
        return g * (a - y) / a.shape[0], None


class _ClampedCrossEntropy(torch.autograd.Function):
    """−Σ y·log(clamp(a)) / B on probabilities (an output that is not a fused softmax), with nnet's gradient."""

    @staticmethod
    def forward(ctx, a: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(a, y)
        return -(y * torch.log(a.clamp(_EPS, 1 - _EPS))).sum() / a.shape[0]

    @staticmethod
    def backward(ctx, g: Tensor):  # type: ignore[override]
        a, y = ctx.saved_tensors
        da = torch.where((y != 0) & (a >= _EPS), -y / (a.clamp_min(1e-30) * a.shape[0]), torch.zeros_like(a))
        return g * da, None


def nnet_loss(kind: str, fused: bool, out: Tensor, y: Tensor) -> Tensor:
    """The mean loss of a batch as nnet defines it; out holds the logits when the loss is fused with the output
    activation (sigmoid + bce, softmax + cross_entropy), else the network's outputs."""
    if kind == "mse":
        return ((out - y) ** 2).mean()
    if kind == "half_mse":
        return 0.5 * ((out - y) ** 2).mean()
    if kind == "bce":
        if fused:
            return F.binary_cross_entropy_with_logits(out, y)
        p = out.clamp(_EPS, 1 - _EPS)
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    if kind == "cross_entropy":
        return (_SoftmaxCrossEntropy if fused else _ClampedCrossEntropy).apply(out, y)
    raise ValueError(f"unknown loss {kind!r}")


class NnetOptimizer(torch.optim.Optimizer):
    """nnet's optimizers: sgd, momentum (Nesterov optional), rmsprop, adam, adamw, with weight decay λ.

    The formulas are PyTorch's except AdamW's decay, θ ← θ − lr·m̂/(√v̂ + ε) − lr·λ·θ with the θ from before the
    step (PyTorch multiplies θ by 1 − lr·λ first, a different rounding). Each step is computed in float64 from the
    float32 values and stored in float32, exactly as nnet does, so both give the same numbers."""

    def __init__(self, params: Iterable[Tensor], kind: str, lr: float, weight_decay: float = 0.0, **hyper: float):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, kind=kind, **hyper))
        self.t = 0

    @torch.no_grad()
    def step(self, lr: float | None = None) -> None:  # type: ignore[override]
        self.t += 1
        for group in self.param_groups:
            kind, wd = group["kind"], group["weight_decay"]
            rate = group["lr"] if lr is None else lr
            for p in group["params"]:
                if p.grad is None:
                    continue
                theta, g = p.double(), p.grad.double()
                state = self.state[p]
                if kind == "sgd":
                    new = theta - rate * (g + wd * theta)
                elif kind == "momentum":
                    mu = group["momentum"]
                    g = g + wd * theta
                    b = mu * state.get("b", torch.zeros_like(p)).double() + g
                    state["b"] = b.float()
                    new = theta - rate * (g + mu * b) if group["nesterov"] else theta - rate * b
                elif kind == "rmsprop":
                    g = g + wd * theta
                    v = group["alpha"] * state.get("v", torch.zeros_like(p)).double() + (1 - group["alpha"]) * g * g
                    state["v"] = v.float()
                    new = theta - (rate * g) / (torch.sqrt(v) + group["eps"])
                elif kind in ("adam", "adamw"):
                    b1, b2, eps = group["beta1"], group["beta2"], group["eps"]
                    if kind == "adam":
                        g = g + wd * theta
                    m = b1 * state.get("m", torch.zeros_like(p)).double() + (1 - b1) * g
                    v = b2 * state.get("v", torch.zeros_like(p)).double() + (1 - b2) * g * g
                    state["m"], state["v"] = m.float(), v.float()
                    c1, c2 = 1 - b1**self.t, 1 - b2**self.t
                    new = theta - (rate * (m / c1)) / (torch.sqrt(v / c2) + eps)
                    if kind == "adamw":
                        new = new - rate * wd * theta
                else:
                    raise ValueError(f"unknown optimizer {kind!r}")
                p.copy_(new.float())


def learning_rate_at(
    step: int, base_lr: float, total_steps: int, warmup: int, schedule: str, every: int = 1, gamma: float = 1.0,
    min_lr: float = 0.0,
) -> float:
    """nnet's learning rate for optimizer step "step" (0-based): linear warm-up lr·(step + 1)/warmup, then the
    schedule from k = step − warmup (constant, step: γ^⌊k/every⌋, exponential: γ^k, cosine to min_lr over the
    remaining steps, then held)."""
    if step < warmup:
        return base_lr * (step + 1) / warmup
    k = step - warmup
    if schedule == "constant":
        return base_lr
    if schedule == "step":
        return base_lr * gamma ** (k // every)
    if schedule == "exponential":
        return base_lr * gamma**k
    if schedule == "cosine":
        span = total_steps - warmup
        if k >= span:
            return min_lr
        return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * k / span)) / 2
    raise ValueError(f"unknown schedule {schedule!r}")


@torch.no_grad()
def clip_by_norm(params: Sequence[Tensor], max_norm: float) -> float:
    """torch.nn.utils.clip_grad_norm_ as nnet computes it (the norm summed in float64): when the global norm
    exceeds max_norm every gradient is multiplied by max_norm/(norm + 1e-6). Returns the norm before clipping."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads))
    if math.isfinite(norm) and norm > max_norm:
        coefficient = max_norm / (norm + 1e-6)
        for g in grads:
            g.copy_((g.double() * coefficient).float())
    return norm


@torch.no_grad()
def clip_by_value(params: Sequence[Tensor], max_abs: float) -> None:
    """torch.nn.utils.clip_grad_value_: each gradient entry clamped to [−max_abs, max_abs]."""
    for p in params:
        if p.grad is not None:
            p.grad.clamp_(-max_abs, max_abs)


def load_npz(layers: Sequence[tuple[str, nn.Module]], path: str) -> None:
    """Loads weights keyed <layer>.W, <layer>.b (and a batch norm's running_mean, running_var) into the
    modules, checking every shape; nothing is unpickled."""
    with np.load(path, allow_pickle=False) as f:
        arrays = dict(f)
    for name, module in layers:
        for key, tensor in _tensors_of(name, module):
            if key not in arrays:
                if key.endswith(("running_mean", "running_var")):
                    continue
                raise KeyError(f"{path}: no array '{key}'")
            value = arrays[key]
            if tuple(value.shape) != tuple(tensor.shape):
                raise ValueError(f"{path}: '{key}' has shape {list(value.shape)}, the model needs {list(tensor.shape)}")
            with torch.no_grad():
                tensor.copy_(torch.from_numpy(value.astype(np.float32)))


def save_npz(layers: Sequence[tuple[str, nn.Module]], path: str) -> None:
    """Saves the weights as float32 arrays keyed as nnet names them (numpy's savez: no pickle)."""
    arrays = {key: t.detach().cpu().numpy().astype(np.float32) for name, m in layers for key, t in _tensors_of(name, m)}
    np.savez(path, **arrays)


def _tensors_of(name: str, module: nn.Module) -> list[tuple[str, Tensor]]:
    out = [(f"{name}.W", module.weight), (f"{name}.b", module.bias)]
    if isinstance(module, BatchNorm):
        out += [(f"{name}.running_mean", module.running_mean), (f"{name}.running_var", module.running_var)]
    return out
`;
