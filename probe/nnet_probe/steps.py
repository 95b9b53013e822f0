"""Optimizer steps, the loss and gradient clipping: the step counter and the per-step statistics.

Each optimizer instance's `step` is replaced after `Optimizer.__init__` by a bound method (types.MethodType): torch
1.13's LR schedulers re-wrap `optimizer.step` and need its `__func__` and `__self__`. Before the real step the probe
sends `stepEnd` (when armed; it blocks) and after it, at most every `progressMs`, `progress`. Statistics are a few
torch reductions per module read back with one `.tolist()`, computed only on steps that send them.
"""

from __future__ import annotations

import functools
import math
import types
from typing import Any, Callable, Dict, List, Optional, Set

import torch

from torch.linalg import vector_norm

from .protocol import Message
from .runtime import PROBE, guarded, now_ms

_installed = False
STATS_SHARE = 0.02  # of the training time, at most, for progress statistics; as much again for update ratios


class StepState:
    """What the current step recorded (clipping) and the throttles' clocks."""

    def __init__(self) -> None:
        self.clip_total: Optional[torch.Tensor] = None
        self.clip_max: Optional[float] = None
        self.last_progress_ms = -math.inf
        self.last_progress_step = 0
        self.rate_clock_ms = now_ms()  # when steps/s was last measured (the script's start, then each progress)
        self.last_ratio_ms = -math.inf
        # Earliest times the next statistics / update-ratio sample may be taken: each costs the training time it
        # took times 1/STATS_SHARE of waiting, so sampling never takes more than that share of a run.
        self.stats_next_ms = -math.inf
        self.ratio_next_ms = -math.inf
        self.ratio_cost_ms = 0.0
        self.weights_before: Optional[Dict[str, List[torch.Tensor]]] = None


STATE = StepState()


def _norms(g: torch.Tensor) -> torch.Tensor:
    """[Σ|g|, max|g|, ‖g‖₂]: three passes over g, no temporaries (what keeps sampled steps cheap)."""
    g = g.detach()
    return torch.stack([vector_norm(g, 1), vector_norm(g, math.inf), vector_norm(g, 2)])


def module_stats(clip_coef: float, only: Optional[Set[str]] = None) -> List[Message]:
    """ProbeModuleStats of every hooked module (or of the paths in `only`), from the gradients as they are now
    (divided back by the clip factor)."""
    rows: List[torch.Tensor] = []  # one [Σ|g|, max|g|, ‖g‖] per gradient, or [dead fraction, 0, 0]
    plan: List[tuple] = []  # (path, element count, rows of its gradients, row of its dead fraction or None)
    for path, mp in PROBE.modules.items():
        if only is not None and path not in only:
            continue
        grads = [p.grad for _, p in mp.params if p.grad is not None]
        if not grads:
            continue
        first = len(rows)
        rows.extend(_norms(g) for g in grads)
        dead_row = None
        out = mp.output
        if mp.relu_next and out is not None and out.dim() >= 1 and out.shape[-1] > 0 and out.is_floating_point():
            dead = (out.reshape(-1, out.shape[-1]) <= 0).all(0).to(out.dtype).mean()
            dead_row = len(rows)
            rows.append(torch.stack([dead, torch.zeros_like(dead), torch.zeros_like(dead)]).to(rows[0].dtype))
        plan.append((path, sum(g.numel() for g in grads), range(first, first + len(grads)), dead_row))
    if not rows:
        return []
    values = torch.stack([r.to(torch.float64) for r in rows]).tolist()
    scale = 1.0 / clip_coef if clip_coef > 0 and math.isfinite(clip_coef) else 1.0
    stats = []
    for path, count, grad_rows, dead_row in plan:
        v = [values[i] for i in grad_rows]
        s: Message = {
            "path": path,
            "meanAbsGrad": sum(r[0] for r in v) / count * scale,
            "maxAbsGrad": max(r[1] for r in v) * scale,
            "gradNorm": math.sqrt(sum(r[2] ** 2 for r in v)) * scale,
        }
        if dead_row is not None:
            s["deadFraction"] = values[dead_row][0]
        stats.append(s)
    return stats


def _step_stats() -> Message:
    """modules, gradNormBefore, gradNormAfter and clipNorm of the step in progress."""
    total = float(STATE.clip_total) if STATE.clip_total is not None else math.nan
    coef = 1.0
    if STATE.clip_max is not None and math.isfinite(total):
        coef = min(1.0, STATE.clip_max / (total + 1e-6))  # what clip_grad_norm_ scaled the gradients by
    modules = module_stats(coef)
    before = math.sqrt(sum(m["gradNorm"] ** 2 for m in modules)) if modules else math.nan
    if STATE.clip_max is not None:
        before = total
    return {
        "modules": modules,
        "gradNormBefore": before,
        "gradNormAfter": before * coef if math.isfinite(before) else before,
        "clipNorm": STATE.clip_max,
    }


