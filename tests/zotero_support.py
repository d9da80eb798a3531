"""Helpers of the Zotero tests: a Zotero test server with one group, its items seen
from the server's memory, and edits made "in Zotero" by another member."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from balintbib.cli import cli
from balintbib.formats.zotero import annotation_key, note_html, note_text
from balintbib.remotes.auth import ZoteroKey
from balintbib.remotes.mendeley import RetryPolicy
from balintbib.remotes.zotero import ZoteroClient
from balintbib.testing.zotero import ZoteroServer

FAST_RETRY = dict(base_delay=0.001, max_delay=0.01, jitter=0.5)
REMOTE = "society"


class ZGroup:
    """The group as a member using Zotero sees it (reads and edits the server's memory)."""

    def __init__(self, srv: ZoteroServer):
        self.srv = srv
        self.g = srv.group(srv.info["group_id"])
        self.st = srv.state
        self.other = self.st.add_user("colleague")

    CITATION_KEY = "citationKey"

    @staticmethod
    def ident(doc: dict) -> str:
        return doc["key"]

    def path(self, key: str) -> str:
        """The item's own URL path (a read of it alone)."""
        return f"/groups/{self.g.id}/items/{key}"

    def docs(self) -> list[dict]:
        with self.st.lock:
            return [dict(d) for d in self.g.items.values()
                    if d["itemType"] not in ("note", "attachment") and not d.get("deleted")]

    def doc(self, key: str) -> dict:
        return dict(self.g.items[key])

    def by_title(self) -> dict[str, dict]:
        return {d["title"]: d for d in self.docs()}

    def notes(self) -> dict[str, str]:
        """Parent key -> annotation text."""
        with self.st.lock:
            return {d["parentItem"]: note_text(d["note"]) for d in self.g.items.values()
                    if d["itemType"] == "note" and d.get("parentItem")
                    and d["key"] == annotation_key(d["parentItem"]) and not d.get("deleted")}

    def edit(self, key: str, **fields) -> dict:
        with self.st.lock:
            item = dict(self.g.items[key])
            item.update(fields)
            item.pop("version", None)
            return self.st.put_item(self.g, item, self.other)

    def set_note(self, parent: str, text: str) -> None:
        with self.st.lock:
            key = annotation_key(parent)
            item = dict(self.g.items.get(key) or {"itemType": "note", "key": key, "parentItem": parent})
            item["note"] = note_html(text)
            item.pop("version", None)
            self.st.put_item(self.g, item, self.other)

    def edit_note(self, parent: str, text: str) -> None:
        """The item's annotation note changed (in Zotero)."""
        self.set_note(parent, text)

    def in_trash(self, key: str) -> bool:
        return self.doc(key).get("deleted") == 1

    def add(self, data: dict) -> dict:
        return self.st.put_item(self.g, dict(data), self.other)

    def add_article(self, title: str, year: int, family: str, given: str, doi: str = "") -> str:
        data = {"itemType": "journalArticle", "title": title, "date": str(year),
                "creators": [{"creatorType": "author", "firstName": given, "lastName": family}]}
        if doi:
            data["DOI"] = doi
        return self.add(data)["key"]

    def trash(self, key: str) -> None:
        self.edit(key, deleted=1)

    def delete(self, key: str) -> None:
        self.st.delete_items(self.g, [key])


def start_server(monkeypatch=None, seed_items: int = 0, seed_notes: int = 0, seed: int = 3) -> ZoteroServer:
    from balintbib.testing.zotero_state import seed_group

    srv = ZoteroServer().start()
    srv.info = srv.setup_basic()
    if seed_items:
        seed_group(srv.state, srv.group(srv.info["group_id"]), seed_items, seed_notes, seed=seed)
    return srv


@pytest.fixture
def zserver(monkeypatch, isolated_home):
    srv = start_server()
    monkeypatch.setenv("BALINTBIB_ZOTERO_KEY", srv.info["key"])
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    result = CliRunner().invoke(cli, ["remote", "add", REMOTE, "zotero", "--group", srv.info["group_id"],
                                      "--api-url", srv.url])
    assert result.exit_code == 0, result.output
    srv.zgroup = ZGroup(srv)
    yield srv
    srv.stop()


def make_client(srv, key: str | None = None, name: str = REMOTE, **kwargs) -> ZoteroClient:
    kwargs.setdefault("retry", RetryPolicy(**FAST_RETRY))
    kwargs.setdefault("seed", 1)
    return ZoteroClient(name, srv.info["group_id"], ZoteroKey(name, key or srv.info["key"]), api_url=srv.url,
                        **kwargs)
