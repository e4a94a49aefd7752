"""A loopback listener that records every UDP datagram and TCP connection it gets (it must get none)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Listener:
    """A UDP and a TCP socket on 127.0.0.1 and what reached them."""

    udp_port: int
    tcp_port: int
    received: list[str] = field(default_factory=list)

    def fill(self, template: str) -> str:
        """A page template with its {UDP} and {TCP} ports filled in."""
        return template.replace("{UDP}", str(self.udp_port)).replace("{TCP}", str(self.tcp_port))


@contextmanager
def loopback_listener() -> Iterator[Listener]:
    """Listen on two fresh loopback ports until the block ends."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(16)
    tcp.settimeout(0.2)
    listener = Listener(udp.getsockname()[1], tcp.getsockname()[1])
    stop = threading.Event()

    def serve_udp() -> None:
        while not stop.is_set():
            try:
                data, peer = udp.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            listener.received.append(f"udp {len(data)} bytes from {peer}")

    def serve_tcp() -> None:
        while not stop.is_set():
            try:
                conn, peer = tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.5)
            try:
                head = conn.recv(200)
            except OSError:
                head = b""
            conn.close()
            listener.received.append(f"tcp connection from {peer}: {head[:80]!r}")

    threads = [threading.Thread(target=serve_udp, daemon=True), threading.Thread(target=serve_tcp, daemon=True)]
    for thread in threads:
        thread.start()
    try:
        yield listener
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=2)
        udp.close()
        tcp.close()
