"""Where balintbib keeps its files, and the user's settings.

Everything lives under the platform's user directories (platformdirs);
``BALINTBIB_HOME`` puts all of them under one folder instead (tests, portable
installs).  Settings are TOML (``config.toml``); the library-local settings
(``balintbib.toml`` next to the library) belong to the normalizer.
"""

from __future__ import annotations

from .errors import BalintError

import os
import tomllib
from pathlib import Path

from platformdirs import PlatformDirs

APP = "balintbib"


def _home() -> Path | None:
    home = os.environ.get("BALINTBIB_HOME")
    return Path(home).expanduser() if home else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else PlatformDirs(APP).user_config_path


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else PlatformDirs(APP).user_data_path


def cache_dir() -> Path:
    home = _home()
    return home / "cache" if home else PlatformDirs(APP).user_cache_path


def log_dir() -> Path:
    home = _home()
    return home / "log" if home else PlatformDirs(APP).user_log_path


def config_file() -> Path:
    return config_dir() / "config.toml"


def load_config() -> dict:
    """The user's settings; an absent file is an empty config."""
    path = config_file()
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


class ConfigError(BalintError):
    """A settings file that cannot be read."""


def default_library() -> Path | None:
    """``./library`` when it exists, else the configured library, else None."""
    here = Path("library")
    if here.is_dir():
        return here
    configured = load_config().get("library")
    return Path(configured).expanduser() if configured else None
