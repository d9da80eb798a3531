"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest

from _paths import LIBRARY, ROOT, SHARED  # noqa: F401  (re-exported for fixtures)


#: Where the session's fake HOME is; `isolated_session` sets it.
SESSION: dict[str, Path] = {}

_SENTINEL = "balintbib-test-sentinel"


@pytest.fixture(scope="session", autouse=True)
def isolated_session(tmp_path_factory):
    """The whole session (module- and session-scoped fixtures included) runs with a
    fake HOME, XDG folders, BALINTBIB_HOME and a keyring that stores nothing, so no
    test can read or overwrite the user's settings, tokens or keyring entries.  At
    the end, anything written into that HOME (other than balintbib's own folder) is
    an error: the suite wrote where it should not."""
    base = tmp_path_factory.mktemp("session")
    home = base / "home"
    folders = {"XDG_CONFIG_HOME": home / ".config", "XDG_DATA_HOME": home / ".local" / "share",
               "XDG_CACHE_HOME": home / ".cache", "XDG_STATE_HOME": home / ".local" / "state"}
    for folder in folders.values():
        folder.mkdir(parents=True)
    (home / _SENTINEL).write_text("the test session's fake HOME\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    for name, folder in folders.items():
        mp.setenv(name, str(folder))
    mp.setenv("BALINTBIB_HOME", str(base / "balintbib"))
    mp.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    # the user's own logins and service addresses never reach a test
    for name in ("BALINTBIB_MENDELEY_TOKEN", "BALINTBIB_MENDELEY_CLIENT_SECRET", "BALINTBIB_ZOTERO_KEY",
                 "BALINTBIB_CROSSREF_URL", "BALINTBIB_NCBI_URL", "BALINTBIB_LOCK_TIMEOUT", "BALINTBIB_NO_FORK"):
        mp.delenv(name, raising=False)
    SESSION.update(base=base, home=home)
    try:
        yield base
    finally:
        mp.undo()
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*")
                     if p.is_file() and p.name != _SENTINEL)
    if written:
        pytest.fail(f"the test suite wrote into the (fake) HOME: {', '.join(written[:10])}", pytrace=False)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own BALINTBIB_HOME: no test reads or writes the user's files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BALINTBIB_HOME", str(home))
    monkeypatch.delenv("BALINTBIB_MENDELEY_TOKEN", raising=False)
    monkeypatch.delenv("BALINTBIB_ZOTERO_KEY", raising=False)
    return home


@pytest.fixture
def shared() -> Path:
    """../shared (reference material); tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"reference material not found at {SHARED}")
    return SHARED


@pytest.fixture
def corpus(shared) -> Path:
    path = shared / "bib-corpus"
    if not path.is_dir():
        pytest.skip(f"bib corpus not found at {path}")
    return path


@pytest.fixture
def cli_runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture
def run_cli(cli_runner):
    """Invoke the CLI the way a user would; returns click's Result."""
    from balintbib.cli import cli

    def run(*args, input=None, catch_exceptions=False):
        return cli_runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=catch_exceptions)

    return run


# -- slow tests ------------------------------------------------------------------------------
# Tests marked `slow` (the whole-corpus proofs, the race and fuzz runs) are part of the suite
# that CI runs; while working, `pytest -m "not slow"` leaves them out.
