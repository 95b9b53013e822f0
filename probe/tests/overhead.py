"""What the probe costs a run that never stops: test/pytorch/scripts/mlp1024.py plain and under the probe (with a
stand-in adapter arming progress every 250 ms and update ratios every second, as a session does), interleaved.

    /usr/bin/python3 -m probe.tests.overhead [--reps 5] [--steps 60]

Prints steps/s (wall and CPU time) of each run, the medians and the slowdown. Not a test (speed on shared
machines is measured, not asserted); nnet's `npm run bench` has its own entry.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading

from .sink import SCRIPTS, Sink, arm

MLP = os.path.join(SCRIPTS, "mlp1024.py")


def rates(out: str) -> tuple:
    """(wall, cpu) steps/s printed by mlp1024.py."""
    words = out.split()
    return float(words[words.index("STEPS_PER_S") + 1]), float(words[words.index("CPU_STEPS_PER_S") + 1])


def plain(args: list) -> tuple:
    return rates(subprocess.run([sys.executable, MLP, *args], capture_output=True, text=True, check=True).stdout)


ARM_MODULES: list = []


def probed(args: list) -> tuple:
    sink = Sink()
    try:
        sink.start(MLP, *args)
        peer = sink.accept()
        peer.kind("hello")
        peer.send(arm(ARM_MODULES, progress_ms=250, update_ratio_ms=1000))
        threading.Thread(target=peer.rest, daemon=True).start()
        code, out, err = sink.wait(timeout=600)
        if code != 0:
            raise RuntimeError(err)
        return rates(out)
    finally:
        sink.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument(
        "--breakpoint-elsewhere",
        action="store_true",
        help="arm a breakpoint on a module the net does not have: the gradient hooks run, nothing stops",
    )
    opts = parser.parse_args()
    if opts.breakpoint_elsewhere:
        ARM_MODULES.append({"path": "elsewhere", "forward": True, "backward": True})
    args = ["--steps", str(opts.steps)]
    runs = {"plain": [], "probed": []}
    for rep in range(opts.reps):
        order = (("plain", plain), ("probed", probed))
        for name, fn in order if rep % 2 == 0 else order[::-1]:
            runs[name].append(fn(args))
            wall, cpu = runs[name][-1]
            print(f"rep {rep} {name:6s} {wall:7.2f} steps/s wall, {cpu:7.2f} steps/CPU-s", flush=True)
    for i, unit in ((0, "steps/s wall"), (1, "steps/CPU-s")):
        p = statistics.median(r[i] for r in runs["plain"])
        q = statistics.median(r[i] for r in runs["probed"])
        print(f"median plain {p:.2f}, probed {q:.2f} {unit}: the probe costs {100 * (p / q - 1):.1f}%")


if __name__ == "__main__":
    main()
