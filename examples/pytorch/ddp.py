"""The 3-layer MLP of train.py trained with DistributedDataParallel (gloo, CPU) on every rank's share of the data.

Honours torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT): run it with nnet's probe as
`python3 -m nnet_probe --nproc 2 ddp.py`, or with torchrun where torchrun works. Alone, it runs as a single rank.
"""

import argparse
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from train import MLP, make_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32, help="samples per rank and step")
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()

    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    dist.init_process_group("gloo", rank=rank, world_size=world)

    torch.manual_seed(0)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    model = DistributedDataParallel(MLP())
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    x, y = make_data()

    for step in range(args.steps):
        # Each rank takes its own slice of the global batch.
        i = (step * args.batch * world + rank * args.batch) % len(x)
        xb, yb = x[i : i + args.batch], y[i : i + args.batch]
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        if rank == 0 and (step % 25 == 0 or step == args.steps - 1):
            print(f"step {step:4d}  loss {loss.item():.4f}")

    dist.destroy_process_group()


if __name__ == "__main__":
    main()
