"""A TCP proxy on 127.0.0.1 in front of PostgreSQL that cuts connections where a test says.

The test arms one cut at a time: when the client's request containing ``marker`` (the SQL text
of a sync function; the sync client never prepares statements, so every call carries its text)
passes for the ``occurrence``-th time, the proxy

- ``before``: drops the connection instead of forwarding the request (the centre never sees it);
- ``after_commit``: forwards it, then holds back the answer until the server's ReadyForQuery —
  the statement has committed — and drops the connection (the client never sees the answer);
- ``mid_response``: forwards it and the first ``after_bytes`` bytes of the answer, then drops.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass


@dataclass
class Cut:
    markers: tuple[bytes, ...]
    when: str  # before | after_commit | mid_response
    occurrence: int = 1
    after_bytes: int = 0
    seen: int = 0


class _Link:
    """One client connection and its server connection."""

    def __init__(self, proxy: FaultProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = socket.create_connection(proxy.target)
        self.mode: str | None = None  # set when a cut fires: after_commit | mid_response
        self.budget = 0
        self.held = b""
        self.closed = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._upstream, daemon=True).start()
        threading.Thread(target=self._downstream, daemon=True).start()

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _upstream(self) -> None:
        try:
            while data := self.client.recv(65536):
                action = self.proxy.match(data)
                if action == "before":
                    self.close()
                    return
                if action is not None:
                    self.mode, self.budget = action
                self.server.sendall(data)
        except OSError:
            pass
        self.close()

    def _downstream(self) -> None:
        try:
            while data := self.server.recv(65536):
                if self.mode == "after_commit":
                    self.held += data
                    if _has_ready_for_query(self.held):
                        self.proxy.fired.set()
                        self.close()
                        return
                    continue
                if self.mode == "mid_response":
                    self.client.sendall(data[: self.budget])
                    self.proxy.fired.set()
                    self.close()
                    return
                self.client.sendall(data)
        except OSError:
            pass
        self.close()


def _has_ready_for_query(stream: bytes) -> bool:
    """Whether the server's message stream (starting at a message boundary) holds a ReadyForQuery."""
    pos = 0
    while pos + 5 <= len(stream):
        kind = stream[pos:pos + 1]
        (length,) = struct.unpack("!I", stream[pos + 1:pos + 5])
        if kind == b"Z" and pos + 1 + length <= len(stream):
            return True
        pos += 1 + length
    return False


class FaultProxy:
    """Listens on 127.0.0.1:<port> and forwards to ``target``; see the module docstring."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut: Cut | None = None
        self.fired = threading.Event()
        self.links: list[_Link] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, markers: tuple[bytes, ...], when: str, occurrence: int = 1, after_bytes: int = 0) -> None:
        with self.lock:
            self.cut = Cut(markers, when, occurrence, after_bytes)
            self.fired.clear()

    def disarm(self) -> None:
        with self.lock:
            self.cut = None

    def match(self, data: bytes):
        """What to do with a client request: None (forward), 'before', or (mode, byte budget)."""
        with self.lock:
            cut = self.cut
            if cut is None or not any(m in data for m in cut.markers):
                return None
            cut.seen += 1
            if cut.seen != cut.occurrence:
                return None
            self.cut = None
            if cut.when == "before":
                self.fired.set()
                return "before"
            return cut.when, cut.after_bytes

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                link = _Link(self, client)
            except OSError:
                client.close()
                continue
            self.links.append(link)
            link.start()

    def close(self) -> None:
        self.listener.close()
        for link in self.links:
            link.close()
