"""`balintbib migrate`: a seeded Mendeley group of 2,000 documents and 2,000 notes (two
authors, group and private notes) into an empty Zotero group, compared field by field;
killed (SIGKILL) at random points and resumed: the same result, nothing twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from balintbib.cli import cli
from balintbib.formats.mendeley import from_mendeley
from balintbib.remotes.auth import EnvToken
from balintbib.remotes.mendeley import MendeleyClient
from balintbib.formats.zotero import AUTO_TAGS_FIELD, annotation_key, from_zotero, note_text
from balintbib.testing.mendeley import MendeleyServer
from balintbib.testing.zotero import ZoteroServer

from sync_support import TriggerCounter

DOCS, NOTES = 2000, 2000


class Migration:
    def __init__(self, tmp_path: Path, docs: int = DOCS):
        self.home = tmp_path / "home"
        self.m = MendeleyServer().start()
        self.minfo = self.m.setup_basic()
        st = self.m.state
        gid = self.minfo["group_id"]
        self.owner = self.minfo["profile_id"]
        self.other = st.add_profile("Heide", "Otten")
        st.add_member(gid, self.other, "member")
        ids = st.seed_group(gid, docs, 0, seed=11)
        rng = random.Random(5)
        notes = docs if docs < DOCS else NOTES
        for i in range(notes - notes // 10):
            doc = ids[i % len(ids)]
            if i % 3 == 0:
                st.put_annotation({"document_id": doc, "text": f"Group note {i} by Enid: why read it",
                                   "privacy_level": "group"}, self.owner)
            elif i % 3 == 1:
                st.put_annotation({"document_id": doc, "text": f"Group note {i} by Heide",
                                   "privacy_level": "group"}, self.other)
            else:
                st.put_annotation({"document_id": doc, "text": f"Private note {i}\n\nsecond paragraph <b>&",
                                   "privacy_level": "private"}, self.owner)
        for i in range(notes // 10):  # a second note on some documents: a highlight with a page
            st.put_annotation({"document_id": ids[i], "text": f"Highlighted {i}", "privacy_level": "group",
                               "filehash": "ab" * 20, "color": {"r": 255, "g": 245, "b": 173},
                               "positions": [{"top_left": {"x": 1, "y": 2}, "bottom_right": {"x": 30, "y": 40},
                                              "page": 1 + rng.randint(0, 9)}]}, self.owner)
        self.z = ZoteroServer().start()
        self.zinfo = self.z.setup_basic()
        self.counts = TriggerCounter()
        self.z.counts = self.counts
        os.environ["BALINTBIB_HOME"] = str(self.home)
        for args in (["remote", "add", "society", "mendeley", "--group", gid, "--api-url", self.m.url],
                     ["remote", "add", "society-z", "zotero", "--group", self.zinfo["group_id"], "--api-url", self.z.url]):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, result.output

    def env(self) -> dict:
        src = Path(__file__).resolve().parents[1] / "src"
        return dict(os.environ, PYTHONPATH=str(src), BALINTBIB_HOME=str(self.home),
                    BALINTBIB_MENDELEY_TOKEN=self.minfo["token"]["access_token"],
                    BALINTBIB_ZOTERO_KEY=self.zinfo["key"], PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")

    def run(self, *extra, kill_at: int = 0) -> tuple[int, str, str]:
        proc = subprocess.Popen([sys.executable, "-m", "balintbib", "migrate", "society", "society-z", *extra],
                                env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if kill_at:
            self.counts.at = self.counts.total + kill_at
            self.counts.trigger = lambda: os.kill(proc.pid, signal.SIGKILL)
        try:
            out, err = proc.communicate(timeout=600)
        finally:
            self.counts.at = 0
        return proc.returncode, out, err

    def stop(self):
        self.m.stop()
        self.z.stop()

    # -- what is where
    def mendeley(self):
        """The group as the API shows it (all documents; every annotation, private ones included)."""
        client = MendeleyClient("society", self.minfo["group_id"], EnvToken(self.minfo["token"]["access_token"]),
                                api_url=self.m.url)
        docs = {r.id: r.data for r in client.documents_since(None).records}
        st = self.m.state
        anns = [dict(a) for a in st.annotations.values() if a.get("document_id") in docs]
        return docs, anns

    def zotero(self):
        g = self.z.group(self.zinfo["group_id"])
        items = [d for d in g.items.values() if d["itemType"] != "note"]
        notes = [d for d in g.items.values() if d["itemType"] == "note"]
        return items, notes


def check(mig: Migration) -> dict:
    """Every document, field, tag and note, compared; returns the counts."""
    docs, anns = mig.mendeley()
    items, notes = mig.zotero()
    by_doc = {}
    for it in items:
        mid = it["relations"]["mendeleyDB:remoteDocumentUUID"]
        assert mid not in by_doc, f"document {mid} twice in Zotero"
        by_doc[mid] = it
    assert set(by_doc) == set(docs)
    for mid, doc in docs.items():
        item = by_doc[mid]
        # field by field: the reference Mendeley gives, and the one Zotero gives back
        want = from_mendeley(doc, remote="society").reference
        kw = [k.strip() for k in want.text("mendeley-keywords").split(",") if k.strip()]
        want.set("mendeley-keywords", None)
        if kw:
            want.set(AUTO_TAGS_FIELD, json.dumps(kw, ensure_ascii=False))
        got = from_zotero(item, remote="society-z", key=want.key).reference
        got.set_remote_id("society-z", None)
        got.fields.pop("zotero-relations", None)
        got.fields.pop("zotero-date-added", None)
        got.fields.pop("zotero-date-modified", None)
        assert got.type == want.type and got.fields == want.fields, mid
        # and as a Zotero user sees it
        assert item["title"] == doc["title"]
        assert [c["lastName"] for c in item["creators"] if c["creatorType"] == "author"] == \
            [a["last_name"] for a in doc.get("authors", [])]
        assert sorted(t["tag"] for t in item["tags"] if not t.get("type")) == sorted(doc.get("tags", []))
        assert sorted(t["tag"] for t in item["tags"] if t.get("type") == 1) == sorted(doc.get("keywords", []))
        assert item["DOI"] == doc["identifiers"]["doi"] and item["date"].startswith(str(doc["year"]))
        assert item["dateAdded"][:19] == doc["created"][:19]
    by_ann = {}
    for n in notes:
        aid = n["relations"]["mendeleyDB:annotationUUID"]
        assert aid not in by_ann, f"annotation {aid} twice in Zotero"
        by_ann[aid] = n
    readable = [a for a in anns if a.get("privacy_level") == "group" or a.get("profile_id") == mig.owner]
    assert set(by_ann) == {a["id"] for a in readable}
    names = {mig.owner: "Enid Balint", mig.other: "Heide Otten"}
    group_note_of = {}
    for a in readable:
        if a["type"] == "note" and a["privacy_level"] == "group":
            group_note_of.setdefault(a["document_id"], a)
    for a in readable:
        n = by_ann[a["id"]]
        parent = by_doc[a["document_id"]]
        assert n["parentItem"] == parent["key"]
        text = note_text(n["note"])
        assert " ".join(a.get("text", "").split()) in " ".join(text.split())
        tags = {t["tag"] for t in n["tags"]}
        assert f"Mendeley author: {names[a['profile_id']]}" in tags and f"Mendeley privacy: {a['privacy_level']}" in tags
        if group_note_of.get(a["document_id"]) is a or \
                (a["type"] == "note" and a["privacy_level"] == "group" and n["key"] == annotation_key(parent["key"])):
            assert n["key"] == annotation_key(parent["key"]) and text == a["text"]  # the library's annotation
    return {"documents": len(by_doc), "notes": len(by_ann), "tags": sum(len(i["tags"]) for i in items)}


@pytest.fixture
def migration(tmp_path, isolated_home):
    made = []

    def make(**kw) -> Migration:
        m = Migration(tmp_path / f"m{len(made)}", **kw)
        made.append(m)
        return m

    yield make
    for m in made:
        m.stop()
    os.environ["BALINTBIB_HOME"] = str(isolated_home)


def test_dry_run_lists_and_writes_nothing(migration):
    mig = migration(docs=30)
    code, out, err = mig.run("--dry-run")
    assert code == 0, err
    assert "30 document(s), 30 note(s) and 0 folder(s)" in out
    assert "kept in Extra only: " in out  # per document, before anything is written
    assert "Mendeley's own fields (" in out and "mendeley-read" in out  # once for all
    assert "private notes cannot be read" in out
    assert mig.zotero() == ([], [])


def test_migrate_small_group_then_rerun_changes_nothing(migration):
    mig = migration(docs=60)
    code, out, err = mig.run()
    assert code == 0, err
    counts = check(mig)
    assert counts["documents"] == 60 and "Check: documents 60/60" in out and "folders 0/0" in out
    versions = {k: d["version"] for k, d in mig.z.group(mig.zinfo["group_id"]).items.items()}
    code, out, _ = mig.run()
    assert code == 0 and "0 object(s) created" in out
    assert {k: d["version"] for k, d in mig.z.group(mig.zinfo["group_id"]).items.items()} == versions


def _killed(mig: Migration, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(kills):
        code, _, err = mig.run(kill_at=rng.randint(1, 90))
        assert code in (0, -signal.SIGKILL), err[-2000:]
    for _ in range(3):
        code, out, err = mig.run()
        if code == 0:
            break
    assert code == 0, err[-2000:]


def test_migrate_2000_documents_killed_and_resumed(migration):
    mig = migration()
    _killed(mig, 3, seed=1)
    counts = check(mig)
    assert counts["documents"] == DOCS
    readable_notes = counts["notes"]
    assert readable_notes >= NOTES - (NOTES - NOTES // 10) // 3  # other members' private notes: none here


@pytest.mark.slow
def test_migrate_2000_documents_killed_20_times(migration):
    mig = migration()
    _killed(mig, 20, seed=2)
    assert check(mig)["documents"] == DOCS


def test_folders_become_collections_parents_first(migration):
    from balintbib.migrate import folder_key

    mig = migration(docs=12)
    gid = mig.minfo["group_id"]
    mig.m.state.folders = [{"id": "f-child", "name": "Training", "parent_id": "f-top", "group_id": gid},
                           {"id": "f-top", "name": "Balint groups", "group_id": gid},
                           {"id": "f-other", "name": "Research", "group_id": gid}]
    docs = sorted(mig.m.state.documents)
    for i, ident in enumerate(docs):
        mig.m.state.documents[ident]["folder_uuids"] = [["f-top"], ["f-child", "f-other"], []][i % 3]
    code, out, err = mig.run()
    assert code == 0, err
    assert "3 folder(s)" in out and "folders 3/3" in out
    g = mig.z.group(mig.zinfo["group_id"])
    cols = {c["name"]: c for c in g.collections.values()}
    assert set(cols) == {"Balint groups", "Training", "Research"}
    assert cols["Training"]["parentCollection"] == cols["Balint groups"]["key"]
    assert cols["Research"]["parentCollection"] is False
    assert cols["Training"]["relations"] == {"mendeleyDB:remoteFolderUUID": "f-child"}
    items, _ = mig.zotero()
    by_doc = {i["relations"]["mendeleyDB:remoteDocumentUUID"]: i for i in items}
    for i, ident in enumerate(docs):
        want = [folder_key(f) for f in [["f-top"], ["f-child", "f-other"], []][i % 3]]
        assert by_doc[ident]["collections"] == want
    code, out, _ = mig.run()
    assert code == 0 and "0 object(s) created" in out
