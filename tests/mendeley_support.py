"""Shared fixtures of the Mendeley tests (imported explicitly by each test module,
so that no conftest.py is needed)."""

from __future__ import annotations

import pytest

from balintbib.remotes.auth import EnvToken
from balintbib.remotes.mendeley import MendeleyClient, RetryPolicy
from balintbib.testing.mendeley import MendeleyServer

FAST_RETRY = dict(base_delay=0.001, max_delay=0.01, jitter=0.5)


@pytest.fixture(autouse=True)
def balintbib_home(tmp_path, monkeypatch):
    """Every test gets its own config folder and no ambient token or keyring."""
    monkeypatch.setenv("BALINTBIB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BALINTBIB_MENDELEY_TOKEN", raising=False)
    monkeypatch.delenv("BALINTBIB_MENDELEY_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return tmp_path / "home"


@pytest.fixture
def server():
    srv = MendeleyServer().start()
    srv.info = srv.setup_basic()
    yield srv
    srv.stop()


def make_client(srv, tokens=None, name="society", **kwargs) -> MendeleyClient:
    tokens = tokens or EnvToken(srv.info["token"]["access_token"])
    kwargs.setdefault("retry", RetryPolicy(**FAST_RETRY))
    kwargs.setdefault("seed", 1)
    return MendeleyClient(name, srv.info["group_id"], tokens, api_url=srv.url, **kwargs)
