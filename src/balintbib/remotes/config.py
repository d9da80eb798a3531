"""Remote group libraries the user has set up: ``<config_dir>/remotes.toml``.

::

    [remotes.society]
    type = "mendeley"
    group = "164d48fb-2343-332d-b566-1a4884a992e4"
    api_url = "https://api.mendeley.com"
    client_id = "807"

The file is small, so it is written by hand (deterministic: remotes sorted by
name, keys in a fixed order) and atomically.  No secret ever goes in it:
tokens and the client secret live in the keyring (see `balintbib.remotes.auth`).
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .. import config
from ..errors import BalintError
from ..fsutil import atomic_write_text

REMOTE_TYPES = ("mendeley",)
DEFAULT_API_URLS = {"mendeley": "https://api.mendeley.com"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class RemoteConfigError(BalintError):
    """A remote that cannot be added, found or read; one clear line."""


@dataclass
class RemoteConfig:
    name: str
    type: str
    group: str
    api_url: str
    client_id: str | None = None

    def to_dict(self) -> dict:
        out = {"name": self.name, "type": self.type, "group": self.group, "api_url": self.api_url}
        if self.client_id:
            out["client_id"] = self.client_id
        return out


def remotes_file() -> Path:
    return config.config_dir() / "remotes.toml"


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_api_url(url: str) -> str:
    """The URL without a trailing slash; https is required unless it is loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteConfigError(f"not a valid API URL: {url!r}")
    if parts.scheme != "https" and not is_loopback(parts.hostname):
        raise RemoteConfigError(
            f"refusing {url}: the API URL must use https (plain http is allowed only for 127.0.0.1/localhost)"
        )
    return url.rstrip("/")


def load_remotes() -> dict[str, RemoteConfig]:
    path = remotes_file()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise RemoteConfigError(f"{path}: not valid TOML: {exc}") from None
    out = {}
    for name, entry in (data.get("remotes") or {}).items():
        if not isinstance(entry, dict) or "type" not in entry or "group" not in entry:
            raise RemoteConfigError(f"{path}: remote {name!r} needs 'type' and 'group'")
        rtype = str(entry["type"])
        out[name] = RemoteConfig(
            name=name, type=rtype, group=str(entry["group"]),
            api_url=str(entry.get("api_url") or DEFAULT_API_URLS.get(rtype, "")),
            client_id=str(entry["client_id"]) if entry.get("client_id") else None,
        )
    return out


def get_remote(name: str) -> RemoteConfig:
    remotes = load_remotes()
    if name not in remotes:
        known = ", ".join(sorted(remotes)) or "none yet"
        raise RemoteConfigError(f"no remote named {name!r} (known: {known}); add one with `balintbib remote add`")
    return remotes[name]


class AmbiguousRemoteError(RemoteConfigError):
    """Several remotes are configured and none was named."""


def choose_remote(name: str | None) -> str:
    """`name`, or the remote meant when none is named: the only one, else the
    config's ``remote = "NAME"``.  No remote, or several and no default, is an
    error that says which exist."""
    if name:
        return name
    remotes = load_remotes()
    if len(remotes) == 1:
        return next(iter(remotes))
    if not remotes:
        raise RemoteConfigError("no remote yet: add one with "
                                "balintbib remote add NAME mendeley --group GROUP_ID")
    preferred = config.load_config().get("remote")
    if isinstance(preferred, str) and preferred in remotes:
        return preferred
    raise AmbiguousRemoteError(f"several remotes ({', '.join(sorted(remotes))}): name one, "
                               f"or set remote = \"NAME\" in {config.config_file()}")


def save_remotes(remotes: dict[str, RemoteConfig]) -> None:
    lines = ["# balintbib remotes (written by `balintbib remote add/remove`)", ""]
    for name in sorted(remotes):
        r = remotes[name]
        lines.append(f"[remotes.{_toml_key(name)}]")
        lines.append(f"type = {_toml_str(r.type)}")
        lines.append(f"group = {_toml_str(r.group)}")
        lines.append(f"api_url = {_toml_str(r.api_url)}")
        if r.client_id:
            lines.append(f"client_id = {_toml_str(r.client_id)}")
        lines.append("")
    path = remotes_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join(lines))


def add_remote(name: str, rtype: str, group: str, api_url: str | None = None,
               client_id: str | None = None) -> RemoteConfig:
    if not _NAME.match(name):
        raise RemoteConfigError(f"invalid remote name {name!r}: use letters, digits, '-', '_' or '.'")
    if rtype not in REMOTE_TYPES:
        raise RemoteConfigError(f"unknown remote type {rtype!r} (known: {', '.join(REMOTE_TYPES)})")
    if not group.strip():
        raise RemoteConfigError("a group id is required (see `balintbib groups NAME`)")
    url = check_api_url(api_url or DEFAULT_API_URLS[rtype])
    remotes = load_remotes()
    if name in remotes:
        raise RemoteConfigError(f"a remote named {name!r} already exists; remove it first")
    remotes[name] = RemoteConfig(name, rtype, group.strip(), url, client_id)
    save_remotes(remotes)
    return remotes[name]


def update_remote(cfg: RemoteConfig) -> None:
    remotes = load_remotes()
    remotes[cfg.name] = cfg
    save_remotes(remotes)


def remove_remote(name: str) -> RemoteConfig:
    remotes = load_remotes()
    if name not in remotes:
        raise RemoteConfigError(f"no remote named {name!r}")
    removed = remotes.pop(name)
    save_remotes(remotes)
    return removed


def _toml_str(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_str(key)
