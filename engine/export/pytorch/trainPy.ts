// Writes train.py: nnet's training of the network in PyTorch — the same optimizer, schedule, clipping, accumulation,
// batches in the same order and dropout masks from nnet's generator — on one process or many (DistributedDataParallel).
import type { NetworkSpec } from '../../language/spec';
import { py } from './kinds';

/** train.py for a spec; `rngState` is nnet's generator after the initial weights and the validation split. */
export function trainPy(spec: NetworkSpec, rngState: number): string {
  const t = spec.train,
    o = t.optimizer,
    sc = t.schedule.schedule;
  const hyper: Record<string, string> = {};
  if (o.kind === 'momentum')
    Object.assign(hyper, { momentum: py(o.momentum), nesterov: o.nesterov ? 'True' : 'False' });
  if (o.kind === 'rmsprop') Object.assign(hyper, { alpha: py(o.alpha), eps: py(o.eps) });
  if (o.kind === 'adam' || o.kind === 'adamw')
    Object.assign(hyper, { beta1: py(o.beta1), beta2: py(o.beta2), eps: py(o.eps) });
  const schedule = [
    `schedule=${JSON.stringify(sc.kind)}`,
    `warmup=${t.schedule.warmupSteps}`,
    ...(sc.kind === 'step' ? [`every=${sc.every}`, `gamma=${py(sc.gamma)}`] : []),
    ...(sc.kind === 'exponential' ? [`gamma=${py(sc.gamma)}`] : []),
    ...(sc.kind === 'cosine' ? [`min_lr=${py(sc.minLr)}`] : []),
  ];
  const config = [
    `EPOCHS = ${t.epochs}`,
    `BATCH = ${t.batch}  # samples per micro-batch`,
    `ACCUMULATE = ${t.accumulate}  # micro-batches per optimizer step, each loss scaled by 1/k`,
    `SHUFFLE = ${t.shuffle ? 'True' : 'False'}`,
    `OPTIMIZER = dict(kind=${JSON.stringify(o.kind)}, lr=${py(o.lr)}, weight_decay=${py(o.weightDecay)}${Object.entries(
      hyper,
    )
      .map(([k, v]) => `, ${k}=${v}`)
      .join('')})`,
    `SCHEDULE = dict(${schedule.join(', ')})`,
    `CLIP = ${t.clip ? `(${JSON.stringify(t.clip.kind)}, ${py(t.clip.max)})` : 'None'}  # ("norm" | "value", max) or None`,
    `RNG_STATE = ${rngState}  # nnet's generator (seed ${t.seed}) after drawing init.npz and the validation split`,
  ];
  return `"""Trains ${spec.name} in PyTorch exactly as nnet trains it (written by \`nnet export --to pytorch\`).

    python3 train.py                         # one process
    python3 train.py --nproc 4               # 4 processes on this machine (gloo), one global batch split across them
    torchrun --nproc_per_node 8 train.py     # under torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT); nccl on GPUs
    python3 train.py --steps 5 --dump after5.json --save weights.npz

It starts from nnet's initial weights (init.npz) and data (data.npz), shuffles with nnet's generator and draws
dropout masks from it, so each step computes what nnet's computes, to float32 rounding. (Rounding can still grow
over many steps: Adam, say, turns a gradient that is 0 in exact arithmetic and noise in float32 into ±lr steps.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import model as net  # noqa: E402
from nnet_torch import (  # noqa: E402
    MaskSource,
    Mulberry32,
    NnetOptimizer,
    clip_by_norm,
    clip_by_value,
    learning_rate_at,
    load_npz,
    nnet_loss,
    save_npz,
    set_exact_sums,
)

${config.join('\n')}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs to train (default %(default)s)")
    parser.add_argument("--steps", type=int, default=None, help="stop after N optimizer steps")
    parser.add_argument("--dump", type=Path, help="write the weights, then one batch's loss and gradients, as JSON")
    parser.add_argument("--save", type=Path, help="save the final weights as .npz (nnet can load them)")
    parser.add_argument("--init", type=Path, default=HERE / "init.npz", help="start from these weights (.npz)")
    parser.add_argument("--checkpoint-every", type=int, default=0, help="save checkpoint-epochN.npz every N epochs")
    parser.add_argument("--nproc", type=int, default=1, help="processes to spawn on this machine (gloo)")
    parser.add_argument("--backend", default=None, help="torch.distributed backend (default: nccl on GPUs, else gloo)")
    parser.add_argument("--fast", action="store_true", help="PyTorch's float32 sums (nnet's: float64, then float32)")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch log")
    args = parser.parse_args()
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        # Started by torchrun (or any launcher setting the standard environment).
        run(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), "env://", args)
    elif args.nproc > 1:
        mp.spawn(run, args=(args.nproc, f"tcp://127.0.0.1:{free_port()}", args), nprocs=args.nproc, join=True)
    else:
        run(0, 1, None, args)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(rank: int, world: int, init_method: str | None, args: argparse.Namespace) -> None:
    set_exact_sums(not args.fast)
    device = torch.device("cpu")
    if world > 1:
        backend = args.backend or ("nccl" if torch.cuda.is_available() else "gloo")
        dist.init_process_group(backend, init_method=init_method, rank=rank, world_size=world)
        if backend == "nccl":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)))
            torch.cuda.set_device(device)
    try:
        Trainer(rank, world, device, args).train()
    finally:
        if world > 1:
            dist.destroy_process_group()


class Trainer:
    """nnet's training loop: epochs of micro-batches in nnet's order, ACCUMULATE per step, then clip and update."""

    def __init__(self, rank: int, world: int, device: torch.device, args: argparse.Namespace) -> None:
        self.rank, self.world, self.device, self.args = rank, world, device, args
        self.model = net.Net().to(device)
        self.layers = net.nnet_layers(self.model)
        load_npz(self.layers, str(args.init))
        # nnet's parameter order: W then b of each layer, as in NNET_LAYERS.
        self.params = [t for _, m in self.layers for t in (m.weight, m.bias)]
        self.optimizer = NnetOptimizer(self.params, **OPTIMIZER)
        self.ddp = DistributedDataParallel(self.model) if world > 1 else self.model
        with np.load(HERE / "data.npz", allow_pickle=False) as data:
            self.x = torch.from_numpy(data["x"]).to(device)
            self.y = torch.from_numpy(data["y"]).to(device)
            self.order = data["train_rows"].astype(np.int64)
            self.val_rows = data["val_rows"].astype(np.int64)
        # Every process draws the same numbers: the same shuffles, and the dropout masks of the whole global batch.
        self.rng = Mulberry32(RNG_STATE)
        self.masks: MaskSource | None = getattr(net, "MASKS", None)
        if self.masks is not None:
            self.masks.rng = self.rng
        self.micro_per_epoch = math.ceil(len(self.order) / BATCH)
        self.steps_per_epoch = math.ceil(self.micro_per_epoch / ACCUMULATE)
        self.total_steps = self.steps_per_epoch * EPOCHS
        self.step = 0

    def log(self, text: str) -> None:
        if self.rank == 0 and not self.args.quiet:
            print(text, flush=True)

    def train(self) -> None:
        args = self.args
        for epoch in range(args.epochs):
            if SHUFFLE:
                self.rng.shuffle(self.order)
            losses, seen = 0.0, 0
            micro = 0
            while micro < self.micro_per_epoch:
                k = min(ACCUMULATE, self.micro_per_epoch - micro)
                if args.steps is not None and self.step == args.steps:
                    self.finish(micro, k)
                    return
                self.optimizer.zero_grad(set_to_none=False)
                for j in range(k):
                    rows = self.order[(micro + j) * BATCH : (micro + j + 1) * BATCH]
                    loss = self.forward_backward(rows, k, sync=j == k - 1)
                    losses += loss * len(rows)
                    seen += len(rows)
                if CLIP is not None and CLIP[0] == "norm":
                    clip_by_norm(self.params, CLIP[1])
                elif CLIP is not None:
                    clip_by_value(self.params, CLIP[1])
                lr = learning_rate_at(self.step, OPTIMIZER["lr"], self.total_steps, **SCHEDULE)
                self.optimizer.step(lr)
                self.step += 1
                micro += k
            val = f"  val loss {self.evaluate():.6g}" if len(self.val_rows) else ""
            self.log(f"epoch {epoch + 1:6d}  loss {losses / max(seen, 1):.6g}{val}")
            if args.checkpoint_every and (epoch + 1) % args.checkpoint_every == 0 and self.rank == 0:
                save_npz(self.layers, str(HERE / f"checkpoint-epoch{epoch + 1}.npz"))
        if args.steps is not None and self.step < args.steps:
            raise SystemExit(f"training ends after {self.step} steps")
        self.finish(None, 1)

    def forward_backward(self, rows: np.ndarray, k: int, sync: bool) -> float:
        """One micro-batch: this process's share of its rows forward and backward. Returns the batch's loss.

        Each process takes a contiguous slice of the global batch; DistributedDataParallel averages the gradients
        over processes, so each local loss is weighted by (its rows · processes / batch rows): the sum is then the
        gradient of the global batch's mean loss, whatever the number of processes."""
        self.model.train()
        B = len(rows)
        lo, hi = self.rank * B // self.world, (self.rank + 1) * B // self.world
        if self.masks is not None:
            self.masks.batch, self.masks.lo, self.masks.hi = B, lo, hi
        local = torch.from_numpy(rows[lo:hi]).to(self.device)
        out = self.ddp(self.x[local])
        if hi > lo:
            loss = nnet_loss(net.LOSS, net.FUSED, out, self.y[local])
        else:
            loss = out.sum() * 0
        weight = (hi - lo) * self.world / B
        if self.world > 1 and not sync:
            with self.ddp.no_sync():
                (loss * weight / k).backward()
        else:
            (loss * weight / k).backward()
        total = loss.detach() * (hi - lo) / B
        if self.world > 1:
            dist.all_reduce(total)
        return float(total)

    @torch.no_grad()
    def evaluate(self) -> float:
        """Mean loss on the validation rows, in evaluation mode (no dropout, running batch-norm statistics)."""
        self.model.eval()
        total = 0.0
        for start in range(0, len(self.val_rows), BATCH):
            rows = torch.from_numpy(self.val_rows[start : start + BATCH]).to(self.device)
            total += float(nnet_loss(net.LOSS, net.FUSED, self.model(self.x[rows]), self.y[rows])) * len(rows)
        return total / len(self.val_rows)

    def finish(self, micro: int | None, k: int) -> None:
        """--save and --dump: the weights now and, like \`nnet inspect --json\`, the loss and gradients of the next
        micro-batch (its loss scaled by 1/k when the step accumulates k micro-batches)."""
        args = self.args
        if args.save and self.rank == 0:
            save_npz(self.layers, str(args.save))
        if not args.dump:
            return
        weights = [(name, m.weight.detach().tolist(), m.bias.detach().tolist()) for name, m in self.layers]
        loss = None
        grads: list[tuple[list, list]] = [([], []) for _ in self.layers]
        if micro is not None:
            self.optimizer.zero_grad(set_to_none=False)
            rows = self.order[micro * BATCH : (micro + 1) * BATCH]
            loss = self.forward_backward(rows, k, sync=True)
            grads = [(m.weight.grad.tolist(), m.bias.grad.tolist()) for _, m in self.layers]
        if self.rank == 0:
            layers = [
                {"name": name, "W": W, "b": b, "gradW": gW, "gradb": gb}
                for (name, W, b), (gW, gb) in zip(weights, grads)
            ]
            args.dump.write_text(json.dumps({"steps": self.step, "loss": loss, "layers": layers}))


if __name__ == "__main__":
    main()
`;
}
