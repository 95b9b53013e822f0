"""The probe's state in one training process: the connection, what is armed, the step, the loss, blocking.

hooks.py (module events) and steps.py (optimizer steps, loss, clipping) report here; this decides whether an event
blocks (armed, `every`, a pending pause, or nanCheck) and answers the adapter's requests while blocked.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Set, Tuple, TypeVar

from .connection import Connection
from .protocol import Arm, Message
from .tensors import page, summarize_all

if TYPE_CHECKING:
    from .hooks import ModuleProbe

MAX_PENDING_LOSSES = 10_000


class Probe:
    """One process's probe. Main-thread state, except `arm` and `pause_requested` (set by the reader thread)."""

    def __init__(self) -> None:
        self.conn: Optional[Connection] = None
        self.arm = Arm()
        self.pause_requested = False
        self._lock = threading.Lock()
        self.step = 0
        self.loss: Optional[float] = None
        # [step, loss] of each backward() since the last progress message.
        self.losses: List[Tuple[int, float]] = []
        self.modules: Dict[str, "ModuleProbe"] = {}

    # ---- from the reader thread ----

    def set_arm(self, arm: Arm) -> None:
        self.arm = arm

    def request_pause(self) -> None:
        with self._lock:
            self.pause_requested = True

    def take_pause(self) -> bool:
        """True once after `pause` was asked (the next module event blocks)."""
        with self._lock:
            paused, self.pause_requested = self.pause_requested, False
        return paused

    # ---- from the hooks ----

    @property
    def connected(self) -> bool:
        return self.conn is not None

    def send(self, message: Message) -> None:
        if self.conn is not None:
            self.conn.send(message)

    def record_loss(self, loss: float) -> None:
        self.loss = loss
        if self.arm.progress_ms > 0 and len(self.losses) < MAX_PENDING_LOSSES:
            self.losses.append((self.step, loss))

    def block(self, message: Message) -> None:
        """Sends a waiting event/stepEnd and answers requests until the adapter resumes."""
        if self.conn is not None:
            self.conn.block(message, self.answer)

    def answer(self, request: Message) -> Message:
        """The reply to a `summaries` or `values` request."""
        rid = request["id"]
        mp = self.modules.get(request["module"])
        if mp is None:
            return {"kind": "reply", "id": rid, "ok": False, "error": f"no module {request['module']!r}"}
        tensors = mp.tensors()
        try:
            if request["kind"] == "summaries":
                return {"kind": "reply", "id": rid, "ok": True, "body": {"tensors": summarize_all(tensors)}}
            t = tensors.get(request["tensor"])
            if t is None:
                names = ", ".join(n for n, v in tensors.items() if v is not None)
                return {"kind": "reply", "id": rid, "ok": False, "error": f"no tensor {request['tensor']!r} ({names})"}
            return {"kind": "reply", "id": rid, "ok": True, "body": page(t, request["offset"], request["count"])}
        except Exception as e:  # a reply, not a crash of the user's script
            return {"kind": "reply", "id": rid, "ok": False, "error": f"{type(e).__name__}: {e}"}


F = TypeVar("F", bound=Callable[..., Any])
_failed: Set[str] = set()


def guarded(fn: F) -> F:
    """
    A hook or wrapper body that never raises into the user's script: a failure of the probe's own code is noted on
    stderr (once per function) and the script runs on as if the probe were not there (the hook returns None, which
    leaves torch's tensors as they are).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if fn.__qualname__ not in _failed:
                _failed.add(fn.__qualname__)
                note = f"nnet probe: {fn.__qualname__} failed ({type(e).__name__}: {e}); the script runs on\n"
                sys.stderr.write(note)
            return None

    return wrapper  # type: ignore[return-value]


def now_ms() -> float:
    return time.monotonic() * 1000.0


PROBE = Probe()
"""The process's probe (one per process, like torch's global hooks it installs)."""
