"""`--nproc N`: starts N rank processes of the same command with torchrun's environment and watches them.

Each rank runs its own probe (it reads RANK/WORLD_SIZE, so torchrun's environment works the same). The launcher
connects too, as `role: 'launcher'`, and sends `rankExit` for each rank that ends; when a rank fails, it terminates
the others and exits non-zero. Stop (or the adapter going away) ends every rank.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, List, Optional

from .connection import STOP_EXIT_CODE, Connection, flush_and_exit
from .protocol import ENV_CONNECT

if TYPE_CHECKING:
    from .cli import Options

POLL_S = 0.05
TERMINATE_GRACE_S = 5.0


def free_port() -> int:
    """A TCP port free on the loopback interface now (for MASTER_PORT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _terminate(procs: List[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + TERMINATE_GRACE_S
    for p in procs:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def launch(opts: "Options", target: Optional[tuple], token: str) -> int:
    """Runs the ranks; returns 0 when all succeeded, else the first failing rank's status (1 for a signal)."""
    from .cli import hello

    probe_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    port = free_port()
    procs: List[subprocess.Popen] = []
    conn: Optional[Connection] = None
    if target is not None:
        try:
            conn = Connection(target[0], target[1], lambda arm: None, lambda: None)
        except OSError as e:
            sys.stderr.write(f"nnet probe: cannot connect to the debugger at {target[0]}:{target[1]}: {e}\n")
            return 2

        def stop() -> None:
            _terminate(procs)
            flush_and_exit(STOP_EXIT_CODE)

        conn.on_stop = stop
        os.environ["WORLD_SIZE"] = str(opts.nproc)
        conn.send({**hello("launcher", token, opts.script, opts.args), "rank": 0})
        conn.start()
    for rank in range(opts.nproc):
        env = dict(os.environ)
        env.update(
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            WORLD_SIZE=str(opts.nproc),
            LOCAL_WORLD_SIZE=str(opts.nproc),
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=str(port),
            PYTHONPATH=os.pathsep.join(filter(None, [probe_root, env.get("PYTHONPATH")])),
        )
        if opts.connect:
            env[ENV_CONNECT] = opts.connect
        procs.append(subprocess.Popen([sys.executable, "-m", "nnet_probe", "--", opts.script, *opts.args], env=env))

    status = 0
    running = set(range(opts.nproc))
    while running:
        for rank in sorted(running):
            code = procs[rank].poll()
            if code is None:
                continue
            running.discard(rank)
            if conn is not None:
                conn.send({"kind": "rankExit", "rank": rank, "code": code})
            if code != 0 and status == 0:
                sys.stderr.write(f"nnet probe: rank {rank} failed (status {code}); ending the other ranks\n")
                status = code if code > 0 else 1
                _terminate(procs)
        time.sleep(POLL_S)
    if conn is not None:
        conn.finish({"kind": "exit", "code": status, "error": None})
    return status


