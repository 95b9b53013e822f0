"""Module events: root models discovered by torch's global forward pre-hook, per-module forward and gradient hooks.

The first call of a module the probe does not know makes it a root: its `named_modules()` with parameters of their
own are reported (`modules`) and hooked. A forward hook keeps the latest input/output and, when breakpoints are
armed, puts tensor hooks on them (∂L/∂output, ∂L/∂input). The backward event comes when every parameter's
gradient has been accumulated: torch 1.13 has no post-accumulate hook, so a hook goes on each parameter's
AccumulateGrad node (kept alive here so autograd reuses it), which runs after `.grad` was written.
"""

from __future__ import annotations

import weakref
from typing import Any, Dict, List, Optional, Tuple

import torch
from torch import nn

from .protocol import Message
from .runtime import PROBE, guarded
from .sites import site_of
from .steps import module_stats
from .tensors import summarize_all

_known: "weakref.WeakSet[nn.Module]" = weakref.WeakSet()
_last: Optional["ModuleProbe"] = None  # the hooked module that ran last (dead units: was the next one a ReLU?)
_installed = False


def first_tensor(value: Any) -> Optional[torch.Tensor]:
    """`value` if it is a tensor, else the first tensor of a tuple/list (the protocol's `input` and `output`)."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            if isinstance(v, torch.Tensor):
                return v
    return None


def _finite(t: Optional[torch.Tensor]) -> bool:
    return t is None or not t.is_floating_point() or bool(torch.isfinite(t).all())


class ModuleProbe:
    """The hooks and latest tensors of one module with parameters of its own."""

    def __init__(self, path: str, module: nn.Module) -> None:
        self.path = path
        self.module = module
        self.params: List[Tuple[str, nn.Parameter]] = list(module.named_parameters(recurse=False))
        self.input: Optional[torch.Tensor] = None
        self.output: Optional[torch.Tensor] = None
        self.grad_output: Optional[torch.Tensor] = None
        self.grad_input: Optional[torch.Tensor] = None
        self.phase = "forward"
        self.relu_next = False
        self._calls_step = -1
        self._forward_calls = 0
        self._backward_calls = 0
        self._accumulated = 0
        self._expect_input = False
        self._input_seen = False
        self._deferred = False
        self._grad_params = [p for _, p in self.params if p.requires_grad]
        self._nodes: List[Any] = []

    def attach(self) -> None:
        self.module.register_forward_hook(self._forward)
        with torch.enable_grad():  # the discovering call may run under no_grad, where expand_as has no grad_fn
            for p in self._grad_params:
                node = p.expand_as(p).grad_fn.next_functions[0][0]
                node.register_hook(self._param_accumulated)
                self._nodes.append(node)

    def describe(self) -> Message:
        """ProbeModule."""
        site = site_of(self.module)
        return {
            "path": self.path,
            "type": type(self.module).__name__,
            "repr": " ".join(repr(self.module).split()),
            "params": [{"name": n, "shape": list(p.shape)} for n, p in self.params],
            "site": {"file": site[0], "line": site[1]} if site else None,
        }

    def tensors(self) -> Dict[str, Optional[torch.Tensor]]:
        """The tensors of the latest event, by ProbeTensorName."""
        out: Dict[str, Optional[torch.Tensor]] = {"input": self.input, "output": self.output}
        out.update((n, p.detach()) for n, p in self.params)
        if self.phase == "backward":
            out["grad_output"] = self.grad_output
            out["grad_input"] = self.grad_input
            out.update((f"{n}.grad", p.grad) for n, p in self.params)
        return out

    def backward_ran(self) -> bool:
        """True when this module's backward has completed in the step in progress (its gradients are this step's)."""
        return self._calls_step == PROBE.step and self._backward_calls > 0

    def _reset_calls(self) -> None:
        if self._calls_step != PROBE.step:
            self._calls_step = PROBE.step
            self._forward_calls = self._backward_calls = 0

    # ---- forward ----

    @guarded
    def _forward(self, module: nn.Module, args: Tuple[Any, ...], output: Any) -> None:
        global _last
        _last = self
        if not PROBE.connected:
            return
        self._reset_calls()
        call = self._forward_calls
        self._forward_calls += 1
        inp, out = first_tensor(args), first_tensor(output)
        self.input = inp.detach() if inp is not None else None
        self.output = out.detach() if out is not None else None
        self._expect_input = self._input_seen = False
        self.grad_output = self.grad_input = None
        arm = PROBE.arm
        nan = None
        if arm.nan_check and not _finite(out) and _finite(inp):
            nan = next((n for n, p in self.params if not _finite(p)), "output")
        paused = PROBE.take_pause()
        if arm.forward(self.path) or nan or paused:
            self.phase = "forward"
            self._stop("forward", call, paused, nan)
        # After the stop, so an arm sent while stopped here counts. With any breakpoint armed, every module keeps its
        # gradients (a Step Over from here may reach any module's backward); with none, only nanCheck needs one.
        arm = PROBE.arm
        keep = arm.every or bool(arm.modules)
        if (keep or arm.nan_check) and out is not None and out.requires_grad:
            out.register_hook(self._on_grad_output)
        if keep and inp is not None and inp.requires_grad:
            self._expect_input = True
            inp.register_hook(self._on_grad_input)

    # ---- backward ----

    @guarded
    def _on_grad_output(self, grad: torch.Tensor) -> None:
        self.grad_output = grad.detach()

    @guarded
    def _on_grad_input(self, grad: torch.Tensor) -> None:
        self.grad_input = grad.detach()
        self._input_seen = True
        if self._deferred:
            self._deferred = False
            self._backward_done()

    @guarded
    def _param_accumulated(self, *_: Any) -> None:
        self._accumulated += 1
        if self._accumulated < len(self._grad_params):
            return
        self._accumulated = 0
        if not PROBE.connected:
            return
        if self._expect_input and not self._input_seen:
            # ∂L/∂input comes later (AccumulateGrad runs first in autograd's order): stop when it has arrived.
            self._deferred = True
            return
        self._backward_done()

    def _backward_done(self) -> None:
        self._reset_calls()
        call = self._backward_calls
        self._backward_calls += 1
        arm = PROBE.arm
        nan = None
        if arm.nan_check and _finite(self.grad_output):
            nan = next((f"{n}.grad" for n, p in self.params if not _finite(p.grad)), None)
        paused = PROBE.take_pause()
        if arm.backward(self.path) or nan or paused:
            self.phase = "backward"
            self._stop("backward", call, paused, nan)

    def _stop(self, phase: str, call: int, paused: bool, nan: Optional[str]) -> None:
        event: Message = {
            "kind": "event",
            "phase": phase,
            "module": self.path,
            "step": PROBE.step,
            "call": call,
            "wait": True,
            "tensors": summarize_all(self.tensors()),
            "loss": PROBE.loss,
        }
        if phase == "backward":
            # The step's gradients so far, for the Gradient Flow view's bars at this stop (no other module's yet).
            ran = {path for path, mp in PROBE.modules.items() if mp.backward_ran()}
            event["modules"] = module_stats(1.0, ran)
        if paused:
            event["paused"] = True
        if nan:
            event["nan"] = {"tensor": nan}
        PROBE.block(event)


def _unwrap(root: nn.Module) -> nn.Module:
    """The model inside a DistributedDataParallel/DataParallel wrapper (their paths drop `module.`)."""
    wrappers = (nn.parallel.DistributedDataParallel, nn.DataParallel)
    return root.module if isinstance(root, wrappers) else root


def _discover(root: nn.Module) -> None:
    for m in root.modules():
        _known.add(m)
    model = _unwrap(root)
    hooked = {id(mp.module) for mp in PROBE.modules.values()}
    # Modules with parameters of their own, not hooked already (a module shared with an earlier root keeps its path).
    new = [(p, m) for p, m in model.named_modules() if id(m) not in hooked and any(True for _ in m.parameters(False))]
    prefix = _prefix_for(type(model).__name__, [p for p, _ in new])
    found: List[ModuleProbe] = []
    for path, m in new:
        mp = ModuleProbe(prefix + path, m)
        mp.attach()
        PROBE.modules[mp.path] = mp
        found.append(mp)
    if PROBE.connected:
        PROBE.send({"kind": "modules", "root": type(model).__name__, "modules": [mp.describe() for mp in found]})


def _prefix_for(root: str, paths: List[str]) -> str:
    """'' for the first root; for a later one whose paths would clash (a GAN's two nets), its class name and a dot."""
    taken = PROBE.modules.keys()
    for candidate in ["", f"{root}.", *(f"{root}{i}." for i in range(2, 1000))]:
        if not any(candidate + p in taken for p in paths):
            return candidate
    return f"{root}{id(paths)}."
@guarded
def _pre_hook(module: nn.Module, args: Tuple[Any, ...]) -> None:
    global _last
    if module not in _known:
        _discover(module)
    if _last is not None:
        if isinstance(module, nn.ReLU):
            _last.relu_next = True
        _last = None


def install() -> None:
    """Registers the global forward pre-hook once."""
    global _installed
    if not _installed:
        _installed = True
        torch.nn.modules.module.register_module_forward_pre_hook(_pre_hook)
