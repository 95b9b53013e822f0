"""Summaries and pages of tensor values, as the protocol sends them (never a whole large tensor unless asked)."""

from __future__ import annotations

import struct
from typing import Any, Dict, List, Optional

import torch

from .protocol import encode_float32_bytes

Summary = Dict[str, Any]


def dtype_name(t: torch.Tensor) -> str:
    """`float32`, `int64`, … (torch's name without the `torch.` prefix)."""
    return str(t.dtype).replace("torch.", "")


def summarize(t: torch.Tensor) -> Summary:
    """ProbeSummary of a tensor: a few reductions in float64, read back with one `.tolist()`."""
    x = t.detach()
    shape = list(x.shape)
    if x.numel() == 0:
        nan = float("nan")
        return _summary(shape, dtype_name(t), [nan, nan, nan, nan, 0.0, nan, 0.0])
    if x.is_complex():
        x = x.abs()
    x = x.to(torch.float64)
    stats = torch.stack(
        [
            x.mean(),
            x.std(unbiased=False),
            x.min(),
            x.max(),
            x.norm(),
            x.abs().mean(),
            (~torch.isfinite(x)).sum().to(torch.float64),
        ]
    )
    return _summary(shape, dtype_name(t), stats.tolist())


def _summary(shape: List[int], dtype: str, s: List[float]) -> Summary:
    return {
        "shape": shape,
        "dtype": dtype,
        "mean": s[0],
        "std": s[1],
        "min": s[2],
        "max": s[3],
        "norm": s[4],
        "meanAbs": s[5],
        "nonFinite": int(s[6]),
    }


def summarize_all(tensors: Dict[str, Optional[torch.Tensor]]) -> Dict[str, Summary]:
    """Summaries of the named tensors that exist."""
    return {name: summarize(t) for name, t in tensors.items() if t is not None}


def page(t: torch.Tensor, offset: int, count: int) -> Dict[str, Any]:
    """
    `count` values from `offset` of the row-major flattening, clamped to the tensor, as base64 little-endian float32
    (ints and bools converted). Only the page is copied.
    """
    flat = t.detach().reshape(-1)
    total = flat.numel()
    start = min(max(offset, 0), total)
    end = min(start + max(count, 0), total)
    values = flat[start:end]
    if values.is_complex():
        values = values.abs()
    floats = values.to(torch.float32).tolist()
    data = struct.pack(f"<{len(floats)}f", *floats)
    return {"shape": list(t.shape), "offset": start, "total": total, "data": encode_float32_bytes(data)}
