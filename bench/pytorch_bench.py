"""Times PyTorch on CPU training one of the bench networks (bench/networks.ts) with plain SGD.

bench/pytorch.ts runs this in a fresh process per measurement and reads the last line, `BENCH_RESULT {json}`.
The network, the data and the learning rate are the ones every engine of `npm run bench` trains; the timing loop
is bench/runner.ts's `time()`: a warm-up, then chunks of steps that grow until one takes about 20 ms.

Standard library and torch only; the data arrives as raw little-endian float32 files written by the bench.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn


def read_f32(path: str, rows: int, cols: int) -> torch.Tensor:
    """A [rows, cols] float32 tensor from a raw little-endian file."""
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    if len(raw) != rows * cols * 4:
        raise ValueError(f"{path}: {len(raw)} bytes, expected {rows * cols * 4}")
    return torch.frombuffer(raw, dtype=torch.float32).reshape(rows, cols).clone()


class BenchNet(nn.Module):
    """Dense layers with one activation each; the softmax of a cross-entropy output is fused into the loss."""

    def __init__(self, inputs: int, layers: list[dict[str, object]]) -> None:
        super().__init__()
        self.linears = nn.ModuleList()
        self.activations: list[str] = []
        fan_in = inputs
        for layer in layers:
            units = int(layer["units"])  # type: ignore[arg-type]
            activation = str(layer["activation"])
            linear = nn.Linear(fan_in, units)
            # He for ReLU layers, Glorot uniform otherwise, zero biases: as bench/networks.ts's initOf.
            if activation == "relu":
                nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            else:
                nn.init.xavier_uniform_(linear.weight)
            nn.init.zeros_(linear.bias)
            self.linears.append(linear)
            self.activations.append(activation)
            fan_in = units

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for linear, activation in zip(self.linears, self.activations):
            x = linear(x)
            if activation == "relu":
                x = torch.relu(x)
            elif activation == "tanh":
                x = torch.tanh(x)
            elif activation == "sigmoid":
                x = torch.sigmoid(x)
            # softmax: left to the loss (cross_entropy takes logits)
        return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", required=True, help="the network as JSON: input, layers, loss, batch, batches, lr")
    parser.add_argument("--x", required=True, help="raw float32 inputs [n, input]")
    parser.add_argument("--y", required=True, help="raw float32 targets [n, outputs] (one-hot for cross_entropy)")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (0: all cores)")
    args = parser.parse_args()

    spec = json.loads(args.spec)
    threads = args.threads if args.threads > 0 else (os.cpu_count() or 1)
    torch.set_num_threads(threads)
    torch.manual_seed(7)

    batch, batches = int(spec["batch"]), int(spec["batches"])
    n, inputs = batch * batches, int(spec["input"])
    outputs = int(spec["layers"][-1]["units"])
    x = read_f32(args.x, n, inputs)
    y = read_f32(args.y, n, outputs)
    xs = list(x.split(batch))
    ys = list(y.split(batch)) if spec["loss"] == "mse" else list(y.argmax(dim=1).split(batch))

    model = BenchNet(inputs, spec["layers"])
    optimizer = torch.optim.SGD(model.parameters(), lr=float(spec["lr"]))
    loss_of: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = (
        F.mse_loss if spec["loss"] == "mse" else F.cross_entropy
    )
    cursor = 0

    def run(k: int) -> float:
        """k optimizer steps, mini-batch after mini-batch; the loss of the last one."""
        nonlocal cursor
        loss = torch.zeros(())
        for _ in range(k):
            b = cursor % batches
            cursor += 1
            optimizer.zero_grad(set_to_none=True)
            loss = loss_of(model(xs[b]), ys[b])
            loss.backward()
            optimizer.step()
        return float(loss)

    loss_before = run(1)
    steps, chunk, t0 = 0, 1, time.perf_counter()
    while steps < 2 or time.perf_counter() - t0 < args.warmup:
        c0 = time.perf_counter()
        run(chunk)
        steps += chunk
        if time.perf_counter() - c0 < 0.02:
            chunk *= 2
    chunk = max(1, chunk >> 1)
    steps, elapsed, t0 = 0, 0.0, time.perf_counter()
    while steps < 3 or elapsed < args.seconds:
        c0 = time.perf_counter()
        run(chunk)
        steps += chunk
        t = time.perf_counter()
        if t - c0 < 0.02:
            chunk *= 2
        elapsed = t - t0
        left = args.seconds - elapsed
        if left > 0:
            chunk = max(1, min(chunk, int(-(-left / max(t - c0, 1e-9) * chunk // 1))))
    elapsed = time.perf_counter() - t0
    loss_after = run(1)
    result = {
        "status": "ok",
        "samplesPerSec": steps * batch / elapsed,
        "steps": steps,
        "seconds": elapsed,
        "lossBefore": loss_before,
        "lossAfter": loss_after,
        "note": f"torch {torch.__version__}, {threads} thread{'s' if threads != 1 else ''}",
    }
    sys.stdout.write(f"\nBENCH_RESULT {json.dumps(result)}\n")


if __name__ == "__main__":
    main()
