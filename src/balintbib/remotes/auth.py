"""OAuth 2 for Mendeley: the authorization-code login, token storage, refresh.

* `login` runs the authorization-code flow with a loopback redirect
  (``http://127.0.0.1:PORT/callback``, a one-shot ``http.server``), checks
  ``state``, exchanges the code and stores the tokens.
* `TokenStore` keeps one JSON record per remote in the system keyring
  (``keyring.set_password("balintbib", "<remote>:token", json)``); when the
  keyring has no usable backend (headless Linux) it falls back, with a
  warning, to ``<config_dir>/tokens/<remote>.json`` readable by the owner only.
* `StoredToken` hands out the access token, refreshing it when fewer than five
  minutes remain and once more when the server says "Token has expired"; a
  rotated refresh token replaces the old one at once.
* ``BALINTBIB_MENDELEY_TOKEN`` in the environment overrides all of this
  (`EnvToken`, never refreshed).

No token or secret ever appears in output, logs, exception messages or reprs.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from .. import config
from ..fsutil import atomic_write_text
from .base import AuthError, RemoteError

ENV_TOKEN = "BALINTBIB_MENDELEY_TOKEN"
KEYRING_SERVICE = "balintbib"
REFRESH_MARGIN = 300  # seconds: refresh when less than this remains
TOKEN_TIMEOUT = (10, 30)


class KeyringUnavailable(Warning):
    """The system keyring is unusable; tokens go to an owner-only file."""


# -- storage --------------------------------------------------------------------

def _usable_keyring():
    try:
        import keyring
        import keyring.backends.fail
        import keyring.errors
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, keyring.backends.fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


class TokenStore:
    """Token records per remote: keyring first, an owner-only file otherwise."""

    def __init__(self, warn: Callable[[str], None] | None = None, use_keyring: bool | None = None):
        self._warn = warn or (lambda msg: warnings.warn(msg, KeyringUnavailable, stacklevel=3))
        self._keyring = _usable_keyring() if use_keyring in (None, True) else None
        self._warned = False

    @property
    def backend(self) -> str:
        return "keyring" if self._keyring else "file"

    def _path(self, remote: str) -> Path:
        return config.config_dir() / "tokens" / f"{remote}.json"

    def _fallback(self, reason: str) -> None:
        if not self._warned:
            self._warned = True
            self._warn(f"no usable system keyring ({reason}); storing Mendeley tokens in "
                       f"{config.config_dir() / 'tokens'} (readable by you only)")
        self._keyring = None

    def load(self, remote: str) -> dict | None:
        if self._keyring:
            try:
                raw = self._keyring.get_password(KEYRING_SERVICE, f"{remote}:token")
            except Exception as exc:
                self._fallback(type(exc).__name__)
            else:
                return json.loads(raw) if raw else self._load_file(remote)
        return self._load_file(remote)

    def _load_file(self, remote: str) -> dict | None:
        try:
            return json.loads(self._path(remote).read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise AuthError(f"cannot read the stored token for remote {remote!r}: {type(exc).__name__}") from None

    def save(self, remote: str, record: dict) -> None:
        data = json.dumps(record, sort_keys=True)
        if self._keyring:
            try:
                self._keyring.set_password(KEYRING_SERVICE, f"{remote}:token", data)
                return
            except Exception as exc:
                self._fallback(type(exc).__name__)
        else:
            self._fallback("no backend")
        path = self._path(remote)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write_text(path, data, mode=0o600)

    def delete(self, remote: str) -> bool:
        found = False
        if self._keyring:
            try:
                if self._keyring.get_password(KEYRING_SERVICE, f"{remote}:token"):
                    self._keyring.delete_password(KEYRING_SERVICE, f"{remote}:token")
                    found = True
            except Exception:
                pass
        path = self._path(remote)
        if path.exists():
            path.unlink()
            found = True
        return found


# -- token sources ----------------------------------------------------------------

class TokenSource:
    """What the API client asks for a bearer token."""

    def access_token(self) -> str:
        raise NotImplementedError

    def refresh(self) -> bool:
        """Get a fresh access token now; False when this source cannot refresh."""
        return False

    def __repr__(self) -> str:  # never show a token
        return f"<{type(self).__name__}>"


def env_token(value: str) -> str:
    """The token from ``BALINTBIB_MENDELEY_TOKEN``, checked: an access token is
    one run of visible ASCII characters (RFC 6750).  Anything else (a line break
    from a copy and paste, a typographic quote...) is one line that names the
    variable and never shows its value."""
    token = value.strip()
    bad = next((c for c in token if not 0x21 <= ord(c) <= 0x7E), None)
    if bad is not None:
        what = ("a line break" if bad in "\r\n" else "white space" if bad.isspace()
                else "a control character" if ord(bad) < 0x20 or ord(bad) == 0x7F
                else "a character outside ASCII")
        raise AuthError(f"{ENV_TOKEN} is not a usable access token: it holds {what} "
                        f"(set it to the token alone, or unset it to use your login)")
    return token


class EnvToken(TokenSource):
    """``BALINTBIB_MENDELEY_TOKEN``: used as is, never refreshed."""

    def __init__(self, token: str):
        self._token = token

    def access_token(self) -> str:
        return self._token


class StoredToken(TokenSource):
    """A stored record, refreshed ahead of expiry and on demand."""

    def __init__(self, remote: str, api_url: str, store: TokenStore | None = None,
                 session: requests.Session | None = None, clock: Callable[[], float] = time.time):
        self.remote = remote
        self.api_url = api_url.rstrip("/")
        self.store = store or TokenStore()
        self.session = session or requests.Session()
        self.clock = clock
        self.refreshes = 0
        self._lock = threading.Lock()
        self._record: dict | None = None

    def _load(self) -> dict:
        if self._record is None:
            self._record = self.store.load(self.remote)
            if not self._record or not self._record.get("access_token"):
                raise AuthError(f"not logged in to remote {self.remote!r}: run `balintbib login {self.remote}`")
        return self._record

    def access_token(self) -> str:
        with self._lock:
            record = self._load()
            if record.get("expires_at", 0) - self.clock() < REFRESH_MARGIN and record.get("refresh_token"):
                self._refresh_locked()
            return self._record["access_token"]

    def refresh(self) -> bool:
        with self._lock:
            record = self._load()
            if not record.get("refresh_token"):
                return False
            self._refresh_locked()
            return True

    def _refresh_locked(self) -> None:
        record = self._record
        form = {"grant_type": "refresh_token", "refresh_token": record["refresh_token"],
                "redirect_uri": record.get("redirect_uri", "")}
        reply = token_request(self.session, self.api_url, record.get("client_id", ""),
                              record.get("client_secret", ""), form, self.remote)
        self._record = token_record(reply, record, self.clock())
        self.store.save(self.remote, self._record)
        self.refreshes += 1


def token_source(remote: str, api_url: str, store: TokenStore | None = None,
                 session: requests.Session | None = None) -> TokenSource:
    """The environment's token if set, else the stored one."""
    env = os.environ.get(ENV_TOKEN)
    if env:
        return EnvToken(env_token(env))
    return StoredToken(remote, api_url, store, session)


