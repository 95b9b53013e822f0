"""The socket to the debug adapter: JSON lines, a reader thread, thread-safe sends, and the blocking handshake.

The reader thread acts at once on `arm`, `pause` and `stop`; `resume` and requests go to the main thread, which
waits for them while it is blocked at an event. A request that arrives while the probe runs is refused with an error
reply (requests are answered only while blocked).
"""

from __future__ import annotations

import os
import queue
import socket
import sys
import threading
from typing import Callable, Optional

from .protocol import Arm, Message, dumps, parse_host_message

CONNECT_TIMEOUT_S = 10.0
STOP_EXIT_CODE = 130


def flush_and_exit(code: int) -> None:
    """Ends the process now, without running the script further (what Stop means)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


class Connection:
    """A connected probe: `send` from any thread; `wait_for_host` on the main thread while blocked."""

    def __init__(self, host: str, port: int, on_arm: Callable[[Arm], None], on_pause: Callable[[], None]) -> None:
        self._sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._inbox: "queue.Queue[Message]" = queue.Queue()
        self._blocked = False
        self._closing = False
        self._on_arm = on_arm
        self._on_pause = on_pause
        self.on_stop: Callable[[], None] = lambda: flush_and_exit(STOP_EXIT_CODE)
        self.armed = threading.Event()
        self._reader = threading.Thread(target=self._read, name="nnet-probe-reader", daemon=True)

    def start(self) -> None:
        """Starts reading host messages (after `hello` was sent)."""
        self._reader.start()

    def send(self, message: Message) -> None:
        data = dumps(message)
        with self._send_lock:
            try:
                self._sock.sendall(data)
            except OSError:
                self._disconnected()

    def finish(self, last: Message) -> None:
        """Sends the last message (`exit`) and closes: the adapter closing its end after it is no reason to exit 130."""
        self._closing = True
        self.send(last)
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    # ---- blocking (main thread) ----

    def block(self, message: Message, answer: Callable[[Message], Message]) -> None:
        """Sends `message` (an event or stepEnd with wait) and answers requests until `resume`."""
        with self._state_lock:
            self._blocked = True
        self.send(message)
        try:
            while True:
                msg = self._inbox.get()
                if msg["kind"] == "resume":
                    return
                self.send(answer(msg))
        finally:
            with self._state_lock:
                self._blocked = False
                leftovers = []
                while not self._inbox.empty():
                    leftovers.append(self._inbox.get_nowait())
            for msg in leftovers:
                self._refuse(msg)

    # ---- reader thread ----

    def _read(self) -> None:
        reader = self._sock.makefile("rb")
        try:
            for line in reader:
                if not line.strip():
                    continue
                msg = parse_host_message(line)
                if msg is not None:
                    self._dispatch(msg)
        except (OSError, ValueError):
            pass
        self._disconnected()

    def _dispatch(self, msg: Message) -> None:
        kind = msg["kind"]
        if kind == "stop":
            self.on_stop()
        elif kind == "arm":
            self._on_arm(msg["arm"])
            self.armed.set()
        elif kind == "pause":
            self._on_pause()
        else:
            with self._state_lock:
                if self._blocked:
                    self._inbox.put(msg)
                    return
            if kind == "resume":
                # Before the first arm, resume means "run with nothing armed"; otherwise a late resume is moot.
                self.armed.set()
            else:
                self._refuse(msg)

    def _refuse(self, msg: Message) -> None:
        if msg["kind"] in ("summaries", "values"):
            self.send({"kind": "reply", "id": msg["id"], "ok": False, "error": "the probe is not stopped"})

    def _disconnected(self) -> None:
        # The adapter going away means the user stopped debugging (or VS Code ended): end like Stop, status 130,
        # rather than train on unobserved (a debug session's process outliving its session is a leak).
        if not self._closing:
            self._closing = True
            self.on_stop()


def parse_address(address: str) -> Optional[tuple]:
    """(host, port) of `HOST:PORT` or `[::1]:PORT`; None when it is malformed."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        return None
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return (host, int(port)) if host else None


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
