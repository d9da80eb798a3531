"""The two remotes (Mendeley, Zotero) behind one face, for the tests that run one scenario
against both: the remote's test server with one group, its API client, the sync engine on a
library folder, and the group as another member sees it.

`remote` is a fixture parametrised by remote: the server started, configured as the remote
``society`` (its credential in the environment, as a librarian would), a `Kit` yielded.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from balintbib.cli import cli
from balintbib.library import Library
from balintbib.remotes.auth import EnvToken, StoredToken, TokenStore, ZoteroKey, token_record
from balintbib.remotes.mendeley import MendeleyClient, RetryPolicy
from balintbib.remotes.zotero import ZoteroClient
from balintbib.sync.codec import RemoteAdapter
from balintbib.sync.engine import SyncEngine
from balintbib.sync.zotero import ZoteroAdapter
from balintbib.testing.mendeley import MendeleyServer

from sync_support import FAST_RETRY, REMOTE, MendeleyGroup
from zotero_support import ZGroup
from zotero_support import start_server as start_zotero

REMOTES = ("mendeley", "zotero")


class Kit:
    """One remote's test server and what a test does with it."""

    name: str  # the remote type, as `remote add` takes it
    label: str  # as the user interface names the service
    credential_variable: str

    def __init__(self, server, group):
        self.server = server
        self.info = server.info
        self.group = group

    @property
    def group_id(self) -> str:
        return self.info["group_id"]

    def credential(self) -> str:
        raise NotImplementedError

    def client(self, name: str = REMOTE, **kwargs):
        raise NotImplementedError

    def adapter(self, client):
        raise NotImplementedError

    def read_only_credential(self) -> str:
        raise NotImplementedError

    def engine(self, root: Path, **client_kwargs) -> SyncEngine:
        return SyncEngine(Library.load(root), self.adapter(self.client(**client_kwargs)))

    def environment(self) -> dict[str, str]:
        """What a subprocess needs to reach the group (the credential, no keyring)."""
        return {self.credential_variable: self.credential(), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

    def add_remote(self) -> None:
        """``balintbib remote add society <type> --group ... --api-url ...`` (in BALINTBIB_HOME)."""
        result = CliRunner().invoke(cli, ["remote", "add", REMOTE, self.name, "--group", self.group_id,
                                          "--api-url", self.server.url])
        assert result.exit_code == 0, result.output

    def stop(self) -> None:
        self.server.stop()


class MendeleyKit(Kit):
    name, label, credential_variable = "mendeley", "Mendeley", "BALINTBIB_MENDELEY_TOKEN"

    @classmethod
    def start(cls, docs: int = 0, notes: int = 0, seed: int = 3) -> MendeleyKit:
        srv = MendeleyServer().start()
        srv.info = srv.setup_basic()
        if docs:
            srv.state.seed_group(srv.info["group_id"], docs, notes, seed=seed)
        return cls(srv, MendeleyGroup(srv))

    def credential(self) -> str:
        return self.info["token"]["access_token"]

    def client(self, name: str = REMOTE, refreshable: bool = False, **kwargs) -> MendeleyClient:
        """``refreshable``: a token stored in BALINTBIB_HOME with its refresh token (it survives expiry)."""
        kwargs.setdefault("retry", RetryPolicy(**FAST_RETRY))
        kwargs.setdefault("seed", 1)
        if refreshable:
            store = TokenStore(use_keyring=False, warn=lambda m: None)
            if store.load(name) is None:
                reply = self.server.state.issue_token(self.info["client_id"], self.info["profile_id"])
                store.save(name, token_record(reply, {"client_id": self.info["client_id"],
                                                      "client_secret": self.info["client_secret"]}, time.time()))
            tokens = StoredToken(name, self.server.url, store)
        else:
            tokens = EnvToken(self.credential())
        return MendeleyClient(name, self.group_id, tokens, api_url=self.server.url, **kwargs)

    def adapter(self, client) -> RemoteAdapter:
        return RemoteAdapter(client)

    def read_only_credential(self) -> str:
        """The token of a new member who may only read the group (a follower)."""
        st = self.server.state
        reader = st.add_profile("Read", "Only")
        st.add_member(self.group_id, reader, "follower")
        return st.issue_token(self.info["client_id"], reader)["access_token"]


class ZoteroKit(Kit):
    name, label, credential_variable = "zotero", "Zotero", "BALINTBIB_ZOTERO_KEY"

    @classmethod
    def start(cls, docs: int = 0, notes: int = 0, seed: int = 3) -> ZoteroKit:
        srv = start_zotero(seed_items=docs, seed_notes=notes, seed=seed)
        return cls(srv, ZGroup(srv))

    def credential(self) -> str:
        return self.info["key"]

    def client(self, name: str = REMOTE, refreshable: bool = False, **kwargs) -> ZoteroClient:
        """(A Zotero key does not expire: ``refreshable`` changes nothing.)"""
        kwargs.setdefault("retry", RetryPolicy(**FAST_RETRY))
        kwargs.setdefault("seed", 1)
        return ZoteroClient(name, self.group_id, ZoteroKey(name, self.credential()), api_url=self.server.url,
                            **kwargs)

    def adapter(self, client) -> ZoteroAdapter:
        return ZoteroAdapter(client)

    def read_only_credential(self) -> str:
        """A key of a new user that may only read the group."""
        st = self.server.state
        return st.add_key(st.add_user("reader"), {self.group_id: False})


KITS = {"mendeley": MendeleyKit, "zotero": ZoteroKit}


def start_kit(name: str, docs: int = 0, notes: int = 0, seed: int = 3) -> Kit:
    """The remote's test server with one group (`docs` documents and `notes` notes seeded)."""
    return KITS[name].start(docs, notes, seed)


@pytest.fixture(params=REMOTES)
def remote(request, monkeypatch, isolated_home):
    """Each remote's test server, configured as the remote ``society``."""
    kit = start_kit(request.param)
    for name, value in kit.environment().items():
        monkeypatch.setenv(name, value)
    kit.add_remote()
    yield kit
    kit.stop()


def subprocess_environment(kit: Kit, home: Path) -> dict[str, str]:
    """The environment of a ``python -m balintbib`` child reaching `kit`'s group."""
    src = Path(__file__).resolve().parents[1] / "src"
    return dict(os.environ, PYTHONPATH=str(src), BALINTBIB_HOME=str(home), **kit.environment())
