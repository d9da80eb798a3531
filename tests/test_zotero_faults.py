"""429 storms (Retry-After in seconds and as an HTTP date), 503s, Backoff on a 200, dropped
connections before and after a write commits, in the middle of a sync on a Zotero group:
the same final state as a sync without them, nothing duplicated, the delays honoured."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from balintbib.library import Library
from balintbib.remotes.auth import ZoteroKey
from balintbib.remotes.base import RemoteError
from balintbib.remotes.mendeley import RetryPolicy
from balintbib.remotes.zotero import ZoteroClient
from balintbib.sync.engine import SyncEngine
from balintbib.sync.zotero import ZoteroAdapter

from sync_support import TriggerCounter
from zotero_support import FAST_RETRY, REMOTE, ZGroup, start_server


class Sleeps(list):
    """A RetryPolicy sleep that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def build(root):
    srv = start_server(seed_items=30, seed_notes=8)
    srv.counts = TriggerCounter()
    sleeps = Sleeps()

    def engine():
        client = ZoteroClient(REMOTE, srv.info["group_id"], ZoteroKey(REMOTE, srv.info["key"]), api_url=srv.url,
                              retry=RetryPolicy(**FAST_RETRY, sleep=sleeps), timeout=(5, 10), seed=1)
        return SyncEngine(Library.load(root), ZoteroAdapter(client))

    root.mkdir(parents=True)
    engine().pull()
    lib = Library.load(root)
    for i, ref in enumerate(lib.references[:10]):
        ref.set("volume", f"v{i}")
    lib.references[10].annotation = "A local note"
    for ref in lib.references[25:28]:
        lib.remove(ref)
    lib.save()
    text = (root / "library.bib").read_text()
    text += "".join(f"\n@book{{local{i},\n  author = {{Otten, Heide}},\n  title = {{Local book {i}}},\n"
                    f"  year = {{2010}},\n}}\n" for i in range(15))
    (root / "library.bib").write_text(text)
    group = ZGroup(srv)
    mine = {r.remote_ids[REMOTE] for r in Library.load(root).references[:11]}
    others = sorted((d for d in group.docs() if d["key"] not in mine), key=lambda d: d["title"])
    for d in others[:5]:
        group.edit(d["key"], publisher="Group press") if "publisher" in d else group.edit(d["key"], rights="Group")
    for i in range(4):
        group.add({"itemType": "journalArticle", "title": f"Group paper {i}", "date": "1999",
                   "creators": [{"creatorType": "author", "firstName": "A", "lastName": "Salinsky"}]})
    return srv, engine, sleeps


def outcome(srv, root) -> dict:
    group = ZGroup(srv)
    notes = group.notes()
    docs = group.docs()
    g = sorted((d["title"], d.get("volume", ""), d.get("publisher", "") or d.get("rights", ""), notes.get(d["key"], ""))
               for d in docs)
    library = sorted((r.text("title"), r.get("volume"), r.text("publisher") or r.text("zotero-rights"), r.annotation,
                      REMOTE in r.remote_ids) for r in Library.load(root).references)
    return {"group": g, "library": library}


def sync(engine_factory) -> None:
    for _attempt in range(5):
        try:
            e = engine_factory()
            e.pull()
            e.push()
            if not e.plan().ops:
                return
        except RemoteError:
            continue
    raise AssertionError("no convergence after 5 runs")


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    root = tmp_path_factory.mktemp("expected") / "library"
    srv, engine, _ = build(root)
    sync(engine)
    result = outcome(srv, root)
    srv.stop()
    assert len(result["group"]) == 30 - 3 + 15 + 4
    return result


FAULTS = {
    "429 storm, Retry-After seconds": lambda srv: srv.faults.burst(429, 4, "7"),
    "429, Retry-After as a date": lambda srv: srv.faults.burst(429, 2, formatdate(usegmt=True)),
    "503 burst": lambda srv: srv.faults.burst(503, 3),
    "Backoff on 200s": lambda srv: (setattr(srv.faults, "backoff_next", 3), setattr(srv.faults, "backoff_seconds", "5")),
    "dropped connection": lambda srv: setattr(srv.faults, "drop_next", 1),
    "answer lost after the write": lambda srv: setattr(srv.faults, "drop_after_commit", 2),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("at", [1, 3, 6])
def test_faults_during_a_sync_leave_the_same_state(tmp_path, expected, fault, at):
    root = tmp_path / "library"
    srv, engine, sleeps = build(root)
    try:
        srv.counts.at = srv.counts.total + at
        srv.counts.trigger = lambda: FAULTS[fault](srv)
        sync(engine)
        assert srv.counts.total >= srv.counts.at, "the fault was never injected"
        result = outcome(srv, root)
        assert result == expected
        titles = [t for t, *_ in result["group"]]
        assert len(titles) == len(set(titles))  # no duplicate
        if fault.startswith("429 storm"):
            assert sleeps.count(7.0) >= 4  # Retry-After honoured, each time
        if fault.startswith("Backoff"):
            assert any(4.0 < s <= 5.0 for s in sleeps)  # every request paused, not just a retry
    finally:
        srv.stop()
