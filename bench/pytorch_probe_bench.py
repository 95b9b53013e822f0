"""What nnet's PyTorch probe costs training: a 4-layer MLP of width 1024 (batch 64, SGD) trained for a fixed time.

Run plainly or under the probe (``python -m nnet_probe pytorch_probe_bench.py …``) by bench/probeCost.ts, which
compares the two. Prints one line ``BENCH_RESULT {json}`` with the steps and samples per second of the timed part.
Standard library and torch only; the data is generated (no downloads).
"""

import argparse
import json
import time

import torch
from torch import nn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's default)")
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    w = args.width
    model = nn.Sequential(
        nn.Linear(w, w),
        nn.ReLU(),
        nn.Linear(w, w),
        nn.ReLU(),
        nn.Linear(w, w),
        nn.ReLU(),
        nn.Linear(w, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    # A fixed pool of batches, so data generation is not what is timed.
    xs = [torch.randn(args.batch, w) for _ in range(8)]
    ys = [torch.randn(args.batch, 10) for _ in range(8)]

    def step(i: int) -> float:
        opt.zero_grad()
        loss = loss_fn(model(xs[i % 8]), ys[i % 8])
        loss.backward()
        opt.step()
        return loss.item()

    i = 0
    end = time.perf_counter() + args.warmup
    while time.perf_counter() < end:
        step(i)
        i += 1
    steps = 0
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    end = t0 + args.seconds
    loss = float("nan")
    while True:
        loss = step(i)
        i += 1
        steps += 1
        now = time.perf_counter()
        if now >= end:
            break
    elapsed = now - t0
    cpu = time.process_time() - cpu0
    result = {
        "status": "ok",
        "steps": steps,
        "seconds": elapsed,
        "stepsPerSec": steps / elapsed,
        "samplesPerSec": steps * args.batch / elapsed,
        "cpuStepsPerSec": steps / cpu if cpu > 0 else float("nan"),
        "loss": loss,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    print("BENCH_RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