@guarded
def _before_step() -> Optional[Message]:
    """stepEnd (blocking when armed); returns the statistics when progress will want them after the step."""
    arm = PROBE.arm
    t = now_ms()
    progress_due = arm.progress_ms > 0 and t >= max(STATE.last_progress_ms + arm.progress_ms, STATE.stats_next_ms)
    if not (arm.step_end or progress_due):
        return None
    stats = _step_stats()
    if progress_due:
        STATE.stats_next_ms = t + (now_ms() - t) / STATS_SHARE
    if arm.step_end:
        PROBE.block({"kind": "stepEnd", "step": PROBE.step, "wait": True, "loss": PROBE.loss, **stats})
    t = now_ms()
    ratio_due = t >= max(STATE.last_ratio_ms + arm.update_ratio_ms, STATE.ratio_next_ms)
    if progress_due and arm.update_ratio_ms > 0 and ratio_due:
        STATE.last_ratio_ms = t
        STATE.weights_before = {
            path: [p.detach().clone() for _, p in mp.params if p.grad is not None] for path, mp in PROBE.modules.items()
        }
        STATE.ratio_cost_ms = now_ms() - t
    return stats if progress_due else None


def _update_ratios(stats: Message) -> None:
    before = STATE.weights_before
    STATE.weights_before = None
    if before is None:
        return
    t = now_ms()
    rows, paths = [], []
    for path, olds in before.items():
        mp = PROBE.modules[path]
        news = [p.detach() for _, p in mp.params if p.grad is not None]
        if not olds or len(olds) != len(news):
            continue
        # Per parameter ‖ΔW‖ and ‖W‖ (float32 norms: no float64 copies of the weights), then their squares summed.
        norms = torch.stack([torch.stack([vector_norm(n - o), vector_norm(o)]) for n, o in zip(news, olds)])
        rows.append(norms.double().pow(2).sum(0))
        paths.append(path)
    if not rows:
        return
    squares = torch.stack(rows).tolist()
    ratios = {p: math.sqrt(d) / math.sqrt(w) if w > 0 else math.nan for p, (d, w) in zip(paths, squares)}
    for m in stats["modules"]:
        if m["path"] in ratios:
            m["updateRatio"] = ratios[m["path"]]
    STATE.ratio_next_ms = now_ms() + (STATE.ratio_cost_ms + now_ms() - t) / STATS_SHARE


@guarded
def _after_step(stats: Optional[Message]) -> None:
    completed = PROBE.step
    PROBE.step += 1
    STATE.clip_total = STATE.clip_max = None
    if stats is not None:
        _update_ratios(stats)
        _send_progress(completed, stats)


@guarded
def flush_progress() -> None:
    """At the script's end: a last progress with the losses not yet sent (the throttle would have dropped them)."""
    if PROBE.connected and PROBE.arm.progress_ms > 0 and PROBE.losses:
        _send_progress(max(PROBE.step - 1, 0), _step_stats())


def _send_progress(completed: int, stats: Message) -> None:
    t = now_ms()
    elapsed = (t - STATE.rate_clock_ms) / 1000.0
    steps = PROBE.step - STATE.last_progress_step
    losses = [[s, l] for s, l in PROBE.losses]
    PROBE.losses.clear()
    STATE.last_progress_ms = STATE.rate_clock_ms = t
    STATE.last_progress_step = PROBE.step
    rate = steps / elapsed if elapsed > 0 else 0.0
    PROBE.send({"kind": "progress", "step": completed, "stepsPerSecond": rate, "losses": losses, **stats})


@guarded
def _record_loss(loss: torch.Tensor) -> None:
    PROBE.record_loss(loss.detach().item())


def _wrap_optimizer_step(optimizer: torch.optim.Optimizer) -> None:
    original: Callable[..., Any] = type(optimizer).step

    @functools.wraps(original)
    def step(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> Any:
        stats = _before_step() if PROBE.connected else None
        result = original(self, *args, **kwargs)
        _after_step(stats)
        return result

    optimizer.step = types.MethodType(step, optimizer)  # type: ignore[method-assign]


def install() -> None:
    """Patches Optimizer.__init__, Tensor.backward and clip_grad_norm_ (both of its names) once."""
    global _installed
    if _installed:
        return
    _installed = True

    init = torch.optim.Optimizer.__init__

    @functools.wraps(init)
    def __init__(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        _wrap_optimizer_step(self)

    torch.optim.Optimizer.__init__ = __init__  # type: ignore[method-assign]

    backward = torch.Tensor.backward

    @functools.wraps(backward)
    def tensor_backward(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        if PROBE.connected and self.numel() == 1 and self.is_floating_point():
            _record_loss(self)
        return backward(self, *args, **kwargs)

    torch.Tensor.backward = tensor_backward  # type: ignore[method-assign]

    clip = torch.nn.utils.clip_grad.clip_grad_norm_

    @functools.wraps(clip)
    def clip_grad_norm_(parameters: Any, max_norm: float, *args: Any, **kwargs: Any) -> torch.Tensor:
        total = clip(parameters, max_norm, *args, **kwargs)
        STATE.clip_total, STATE.clip_max = total.detach(), float(max_norm)
        return total

    torch.nn.utils.clip_grad.clip_grad_norm_ = clip_grad_norm_
    torch.nn.utils.clip_grad_norm_ = clip_grad_norm_
