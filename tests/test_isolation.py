"""The suite never touches the user's HOME, settings, tokens or keyring (a fixture of
any scope included); conftest's session fixture also fails the run if anything was
written into the fake HOME."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from balintbib import config
from balintbib.remotes.auth import TokenStore, token_record

from conftest import SESSION


@pytest.fixture(scope="module")
def saved_at_module_scope():
    """A module-scoped fixture that logs in (as tests/test_sync_faults.py's does)."""
    store = TokenStore(warn=lambda m: None)
    store.save("society", token_record({"access_token": "t", "expires_in": 3600}, {}, time.time()))
    return store, config.config_dir(), dict(os.environ)


def test_module_scoped_fixtures_are_isolated_too(saved_at_module_scope):
    store, config_dir, env = saved_at_module_scope
    base = SESSION["base"]
    assert Path(env["HOME"]).is_relative_to(base)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "BALINTBIB_HOME"):
        assert Path(env[name]).is_relative_to(base), name
    assert config_dir.is_relative_to(base)
    assert store.backend == "file"  # the null keyring: nothing reaches the user's keyring
    assert (config_dir / "tokens" / "society.json").is_file()


def test_tests_get_their_own_balintbib_home(isolated_home):
    assert config.config_dir().is_relative_to(isolated_home)
    assert Path.home().is_relative_to(SESSION["base"])
