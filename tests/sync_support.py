"""Helpers of the sync tests: a Mendeley test server, librarians' library folders, the CLI."""

from __future__ import annotations

import json
import threading
from collections import Counter
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from balintbib.cli import cli
from balintbib.library import Library
from balintbib.remotes.auth import EnvToken
from balintbib.remotes.mendeley import MendeleyClient, RetryPolicy
from balintbib.testing.mendeley import MendeleyServer

FAST_RETRY = dict(base_delay=0.001, max_delay=0.01, jitter=0.5)
REMOTE = "society"


@pytest.fixture
def server(monkeypatch, isolated_home):
    srv = MendeleyServer().start()
    srv.info = srv.setup_basic()
    monkeypatch.setenv("BALINTBIB_MENDELEY_TOKEN", srv.info["token"]["access_token"])
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    result = CliRunner().invoke(cli, ["remote", "add", REMOTE, "mendeley", "--group", srv.info["group_id"],
                                      "--api-url", srv.url])
    assert result.exit_code == 0, result.output
    yield srv
    srv.stop()


def group_client(srv, token: str | None = None) -> MendeleyClient:
    """Another Mendeley user editing the group directly (the web or desktop app)."""
    return MendeleyClient("web", srv.info["group_id"], EnvToken(token or srv.info["token"]["access_token"]),
                          api_url=srv.url, retry=RetryPolicy(**FAST_RETRY), seed=1)


class Librarian:
    """One librarian's library folder, driven through the CLI."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def run(self, *args, input=None):
        return CliRunner().invoke(cli, [*map(str, args), "--library", str(self.folder)], input=input,
                                  catch_exceptions=False)

    def ok(self, *args, code: int = 0):
        result = self.run(*args)
        assert result.exit_code == code, result.output
        return result

    def json(self, *args, code: int = 0):
        return json.loads(self.ok(*args, "--json", code=code).stdout)

    def library(self) -> Library:
        return Library.load(self.folder)

    def ref(self, key: str):
        return self.library().get(key)

    def edit(self, key: str, **fields) -> None:
        lib = self.library()
        ref = lib.get(key)
        assert ref is not None, key
        for name, value in fields.items():
            ref.set(name.replace("_", "-"), value)
        lib.save()

    def add(self, bibtex: str) -> None:
        path = self.folder / "library.bib"
        text = path.read_text() if path.exists() else ""
        path.write_text(text + "\n" + bibtex.strip() + "\n")

    def delete(self, key: str) -> None:
        lib = self.library()
        lib.remove(lib.get(key))
        lib.save()

    def remote_id(self, key: str) -> str:
        return self.ref(key).remote_ids[REMOTE]

    def state(self) -> dict:
        return json.loads((self.folder / ".balintbib" / "sync" / f"{REMOTE}.json").read_text())


def group_documents(srv) -> list[dict]:
    """Live documents of the group, straight from the server's memory."""
    gid = srv.info["group_id"]
    with srv.state.lock:
        return [dict(d) for d in srv.state.documents.values() if d.get("group_id") == gid and not d["_trashed"]]


class MendeleyGroup:
    """The group as another member sees it: documents and group notes from the server's
    memory, edits over the API (the web or desktop app).  Same face as `zotero_support.ZGroup`."""

    def __init__(self, srv: MendeleyServer):
        self.srv = srv
        self.web = group_client(srv)

    CITATION_KEY = "citation_key"

    @staticmethod
    def ident(doc: dict) -> str:
        return doc["id"]

    def path(self, ident: str) -> str:
        """The document's own URL path (a read of it alone)."""
        return f"/documents/{ident}"

    def docs(self) -> list[dict]:
        return group_documents(self.srv)

    def doc(self, ident: str) -> dict:
        with self.srv.state.lock:
            return dict(self.srv.state.documents[ident])

    def by_title(self) -> dict[str, dict]:
        return {d["title"]: d for d in self.docs()}

    def notes(self) -> dict[str, str]:
        """Document id -> group note text."""
        st = self.srv.state
        with st.lock:
            return {a["document_id"]: a["text"] for a in st.annotations.values() if a.get("privacy_level") == "group"}

    def add_article(self, title: str, year: int, family: str, given: str, doi: str = "") -> str:
        data = {"title": title, "type": "journal", "year": year, "authors": [{"first_name": given, "last_name": family}]}
        if doi:
            data["identifiers"] = {"doi": doi}
        return self.web.create(data).id

    def set_note(self, ident: str, text: str) -> None:
        """A new group note on the document."""
        self.web.create_annotation({"document_id": ident, "text": text, "privacy_level": "group"})

    def edit_note(self, ident: str, text: str) -> None:
        """The document's group note changed (in Mendeley)."""
        with self.srv.state.lock:
            note = next(n for n in self.srv.state.annotations.values()
                        if n.get("document_id") == ident and n.get("privacy_level") == "group")
        self.web.update_annotation(note["id"], {"text": text})

    def in_trash(self, ident: str) -> bool:
        return self.doc(ident)["_trashed"]

    def edit(self, ident: str, **fields) -> None:
        self.web.update(ident, fields, self.web.get(ident).version)

    def trash(self, ident: str) -> None:
        self.web.move_to_trash(ident)

    def delete(self, ident: str) -> None:
        self.web.delete(ident)


def env_for_subprocess(home: Path, token: str) -> dict:
    src = Path(__file__).resolve().parents[1] / "src"
    env = dict(os.environ)
    env.update(PYTHONPATH=str(src), BALINTBIB_HOME=str(home), BALINTBIB_MENDELEY_TOKEN=token,
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return env


class TriggerCounter(Counter):
    """A server request counter that calls `trigger` when the total reaches `at`."""

    def __init__(self):
        super().__init__()
        self.total = 0
        self.at = 0
        self.trigger = None
        self.lock = threading.Lock()

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        with self.lock:
            self.total += 1
            if self.at and self.total == self.at and self.trigger:
                self.trigger()


# -- two librarians sharing one group -------------------------------------------------------

ARTICLE = """
@article{balint1955doctor,
  author = {Balint, Michael},
  title = {The doctor, his patient, and the illness},
  journal = {The Lancet},
  volume = {265},
  pages = {683--688},
  year = {1955},
  doi = {10.1016/S0140-6736(55)91061-8},
}
"""

BOOK = """
@book{salinsky2001work,
  author = {Salinsky, John},
  title = {Balint groups and the Balint method},
  publisher = {Radcliffe},
  year = {2001},
}
"""


def two_librarians(tmp_path, *entries, remote: str | None = REMOTE):
    """Librarian ``a`` adds the entries and syncs, ``b`` pulls them: two copies of one group.
    ``remote=None`` names no remote (the only one configured is used)."""
    names = (remote,) if remote else ()
    a, b = Librarian(tmp_path / "a"), Librarian(tmp_path / "b")
    for e in entries:
        a.add(e)
    a.ok("sync", *names)
    b.ok("pull", *names)
    return a, b
