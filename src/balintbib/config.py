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


def find_library(start: Path | None = None) -> Path | None:
    """The library of the checkout around `start` (default: the current folder).

    Like git finding its repository: from `start` up to the filesystem root,
    the first folder that holds a ``library/`` folder gives that folder; the
    first that holds a ``balintbib.toml`` (the library's own settings, kept
    next to its .bib files) is the library itself.
    """
    here = (start or Path.cwd()).resolve()
    cwd = Path.cwd().resolve()
    for folder in (here, *here.parents):
        found = None
        try:
            names = set(os.listdir(folder))
        except OSError:
            continue
        # exact case: macOS's ~/Library is not a library (its file system ignores case)
        if "library" in names and (folder / "library").is_dir():
            found = folder / "library"
        elif "balintbib.toml" in names and (folder / "balintbib.toml").is_file():
            found = folder
        if found is not None:
            try:  # relative when below the current folder: shorter messages
                return found.relative_to(cwd) if found != cwd else Path(".")
            except ValueError:
                return found
    return None


def default_library() -> Path | None:
    """The library found from the current folder up (`find_library`), else the
    configured one, else None."""
    found = find_library()
    if found is not None:
        return found
    configured = load_config().get("library")
    return Path(configured).expanduser() if configured else None