def token_record(reply: dict, previous: dict, now: float) -> dict:
    """What we keep: tokens, expiry, and how to refresh (client id and secret)."""
    record = {k: previous[k] for k in ("client_id", "client_secret", "redirect_uri") if k in previous}
    record["access_token"] = reply["access_token"]
    # A refresh that issues no new refresh token keeps the old one.
    record["refresh_token"] = reply.get("refresh_token") or previous.get("refresh_token")
    record["expires_at"] = now + float(reply.get("expires_in") or 3600)
    record["token_type"] = reply.get("token_type", "bearer")
    return record


def token_request(session: requests.Session, api_url: str, client_id: str, client_secret: str,
                  form: dict, remote: str) -> dict:
    """POST /oauth/token with HTTP Basic client authentication."""
    try:
        resp = session.post(f"{api_url}/oauth/token", data=form, auth=(client_id, client_secret),
                            headers={"Accept": "application/json"}, timeout=TOKEN_TIMEOUT)
    except requests.RequestException as exc:
        raise RemoteError(f"cannot reach {api_url} to get a token for remote {remote!r}: "
                          f"{type(exc).__name__}") from None
    if resp.status_code == 200:
        try:
            reply = resp.json()
            reply["access_token"]
        except (ValueError, KeyError):
            raise AuthError(f"the token endpoint of {api_url} sent an unreadable reply") from None
        return reply
    try:
        body = resp.json()
    except ValueError:
        body = {"message": resp.text.strip()[:200]}
    if resp.status_code == 401:
        raise AuthError(f"{api_url} refused the client id/secret of remote {remote!r} (401); "
                        f"check them and run `balintbib login {remote}`")
    if body.get("error") == "invalid_grant":
        raise AuthError(f"the login of remote {remote!r} is no longer valid ({body.get('error_description', 'invalid_grant')}); "
                        f"run `balintbib login {remote}`")
    raise AuthError(f"token request for remote {remote!r} failed: {resp.status_code} "
                    f"{body.get('error_description') or body.get('message') or body.get('error') or ''}".rstrip())


