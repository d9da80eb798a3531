"""What the API test servers (Mendeley, Zotero) share: a real HTTP server on 127.0.0.1 with an
ephemeral port, run on its own thread; the fault switches; request recording; one dispatcher
that turns an API's routes and errors into replies.

An API module brings its state, its `ApiHandler` subclass (the routes, and how its errors and
fault replies look on the wire) and, if it has more switches, a `Faults` subclass.

Faults (`Faults`), each consumed one request at a time:

* bursts of an error status (``burst(429, n)``, ``burst(503, n)``, with ``Retry-After`` and a
  message when given);
* dropped connections: the socket closed without a reply, before anything is done
  (``drop_next``) or after a write is done (``drop_after_commit``: its answer is lost);
* broken bodies (``body_faults``, kinds in `BODY_FAULTS`): the request is carried out, its
  answer arrives truncated, reset, as false gzip or as cut JSON;
* slow replies (``delay`` seconds, for every reply or the next ``delay_next`` ones);
* expired credentials (``expire_after``: after N more requests every token or key the
  server gave stops working, `LoopbackServer.expire_credentials`).

Every request is counted (``counts["GET /path"]``) and logged (``log``: method, path with query,
status; 0 for a dropped connection, -1 for a broken body).
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

#: What a broken body looks like on the wire.
BODY_FAULTS = (
    "truncate",  # Content-Length says more than is sent, then the socket closes (IncompleteRead)
    "reset",  # part of the body, then a TCP reset
    "gzip",  # Content-Encoding: gzip over bytes that are not gzip
    "json",  # a 200 whose JSON is cut short (a proxy's truncation)
)


@dataclass
class Burst:
    """One reply of an error burst."""

    status: int
    retry_after: str | None = None  # seconds or an HTTP date
    message: str | None = None  # else the API's own words for the status


@dataclass
class Turn:
    """What the fault switches hold for one request."""

    drop: bool = False  # close the socket without a reply, doing nothing
    drop_after: bool = False  # do the write, then close the socket without a reply
    delay: float = 0.0
    burst: Burst | None = None
    body_fault: str | None = None
    expire: bool = False  # expire every credential before this request is answered
    headers: dict = field(default_factory=dict)  # added to the reply (e.g. Zotero's Backoff)


@dataclass
class Faults:
    """Switchable misbehaviour; each counter is consumed one request at a time."""

    status_burst: list[Burst] = field(default_factory=list)  # replies for the next requests
    drop_next: int = 0  # close the socket without a reply (before doing anything)
    drop_after_commit: int = 0  # do the next N writes, then close the socket without a reply
    delay: float = 0.0  # seconds before every reply
    delay_next: int = 0  # ...or only before the next N replies (with `delay`)
    expire_after: int = 0  # expire every credential after N more requests
    #: Broken bodies for the next replies, one kind per reply (`BODY_FAULTS`); the
    #: request itself is carried out (a write is done, its answer lost).
    body_faults: list[str] = field(default_factory=list)
    #: ...only for these methods (empty: any), e.g. ``("POST", "PATCH")`` for "invalid JSON on writes".
    body_fault_methods: tuple[str, ...] = ()

    def burst(self, status: int, n: int, retry_after: str | None = None, message: str | None = None) -> None:
        self.status_burst.extend([Burst(status, retry_after, message)] * n)

    def drop(self, n: int) -> None:
        """Close the socket of the next `n` requests without a reply."""
        self.drop_next = n

    def clear(self) -> None:
        self.status_burst.clear()
        self.drop_next = self.drop_after_commit = self.delay_next = self.expire_after = 0
        self.delay = 0.0
        self.body_faults.clear()
        self.body_fault_methods = ()

    def take(self, method: str) -> Turn:
        """This request's share of the switches (the caller holds the server's `fault_lock`)."""
        turn = Turn()
        if self.drop_next > 0:
            self.drop_next -= 1
            turn.drop = True
        if method != "GET" and self.drop_after_commit > 0 and not turn.drop:
            self.drop_after_commit -= 1
            turn.drop_after = True
        if self.delay:
            turn.delay = self.delay
            if self.delay_next > 0:
                self.delay_next -= 1
                if self.delay_next == 0:
                    self.delay = 0.0
        if self.status_burst and not turn.drop:
            turn.burst = self.status_burst.pop(0)
        if self.body_faults and not turn.drop and turn.burst is None and (
                not self.body_fault_methods or method in self.body_fault_methods):
            turn.body_fault = self.body_faults.pop(0)
        if self.expire_after > 0:
            self.expire_after -= 1
            turn.expire = self.expire_after == 0
        return turn


class ApiError(Exception):
    """An answer other than success: `status`, the API's `body` and `media_type`, extra `headers`."""

    def __init__(self, status: int, body, media_type: str | None = None, headers: dict | None = None):
        super().__init__(body)
        self.status = status
        self.body = body
        self.media_type = media_type
        self.headers = headers or {}


