"""Starting the desk: the listening socket (127.0.0.1 unless told otherwise), its token, and uvicorn."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import webbrowser
from collections.abc import Callable
from types import FrameType

from ..errors import UsageError
from .app import create_app
from .desk import Config, Desk

DEFAULT_PORT = 8750


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (port 0: a free one), or UsageError saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise UsageError(f"--host '{host}' is not an address of this machine ({error}).") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(64)
    except OSError as error:
        sock.close()
        raise UsageError(f"Cannot listen on {host}:{port} ({error.strerror}): give another --port, or 0 for a free "
                         "one.") from None
    return sock


def serve(config: Config, host: str, port: int, open_browser: bool, say: Callable[[str], None]) -> None:
    """Serve the desk until Ctrl-C; `say` prints the address (with its token) and what the desk does."""
    import uvicorn

    sock = listen(host, port)
    port = int(sock.getsockname()[1])
    token = secrets.token_hex(24)
    desk = Desk(config)
    app = create_app(desk, host, port, token)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/?token={token}"
    say(f"The desk for {config.workbook} is open at {url}")
    say(f"It publishes to {config.outdir} and records in {config.history}. Ctrl-C stops it.")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            desk.close_streams()  # the pages' event streams end, so the server need not wait for them
            super().handle_exit(sig, frame)

    server = Server(uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", server_header=False, date_header=False,
        timeout_graceful_shutdown=2, timeout_keep_alive=5, limit_concurrency=64,
        h11_max_incomplete_event_size=16 * 1024))
    server.run(sockets=[sock])
