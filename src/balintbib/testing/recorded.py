"""A small loopback HTTP server base for the lookup test servers (Crossref, NCBI).

Real sockets on 127.0.0.1 with an ephemeral port; `Faults` switches on bursts
of an error status (429, 503) and dropped connections (the socket closed
without a reply).  Requests are counted and their User-Agent recorded.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit


def samples_dir() -> Path:
    """``../shared/import-samples`` as the tests find it (BALINTBIB_IMPORT_SAMPLES overrides)."""
    import os

    env = os.environ.get("BALINTBIB_IMPORT_SAMPLES")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        for cand in (parent / "shared" / "import-samples", parent.parent / "shared" / "import-samples"):
            if cand.is_dir():
                return cand
    return Path("/work/shared/import-samples")


@dataclass
class Faults:
    status: int = 0
    remaining: int = 0
    drops: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def burst(self, status: int, n: int) -> None:
        with self.lock:
            self.status, self.remaining = status, n

    def drop(self, n: int) -> None:
        with self.lock:
            self.drops = n

    def take(self) -> tuple[str, int]:
        with self.lock:
            if self.drops > 0:
                self.drops -= 1
                return "drop", 0
            if self.remaining > 0:
                self.remaining -= 1
                return "status", self.status
        return "", 0


class RecordedServer:
    """Subclasses implement ``route(method, path, query) -> (status, content_type, body, headers)``."""

    def __init__(self, port: int = 0):
        self.faults = Faults()
        self.counts: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self.queries: list[dict] = []
        self._server = _HTTPServer(("127.0.0.1", port), _Handler)
        self._server.app = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def route(self, method: str, path: str, query: dict) -> tuple[int, str, bytes, dict]:
        raise NotImplementedError


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        app: RecordedServer = self.server.app
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            query.update(parse_qsl(self.rfile.read(length).decode("utf-8")))
        app.counts[f"{method} {parts.path}"] += 1
        app.user_agents.append(self.headers.get("User-Agent", ""))
        app.queries.append(query)
        kind, status = app.faults.take()
        if kind == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if kind == "status":
            body = b"Too Many Requests" if status == 429 else b"Service Unavailable"
            self._reply(status, "text/plain", body, {})
            return
        status, ctype, body, headers = app.route(method, parts.path, query)
        self._reply(status, ctype, body, headers)

    def _reply(self, status: int, ctype: str, body: bytes, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