class LoopbackServer:
    """Start with `start()` (or as a context manager); `url` is the base URL.

    A subclass names its `handler` (an `ApiHandler` subclass) and its `faults_class`, and sets
    its state before calling ``super().__init__(port)``.
    """

    handler: type[BaseHTTPRequestHandler]
    faults_class: type[Faults] = Faults
    thread_name = "test-server"
    gzip_replies = False  # gzip a reply when the client accepts it

    def __init__(self, port: int = 0):
        self.faults = self.faults_class()
        self.fault_lock = threading.Lock()
        self.counts: Counter[str] = Counter()  # "GET /documents" -> n
        self.log: list[tuple[str, str, int]] = []  # (method, path?query, status)
        self._httpd = _HTTPServer(("127.0.0.1", port), self.handler)
        self._httpd.api = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset_counts(self) -> None:
        self.counts.clear()
        self.log.clear()

    def count(self, method: str, path: str) -> int:
        return self.counts[f"{method} {path}"]

    def expire_credentials(self) -> None:
        """Every token or key given so far stops working (the `expire_after` fault)."""
        raise NotImplementedError

    def serve_until_interrupted(self) -> None:
        """For manual trials: serve until Ctrl-C, then stop."""
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class ApiHandler(BaseHTTPRequestHandler):
    """One dispatcher for every method: faults, then the API's `_route`, then the reply.

    A subclass implements `_route` and says how its errors look (`error_body`, `RATE_LIMITED`,
    `UNAVAILABLE`, `SERVER_ERROR`); `common_headers` are sent with every reply, `faults_apply` exempts paths.
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small replies go out at once (no 40 ms delayed-ACK stall)
    json_separators: tuple[str, str] | None = (",", ":")
    RATE_LIMITED = "Too many requests"
    UNAVAILABLE = "Service unavailable"
    SERVER_ERROR = "server error: {}"

    _body_fault: str | None = None

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    @property
    def api(self):
        return self.server.api

    # -- what an API says -----------------------------------------------------------------
    def _route(self, method: str, path: str, query: list[tuple[str, str]], raw: bytes):
        """``(status, body, media_type, headers)`` for a request; raise `ApiError` for an error."""
        raise NotImplementedError

    def error_body(self, status: int, message: str):
        """``(body, media_type)`` of an error answer in the API's shape."""
        return {"message": message}, "application/json"

    def faults_apply(self, path: str) -> bool:
        return True

    def record(self, method: str, raw: bytes) -> None:
        """Called for every request, before the faults (what a server wants to keep of it)."""

    def common_headers(self) -> dict:
        return {}

    # -- plumbing -------------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        query = parse_qsl(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        api = self.api
        api.counts[f"{method} {path}"] += 1
        self.record(method, raw)
        turn = Turn()
        if self.faults_apply(path):
            with api.fault_lock:
                turn = api.faults.take(method)
            if turn.expire:
                api.expire_credentials()
        if turn.drop:
            api.log.append((method, self.path, 0))
            self._drop()
            return
        if turn.delay:
            time.sleep(turn.delay)
        self._body_fault = turn.body_fault
        if turn.burst is not None:
            burst = turn.burst
            message = burst.message or (self.RATE_LIMITED if burst.status == 429 else self.UNAVAILABLE)
            body, media_type = self.error_body(burst.status, message)
            headers = dict(turn.headers)
            if burst.retry_after:
                headers["Retry-After"] = burst.retry_after
            api.log.append((method, self.path, burst.status))
            self.reply(burst.status, body, media_type, headers)
            return
        try:
            status, body, media_type, headers = self._route(method, path, query, raw)
        except ApiError as err:
            status, body, media_type, headers = err.status, err.body, err.media_type, err.headers
        except Exception as exc:  # a bug in the server must still answer
            status, headers = 500, {}
            body, media_type = self.error_body(500, self.SERVER_ERROR.format(exc))
        api.log.append((method, self.path, status))
        if turn.drop_after and status < 300:
            self._drop()
            return
        self.reply(status, body, media_type, {**headers, **turn.headers})

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _encode(self, body) -> tuple[bytes, str | None]:
        if body is None:
            return b"", None
        if isinstance(body, bytes):
            return body, None
        if isinstance(body, str):
            return body.encode(), "text/plain; charset=utf-8"
        return json.dumps(body, separators=self.json_separators, ensure_ascii=False).encode(), "application/json"

    def _headers(self, media_type: str | None, headers: dict | None) -> None:
        if media_type:
            self.send_header("Content-Type", media_type)
        for name, value in {**self.common_headers(), **(headers or {})}.items():
            for v in value if isinstance(value, list) else [value]:
                self.send_header(name, str(v))

    def reply(self, status: int, body, media_type: str | None = None, headers: dict | None = None) -> None:
        data, default_type = self._encode(body)
        media_type = media_type or default_type
        fault, self._body_fault = self._body_fault, None
        if fault and data:
            self._broken_reply(fault, status, data, media_type, headers)
            return
        self.send_response(status)  # adds Date and Server
        self._headers(media_type if data or status not in (204, 304) else None, headers)
        if data and self.api.gzip_replies and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data, compresslevel=1)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _broken_reply(self, fault: str, status: int, data: bytes, media_type: str | None,
                      headers: dict | None) -> None:
        """Send `data` broken in the way `fault` names (see `BODY_FAULTS`)."""
        self.api.log.append((self.command, self.path, -1))
        if fault == "json":
            data = data[: max(1, len(data) // 2)]
        self.send_response(status)
        self._headers(media_type, headers)
        if fault == "gzip":
            data = b"\x1f\x8b\x08\x00not gzip at all" + data[:20]
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data) * (2 if fault in ("truncate", "reset") else 1)))
        self.end_headers()
        self.wfile.write(data if fault not in ("truncate", "reset") else data[: max(1, len(data) // 2)])
        self.wfile.flush()
        self.close_connection = True
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        elif fault == "truncate":
            self._drop()
