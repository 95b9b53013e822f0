"""A stand-in for the debug adapter in the probe's tests: a loopback server that records the probe's messages and
sends host messages, so each test drives the real probe in a real child process (the adapter's own DAP tests cover
the TypeScript side)."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE_ROOT = os.path.join(REPO, "probe")
EXAMPLES = os.path.join(REPO, "examples", "pytorch")
SCRIPTS = os.path.join(REPO, "test", "pytorch", "scripts")
TOKEN = "test-token-1234"
TIMEOUT_S = 60.0

Message = Dict[str, Any]


class Peer:
    """One accepted probe connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.messages: "queue.Queue[Optional[Message]]" = queue.Queue()
        self.seen: List[Message] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.sock.makefile("rb"):
            self.messages.put(json.loads(line))
        self.messages.put(None)

    def send(self, message: Message) -> None:
        self.sock.sendall((json.dumps(message) + "\n").encode())

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def next(self, timeout: float = TIMEOUT_S) -> Optional[Message]:
        """The next message (None once the probe closed the connection)."""
        msg = self.messages.get(timeout=timeout)
        if msg is not None:
            self.seen.append(msg)
        return msg

    def until(self, pred: Callable[[Message], bool], timeout: float = TIMEOUT_S) -> Message:
        """Reads messages until one satisfies `pred`; fails on end of connection."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.next(max(0.1, deadline - time.monotonic()))
            if msg is None:
                raise AssertionError(f"connection ended while waiting; seen kinds {[m['kind'] for m in self.seen]}")
            if pred(msg):
                return msg

    def kind(self, kind: str) -> Message:
        return self.until(lambda m: m["kind"] == kind)

    def rest(self) -> List[Message]:
        """Every message until the connection ends."""
        out = []
        while True:
            msg = self.next()
            if msg is None:
                return out
            out.append(msg)

    def request(self, kind: str, rid: int, **args: Any) -> Message:
        self.send({"kind": kind, "id": rid, **args})
        return self.until(lambda m: m["kind"] == "reply" and m["id"] == rid)


def arm(
    modules: Optional[List[Message]] = None,
    every: bool = False,
    nan_check: bool = False,
    step_end: bool = False,
    progress_ms: float = 0,
    update_ratio_ms: float = 0,
) -> Message:
    return {
        "kind": "arm",
        "modules": modules or [],
        "every": every,
        "nanCheck": nan_check,
        "stepEnd": step_end,
        "progressMs": progress_ms,
        "updateRatioMs": update_ratio_ms,
    }


class Sink:
    """The listening socket and the probe process it serves."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(TIMEOUT_S)
        self.port = self.server.getsockname()[1]
        self.proc: Optional[subprocess.Popen] = None
        self.peers: List[Peer] = []

    def start(self, script: str, *args: str, probe_args: Optional[List[str]] = None, connect: bool = True) -> None:
        env = dict(os.environ, PYTHONPATH=PROBE_ROOT, NNET_PROBE_TOKEN=TOKEN)
        env.pop("NNET_PROBE_CONNECT", None)
        if connect:
            env["NNET_PROBE_CONNECT"] = f"127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "nnet_probe", *(probe_args or []), script, *args]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def accept(self) -> Peer:
        sock, _ = self.server.accept()
        self.peers.append(Peer(sock))
        return self.peers[-1]

    def wait(self, timeout: float = TIMEOUT_S) -> tuple:
        """(exit status, stdout, stderr) of the probe process."""
        assert self.proc is not None
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.communicate()  # also closes its pipes
        for peer in self.peers:
            peer.sock.close()
        self.server.close()
