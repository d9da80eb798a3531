"""A small loopback HTTP server base for the lookup test servers (Crossref, NCBI).

Real sockets on 127.0.0.1 with an ephemeral port (`balintbib.testing.server`, as
the Mendeley and Zotero test servers); ``faults`` switches on bursts of an error
status (``burst(429, n)``, ``burst(503, n)``) and dropped connections
(``drop(n)``: the socket closed without a reply).  Requests are counted, their
query and User-Agent recorded.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from . import server


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


class _Handler(server.ApiHandler):
    RATE_LIMITED = "Too Many Requests"
    UNAVAILABLE = "Service Unavailable"

    def error_body(self, status: int, message: str):
        return message.encode(), "text/plain"

    def record(self, method: str, raw: bytes) -> None:
        """The query (and a POST's form) and the User-Agent of every request, faulty or not."""
        query = dict(parse_qsl(urlsplit(self.path).query))
        if method == "POST":
            query.update(parse_qsl(raw.decode("utf-8")))
        self.api.user_agents.append(self.headers.get("User-Agent", ""))
        self.api.queries.append(query)
        self._query = query

    def _route(self, method: str, path: str, query: list, raw: bytes):
        status, ctype, body, headers = self.api.route(method, urlsplit(self.path).path, self._query)
        return status, body, ctype, headers


class RecordedServer(server.LoopbackServer):
    """Subclasses implement ``route(method, path, query) -> (status, content_type, body, headers)``."""

    handler = _Handler
    thread_name = "recorded-test-server"

    def __init__(self, port: int = 0):
        self.user_agents: list[str] = []
        self.queries: list[dict] = []
        super().__init__(port)

    def route(self, method: str, path: str, query: dict) -> tuple[int, str, bytes, dict]:
        raise NotImplementedError


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
