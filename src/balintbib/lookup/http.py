"""The polite HTTP client every lookup service shares.

* a ``User-Agent`` naming balintbib and, when configured, the contact address
  (``balintbib/0.1 (mailto:librarian@example.org)``: Crossref's polite pool);
* a rate limit: at most `rate` requests per second (NCBI: 3, 10 with an API
  key; Crossref: what its ``x-rate-limit-*`` headers say);
* retries with capped exponential backoff on 429 and 5xx and on a dropped
  connection (all lookups are GETs or idempotent POSTs);
* one `LookupError` line for everything else: not found, offline, refused.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import requests

from .. import __version__
from ..errors import BalintError
from ..remotes.config import RemoteConfigError, check_api_url

RETRY_STATUSES = (429, 500, 502, 503, 504)


class LookupError(BalintError):  # noqa: A001 - the lookup package's own error
    """A lookup failed; ``str()`` is one line."""


class NotFound(LookupError):
    """The service does not know the identifier."""


class Offline(LookupError):
    """The service could not be reached."""


@dataclass
class Retry:
    attempts: int = 5  # tries in all on 429/5xx
    connection_retries: int = 2
    base_delay: float = 1.0
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, rng: random.Random) -> float:
        return min(self.max_delay, self.base_delay * (2 ** attempt)) * (0.75 + 0.5 * rng.random())


@dataclass
class Client:
    """One service (base URL) spoken to politely."""

    service: str  # "Crossref", "NCBI": for messages
    base_url: str
    contact: str = ""
    rate: float = 3.0  # requests per second
    timeout: tuple[float, float] = (5.0, 30.0)
    retry: Retry = field(default_factory=Retry)
    session: requests.Session = field(default_factory=requests.Session)
    requests: int = 0
    retries: int = 0
    _last: float = 0.0
    _rng: random.Random = field(default_factory=lambda: random.Random(0))

    def __post_init__(self):
        try:
            self.base_url = check_api_url(self.base_url)
        except RemoteConfigError as exc:
            raise LookupError(str(exc)) from None
        self.host = urlsplit(self.base_url).netloc

    @property
    def user_agent(self) -> str:
        ua = f"balintbib/{__version__} (https://github.com/balintbib/balintbib"
        return ua + (f"; mailto:{self.contact})" if self.contact else ")")

    def _throttle(self) -> None:
        if self.rate <= 0:
            return
        wait = self._last + 1.0 / self.rate - time.monotonic()
        if wait > 0:
            self.retry.sleep(wait)
        self._last = time.monotonic()

    def request(self, method: str, path: str, what: str, *, params: dict | None = None,
                data: dict | None = None, ok: tuple[int, ...] = (200,)) -> requests.Response:
        url = self.base_url + path
        headers = {"User-Agent": self.user_agent}
        busy = dropped = 0
        while True:
            self._throttle()
            self.requests += 1
            try:
                resp = self.session.request(method, url, params=params, data=data, headers=headers,
                                            timeout=self.timeout)
            except requests.ConnectionError as exc:
                refused = "refused" in str(exc).lower() or "name or service" in str(exc).lower() \
                    or "resolve" in str(exc).lower()
                if dropped >= self.retry.connection_retries:
                    if refused:
                        raise Offline(f"{what}: cannot reach {self.service} at {self.host} (offline?)") from None
                    raise Offline(f"{what}: {self.service} ({self.host}) kept dropping the connection "
                                  f"({dropped + 1} tries); try again later") from None
                self.retry.sleep(self.retry.delay(dropped, self._rng))
                dropped += 1
                self.retries += 1
                continue
            except requests.Timeout:
                if dropped >= self.retry.connection_retries:
                    raise Offline(f"{what}: {self.service} ({self.host}) did not answer in time") from None
                self.retry.sleep(self.retry.delay(dropped, self._rng))
                dropped += 1
                self.retries += 1
                continue
            self._adapt(resp)
            if resp.status_code in RETRY_STATUSES:
                if busy + 1 >= self.retry.attempts:
                    raise LookupError(f"{what}: {self.service} kept answering {resp.status_code} after "
                                      f"{busy + 1} tries; try again later")
                after = resp.headers.get("Retry-After", "")
                delay = float(after) if after.isdigit() else self.retry.delay(busy, self._rng)
                self.retry.sleep(min(delay, self.retry.max_delay))
                busy += 1
                self.retries += 1
                continue
            if resp.status_code in ok:
                return resp
            if resp.status_code == 404:
                raise NotFound(f"{what}: {self.service} has no such record")
            first = (resp.text or "").strip().splitlines()[0][:120] if resp.text else ""
            raise LookupError(f"{what}: {self.service} answered {resp.status_code}"
                              + (f": {first}" if first and not first.startswith("<") else ""))

    def _adapt(self, resp: requests.Response) -> None:
        """Follow the rate the service announces (Crossref's x-rate-limit-*, NCBI's X-RateLimit-Limit)."""
        limit = resp.headers.get("x-rate-limit-limit") or resp.headers.get("X-RateLimit-Limit")
        interval = resp.headers.get("x-rate-limit-interval", "1s")
        try:
            n = float(limit) if limit else 0
            secs = float(interval.rstrip("s") or 1)
        except ValueError:
            return
        if n > 0 and secs > 0:
            self.rate = n / secs
