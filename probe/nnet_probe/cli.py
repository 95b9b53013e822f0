"""`python -m nnet_probe [--nproc N] [--connect HOST:PORT] [--] script.py args…`: runs a script like
`python script.py` under the probe, reporting to the debug adapter at NNET_PROBE_CONNECT (loopback only) with
NNET_PROBE_TOKEN.

Without a connect address the script runs unprobed, with a warning, so running it from a terminal never hangs.
"""

from __future__ import annotations

import os
import platform
import runpy
import sys
import traceback
from dataclasses import dataclass
from typing import List, Optional

from .connection import LOOPBACK_HOSTS, Connection, parse_address
from .protocol import ENV_CONNECT, ENV_TOKEN, Message
from .sites import is_internal

USAGE = "usage: python -m nnet_probe [--nproc N] [--connect HOST:PORT] [--] script.py [args…]"


@dataclass
class Options:
    script: str
    args: List[str]
    nproc: int = 0
    connect: Optional[str] = None


def parse_args(argv: List[str]) -> Options:
    """The probe's options up to the script (or `--`); everything after belongs to the script. Raises ValueError."""
    nproc, connect, i = 0, None, 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("--"):
            break
        name, eq, value = a.partition("=")
        if name not in ("--nproc", "--connect"):
            raise ValueError(f"unknown option {a}")
        if not eq:
            i += 1
            if i >= len(argv):
                raise ValueError(f"{name} needs a value")
            value = argv[i]
        if name == "--nproc":
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"--nproc needs a positive number, not {value!r}")
            nproc = int(value)
        else:
            connect = value
        i += 1
    if i >= len(argv):
        raise ValueError("no script to run")
    return Options(argv[i], argv[i + 1 :], nproc, connect)


def main(argv: List[str]) -> int:
    try:
        opts = parse_args(argv)
    except ValueError as e:
        sys.stderr.write(f"nnet probe: {e}\n{USAGE}\n")
        return 2
    address = opts.connect or os.environ.get(ENV_CONNECT) or None
    token = os.environ.get(ENV_TOKEN, "")
    target = None
    if address:
        target = parse_address(address)
        if target is None:
            sys.stderr.write(f"nnet probe: bad connect address {address!r} (expected 127.0.0.1:PORT)\n")
            return 2
        if target[0] not in LOOPBACK_HOSTS:
            sys.stderr.write(
                f"nnet probe: refusing to connect to {target[0]!r}: the probe only talks to a debugger on this "
                f"machine (127.0.0.1, localhost or ::1)\n"
            )
            return 2
    if opts.nproc:
        from .launcher import launch

        return launch(opts, target, token)
    # The script and its children need not see the session's secret.
    os.environ.pop(ENV_TOKEN, None)
    os.environ.pop(ENV_CONNECT, None)
    return run(opts, target, token)


def hello(role: str, token: str, script: str, args: List[str]) -> Message:
    import torch

    return {
        "kind": "hello",
        "token": token,
        "role": role,
        "rank": int(os.environ.get("RANK", "0") or 0),
        "worldSize": int(os.environ.get("WORLD_SIZE", "1") or 1),
        "pid": os.getpid(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "script": os.path.abspath(script),
        "args": list(args),
    }


def run(opts: Options, target: Optional[tuple], token: str) -> int:
    """Runs the script in this process, probed when `target` is set; returns its exit status."""
    from . import hooks, sites, steps
    from .runtime import PROBE

    script = os.path.abspath(opts.script)
    if not os.path.isfile(script):
        sys.stderr.write(f"nnet probe: no such script: {opts.script}\n")
        return 2
    if target is None:
        sys.stderr.write(
            f"nnet probe: no debugger to report to ({ENV_CONNECT} unset, no --connect): running {opts.script} "
            f"unprobed\n"
        )
    else:
        try:
            PROBE.conn = Connection(target[0], target[1], PROBE.set_arm, PROBE.request_pause)
        except OSError as e:
            sys.stderr.write(f"nnet probe: cannot connect to the debugger at {target[0]}:{target[1]}: {e}\n")
            return 2
        PROBE.conn.send(hello("rank", token, script, opts.args))
        PROBE.conn.start()
        sites.install()
        hooks.install()
        steps.install()
        # Like a debugger's configurationDone: run once the adapter said what to stop at (its first `arm`).
        PROBE.conn.armed.wait()

    code, error = _run_script(script, opts.args)
    if PROBE.conn is not None:
        steps.flush_progress()
        PROBE.conn.finish({"kind": "exit", "code": code, "error": error})
    return code


def _run_script(script: str, args: List[str]) -> tuple:
    """Runs the script as `__main__`; (exit status, the exit message's error)."""
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(script)
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        return _exit_code(e.code), None
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and (is_internal(tb.tb_frame.f_code.co_filename) or _is_runpy(tb)):
            tb = tb.tb_next
        text = "".join(traceback.format_exception(type(e), e, tb))
        sys.stderr.write(text)
        site = None
        for frame, line in traceback.walk_tb(tb):
            if not is_internal(frame.f_code.co_filename):
                site = {"file": os.path.abspath(frame.f_code.co_filename), "line": line}
        error = {"type": type(e).__name__, "message": str(e), "traceback": text, "site": site}
        return (130 if isinstance(e, KeyboardInterrupt) else 1), error
    finally:
        sys.stdout.flush()
    return 0, None


def _is_runpy(tb) -> bool:  # type: ignore[no-untyped-def]
    return os.path.basename(tb.tb_frame.f_code.co_filename) == "runpy.py"


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")  # what Python does with sys.exit("message")
    return 1