# -- the login flow ---------------------------------------------------------------

@dataclass
class LoginResult:
    remote: str
    backend: str  # "keyring" or "file"
    expires_in: float


class _CallbackHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        split = urlsplit(self.path)
        if split.path != "/callback":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.server.result = dict(parse_qsl(split.query))
        ok = "code" in self.server.result
        body = ("<!doctype html><title>balintbib</title><p>"
                + ("Logged in. You can close this tab and return to the terminal."
                   if ok else "Login failed; see the terminal.") + "</p>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def authorize_url(api_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    return f"{api_url}/oauth/authorize?" + urlencode({
        "client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
        "scope": "all", "state": state,
    })


def login(remote: str, api_url: str, client_id: str, client_secret: str,
          show_url: Callable[[str], None], port: int = 0, timeout: float = 300.0,
          store: TokenStore | None = None, session: requests.Session | None = None) -> LoginResult:
    """Run the authorization-code flow; `show_url` opens or prints the authorize URL."""
    server = HTTPServer(("127.0.0.1", port), _CallbackHandler)
    server.result = None
    server.timeout = 0.5
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/callback"
    state = secrets.token_urlsafe(24)
    try:
        show_url(authorize_url(api_url, client_id, redirect_uri, state))
        deadline = time.monotonic() + timeout
        while server.result is None and time.monotonic() < deadline:
            server.handle_request()
    finally:
        server.server_close()
    result = server.result
    if result is None:
        raise AuthError(f"no answer from the browser within {int(timeout)} s; run `balintbib login {remote}` again")
    if not secrets.compare_digest(result.get("state", ""), state):
        raise AuthError("the login reply did not match this login attempt (state mismatch); try again")
    if "code" not in result:
        raise AuthError(f"the login was refused: {result.get('error_description') or result.get('error') or 'no code'}")
    session = session or requests.Session()
    reply = token_request(session, api_url, client_id, client_secret,
                          {"grant_type": "authorization_code", "code": result["code"],
                           "redirect_uri": redirect_uri}, remote)
    record = token_record(reply, {"client_id": client_id, "client_secret": client_secret,
                                  "redirect_uri": redirect_uri}, time.time())
    store = store or TokenStore()
    store.save(remote, record)
    return LoginResult(remote, store.backend, float(reply.get("expires_in") or 3600))


def logout(remote: str, store: TokenStore | None = None) -> bool:
    return (store or TokenStore()).delete(remote)
