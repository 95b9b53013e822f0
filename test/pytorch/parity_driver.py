"""Runs an exported train.py for the parity test: the dumps after 0 and 5 steps in one process, and with --nproc 2.

    python3 parity_driver.py EXPORT_DIR OUT.json [--nproc2]

Writes {"steps0": dump, "steps5": dump, "nproc2_steps0": …, "nproc2_steps5": …} (dumps as train.py --dump writes them).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--nproc2", action="store_true")
    parser.add_argument("--fast", action="store_true", help="PyTorch's float32 sums instead of nnet's")
    a = parser.parse_args()
    sys.path.insert(0, str(a.dir))
    import torch
    import torch.multiprocessing as mp

    import train  # the exported train.py

    started = time.perf_counter()
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for steps in (0, 5):
            dump = Path(tmp) / f"steps{steps}.json"
            args = argparse.Namespace(
                epochs=train.EPOCHS, steps=steps, dump=dump, save=None, init=a.dir / "init.npz",
                checkpoint_every=0, nproc=1, backend=None, quiet=True, fast=a.fast,
            )
            train.run(0, 1, None, args)
            result[f"steps{steps}"] = json.loads(dump.read_text())
            if a.nproc2:
                dump2 = Path(tmp) / f"nproc2_steps{steps}.json"
                args2 = argparse.Namespace(**{**vars(args), "dump": dump2, "nproc": 2})
                mp.spawn(train.run, args=(2, f"tcp://127.0.0.1:{train.free_port()}", args2), nprocs=2, join=True)
                result[f"nproc2_steps{steps}"] = json.loads(dump2.read_text())
    result["python"] = sys.executable
    result["torch"] = torch.__version__
    result["seconds"] = time.perf_counter() - started
    a.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
