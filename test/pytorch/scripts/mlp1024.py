"""The overhead workload: a 4-layer MLP of width 1024 (batch 64, SGD) trained on random data; prints its speed as
`STEPS_PER_S <x> CPU_STEPS_PER_S <y>` over the steps after a warm-up, so runs with and without the probe compare."""

import argparse
import time

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=60)
parser.add_argument("--warmup", type=int, default=10)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)
width = 1024
model = nn.Sequential(
    nn.Linear(width, width),
    nn.ReLU(),
    nn.Linear(width, width),
    nn.ReLU(),
    nn.Linear(width, width),
    nn.ReLU(),
    nn.Linear(width, 10),
)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
x, y = torch.randn(64, width), torch.randint(0, 10, (64,))

for step in range(args.warmup + args.steps):
    if step == args.warmup:
        start, cpu_start = time.perf_counter(), time.process_time()
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
# CPU time as well as wall time: on a shared machine the process's own CPU seconds are the steadier measure.
print(f"STEPS_PER_S {args.steps / wall:.3f} CPU_STEPS_PER_S {args.steps / cpu:.3f}")
