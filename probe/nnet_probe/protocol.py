"""The Python mirror of debugger/pytorch/probeProtocol.ts: message shapes, number and tensor codecs, validation.

Messages are JSON objects, one per line. Numbers JSON cannot carry travel as in wire/json.ts (NaN as null,
'Infinity', '-Infinity', '-0'); tensor values as base64 of little-endian float32. Nothing is ever pickled.
"""

from __future__ import annotations

import base64
import json
import math
import struct
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

# Environment variables the adapter sets (PROBE_ENV in probeProtocol.ts).
ENV_CONNECT = "NNET_PROBE_CONNECT"
ENV_TOKEN = "NNET_PROBE_TOKEN"

JsonNumber = Union[float, int, str, None]
Message = Dict[str, Any]


def encode_number(x: float) -> JsonNumber:
    """A number for JSON: NaN → None, ±∞ → 'Infinity'/'-Infinity', -0.0 → '-0', others as they are."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0.0 and math.copysign(1.0, x) < 0:
        return "-0"
    return x


def decode_number(x: Any) -> Optional[float]:
    """Reads a number written by encode_number (None → NaN); None when `x` is none of its forms."""
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return x
    if x is None:
        return math.nan
    return {"Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}.get(x) if isinstance(x, str) else None


def encode_json(value: Any) -> Any:
    """A copy of a JSON-shaped value with every float in its wire form (so json.dumps(allow_nan=False) never fails)."""
    if isinstance(value, float):
        return encode_number(value)
    if isinstance(value, dict):
        return {k: encode_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_json(v) for v in value]
    return value


def dumps(message: Message) -> bytes:
    """One message as a JSON line (UTF-8, '\\n'-terminated)."""
    return (json.dumps(encode_json(message), allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")


def encode_float32(values: List[float]) -> str:
    """Base64 of the values as little-endian float32."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def encode_float32_bytes(data: bytes) -> str:
    """Base64 of bytes that already are little-endian float32."""
    return base64.b64encode(data).decode("ascii")


def decode_float32(data: str) -> Tuple[float, ...]:
    """The values of encode_float32's output (for tests and tools)."""
    raw = base64.b64decode(data)
    return struct.unpack(f"<{len(raw) // 4}f", raw)


# ---- What the adapter sends (HostToProbe) -------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmModule:
    """A module whose forward and/or backward events block."""

    path: str
    forward: bool
    backward: bool


@dataclass(frozen=True)
class Arm:
    """What the probe watches for and reports (ProbeArm); each `arm` message replaces the previous one whole."""

    modules: Dict[str, ArmModule] = field(default_factory=dict)
    every: bool = False
    nan_check: bool = False
    step_end: bool = False
    progress_ms: float = 0.0
    update_ratio_ms: float = 0.0

    def forward(self, path: str) -> bool:
        m = self.modules.get(path)
        return self.every or (m is not None and m.forward)

    def backward(self, path: str) -> bool:
        m = self.modules.get(path)
        return self.every or (m is not None and m.backward)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _parse_arm(msg: Message) -> Optional[Arm]:
    mods = msg.get("modules")
    if not isinstance(mods, list):
        return None
    modules: Dict[str, ArmModule] = {}
    for m in mods:
        if not (
            isinstance(m, dict)
            and isinstance(m.get("path"), str)
            and isinstance(m.get("forward"), bool)
            and isinstance(m.get("backward"), bool)
        ):
            return None
        modules[m["path"]] = ArmModule(m["path"], m["forward"], m["backward"])
    flags = [msg.get(k) for k in ("every", "nanCheck", "stepEnd")]
    if not all(isinstance(f, bool) for f in flags):
        return None
    progress_ms, ratio_ms = msg.get("progressMs"), msg.get("updateRatioMs")
    if not (_is_num(progress_ms) and _is_num(ratio_ms) and progress_ms >= 0 and ratio_ms >= 0):
        return None
    return Arm(modules, flags[0], flags[1], flags[2], float(progress_ms), float(ratio_ms))


def parse_host_message(line: Union[str, bytes]) -> Optional[Message]:
    """
    A validated host message, or None (with a note on stderr) when the line is not JSON, has an unknown kind or bad
    fields. `arm` comes back as {'kind': 'arm', 'arm': Arm}; the others as sent.
    """
    try:
        msg = json.loads(line)
    except ValueError:
        return _ignored("not JSON", line)
    if not isinstance(msg, dict):
        return _ignored("not an object", line)
    kind = msg.get("kind")
    if kind in ("pause", "resume", "stop"):
        return {"kind": kind}
    if kind == "arm":
        arm = _parse_arm(msg)
        return {"kind": "arm", "arm": arm} if arm else _ignored("bad arm", line)
    if kind == "summaries":
        if _is_int(msg.get("id")) and isinstance(msg.get("module"), str):
            return {"kind": kind, "id": msg["id"], "module": msg["module"]}
        return _ignored("bad summaries request", line)
    if kind == "values":
        ok = (
            _is_int(msg.get("id"))
            and isinstance(msg.get("module"), str)
            and isinstance(msg.get("tensor"), str)
            and _is_int(msg.get("offset"))
            and _is_int(msg.get("count"))
            and msg["offset"] >= 0
            and msg["count"] >= 0
        )
        if ok:
            return {k: msg[k] for k in ("kind", "id", "module", "tensor", "offset", "count")}
        return _ignored("bad values request", line)
    return _ignored(f"unknown kind {kind!r}", line)


def _ignored(why: str, line: Union[str, bytes]) -> None:
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    sys.stderr.write(f"nnet probe: ignored a message from the debugger ({why}): {text[:200]}\n")
    return None
