"""Runs exported train.py files for the parity test, in one Python process (torch is imported once).

    python3 parity_driver.py OUT.json DIR [DIR …] [--nproc2 DIR …]

For each export folder DIR it writes the dumps of train.py after 0 and 5 steps (weights, then the next batch's loss
and gradients, as train.py --dump writes them); for the folders after --nproc2 also the same with 2 processes
(gloo, one torch.multiprocessing.spawn for all of them). OUT.json: {DIR: {"steps0": …, "steps5": …,
"nproc2_steps0": …, "nproc2_steps5": …}, "python": …, "torch": …, "seconds": …}.
"""

from __future__ import annotations

import argparse
import importlib
import json
import socket
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

STEPS = (0, 5)


def load_train(folder: Path) -> ModuleType:
    """The folder's train.py, with its own model.py and nnet_torch.py (each export has its own)."""
    for name in ("train", "model", "nnet_torch"):
        sys.modules.pop(name, None)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("train")
    finally:
        sys.path.remove(str(folder))


def dump(folder: Path, steps: int, out: Path, rank: int, world: int, init_method: str | None) -> None:
    train = load_train(folder)
    args = argparse.Namespace(
        epochs=train.EPOCHS, steps=steps, dump=out, save=None, init=folder / "init.npz", checkpoint_every=0,
        nproc=world, backend="gloo", quiet=True, fast=False,
    )
    train.run(rank, world, init_method, args)


def distributed(rank: int, world: int, ports: list[int], jobs: list[tuple[str, int, str]]) -> None:
    """One process of the 2-process runs: every folder and step count in turn, one process group each."""
    for port, (folder, steps, out) in zip(ports, jobs):
        dump(Path(folder), steps, Path(out), rank, world, f"tcp://127.0.0.1:{port}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    argv = sys.argv[1:]
    split = argv.index("--nproc2") if "--nproc2" in argv else len(argv)
    out, folders, nproc2 = Path(argv[0]), [Path(d) for d in argv[1:split]], argv[split + 1 :]
    import torch
    import torch.multiprocessing as mp

    started = time.perf_counter()
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, folder in enumerate(folders):
            entry: dict[str, object] = {}
            for steps in STEPS:
                path = Path(tmp) / f"{i}-{steps}.json"
                dump(folder, steps, path, 0, 1, None)
                entry[f"steps{steps}"] = json.loads(path.read_text())
            result[str(folder)] = entry
        jobs = [(d, steps, str(Path(tmp) / f"p{i}-{steps}.json")) for i, d in enumerate(nproc2) for steps in STEPS]
        if jobs:
            ports = [free_port() for _ in jobs]
            mp.spawn(distributed, args=(2, ports, jobs), nprocs=2, join=True)
            for folder, steps, path in jobs:
                result[folder][f"nproc2_steps{steps}"] = json.loads(Path(path).read_text())  # type: ignore[index]
    result["python"] = sys.executable
    result["torch"] = torch.__version__
    result["seconds"] = time.perf_counter() - started
    out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
