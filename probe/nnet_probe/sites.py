"""Construction sites: where each nn.Module was built, so a breakpoint on a Python line can name its module.

`torch.nn.Module.__init__` is wrapped (semantics kept) to record, per module, the innermost frame outside torch and
the probe that is not one of the module's own `__init__`s (a subclass's `__init__` calls `super().__init__()`).
Python 3.11 reports the line of each entry of a multi-line `nn.Sequential(\n nn.Linear(…),\n …)` call, and the loop
body's line for modules appended to a ModuleList in a loop (they share it).
"""

from __future__ import annotations

import functools
import os
import sys
import weakref
from typing import Optional, Tuple

import torch

Site = Tuple[str, int]

TORCH_DIR = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep
PROBE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

_sites: "weakref.WeakKeyDictionary[torch.nn.Module, Site]" = weakref.WeakKeyDictionary()
_installed = False


def is_internal(filename: str) -> bool:
    """A file of torch's or of the probe's (frames the user did not write)."""
    path = os.path.abspath(filename)
    return path.startswith(TORCH_DIR) or path.startswith(PROBE_DIR) or filename.startswith("<frozen")


def site_of(module: torch.nn.Module) -> Optional[Site]:
    """Where `module` was constructed, or None when it was built before the probe or only by torch's code."""
    return _sites.get(module)


def _find_site(module: torch.nn.Module) -> Optional[Site]:
    frame = sys._getframe(2)  # the caller of Module.__init__ (our wrapper is frame 1's callee)
    while frame is not None:
        code = frame.f_code
        own_init = code.co_name == "__init__" and frame.f_locals.get("self") is module
        if not own_init and not is_internal(code.co_filename):
            return (os.path.abspath(code.co_filename), frame.f_lineno)
        frame = frame.f_back
    return None


def install() -> None:
    """Wraps Module.__init__ once (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    original = torch.nn.Module.__init__

    @functools.wraps(original)
    def __init__(self: torch.nn.Module, *args: object, **kwargs: object) -> None:
        try:
            site = _find_site(self)
            if site is not None:
                _sites[self] = site
        except Exception:  # never break a model's construction because of the probe
            pass
        original(self, *args, **kwargs)

    torch.nn.Module.__init__ = __init__  # type: ignore[method-assign]
