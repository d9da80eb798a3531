"""Faults in the middle of a sync, on a Mendeley and on a Zotero group: 429 bursts and storms
(Retry-After in seconds and as an HTTP date), 503s, Backoff on a 200, dropped connections
before and after a write commits, broken bodies, listing glitches, slow replies and token
expiry leave the same final state as a sync without them, nothing duplicated, the delays
honoured."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from balintbib.library import Library
from balintbib.remotes.base import RemoteError
from balintbib.remotes.mendeley import RetryPolicy

from remote_kit import REMOTES, start_kit
from sync_support import FAST_RETRY, REMOTE, TriggerCounter

SEED = {"mendeley": 5, "zotero": 3}
#: How the sync's client talks to each (Mendeley: a stored token that survives expiry, 8 documents
#: a page so that listings have pages, a short read timeout for the slow replies).
CLIENT = {"mendeley": dict(refreshable=True, timeout=(2, 0.5), page_limit=8),
          "zotero": dict(timeout=(5, 10))}


class Sleeps(list):
    """A RetryPolicy sleep that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def build(remote: str, root):
    kit = start_kit(remote, 30, 8, seed=SEED[remote])
    kit.server.counts = TriggerCounter()
    sleeps = Sleeps()

    def engine():
        return kit.engine(root, retry=RetryPolicy(**FAST_RETRY, sleep=sleeps), **CLIENT[remote])

    root.mkdir(parents=True)
    engine().pull()
    # Local changes, to the same documents in every build, whatever order the pull wrote
    # (Zotero lists by modification time, to the second: two builds may list differently).
    lib = Library.load(root)
    refs = sorted(lib.references, key=lambda r: r.text("title"))
    for i, ref in enumerate(refs[:10]):
        ref.set("volume", f"v{i}")
    refs[10].annotation = "A local note"
    for ref in refs[25:28]:
        lib.remove(ref)
    lib.save()
    text = (root / "library.bib").read_text()
    text += "".join(f"\n@book{{local{i},\n  author = {{Otten, Heide}},\n  title = {{Local book {i}}},\n"
                    f"  year = {{2010}},\n}}\n" for i in range(15))
    (root / "library.bib").write_text(text)
    # ...and changes in the group, on other documents and other fields.
    group = kit.group
    mine = {r.remote_ids[REMOTE] for r in refs[:11]}
    others = sorted((d for d in group.docs() if group.ident(d) not in mine), key=lambda d: d["title"])
    for d in others[:5]:
        if "publisher" in d or remote == "mendeley":
            group.edit(group.ident(d), publisher="Group press")
        else:  # a Zotero journal article has no publisher
            group.edit(group.ident(d), rights="Group")
    for i in range(4):
        group.add_article(f"Group paper {i}", 1999, "Salinsky", "A")
    return kit, engine, sleeps


def outcome(kit, root) -> dict:
    group = kit.group
    notes = group.notes()
    docs = sorted((d["title"], d.get("volume", ""), d.get("publisher", "") or d.get("rights", ""),
                   notes.get(group.ident(d), "")) for d in group.docs())
    library = sorted((r.text("title"), r.get("volume"), r.text("publisher") or r.text("zotero-rights"), r.annotation,
                      REMOTE in r.remote_ids) for r in Library.load(root).references)
    return {"group": docs, "library": library}


def sync(engine_factory) -> None:
    """pull + push, rerun after a failure (as a librarian would)."""
    failed = False
    for _attempt in range(5):
        try:
            e = engine_factory()
            e.pull()
            e.push()
            if not e.plan().ops:
                if not failed:
                    return
                # A request the client gave up on may still land (a slow server):
                # once it has, one more sync settles it.
                time.sleep(1.0)
                e = engine_factory()
                e.pull()
                e.push()
                return
        except RemoteError:
            failed = True
            continue
    raise AssertionError("no convergence after 5 runs")


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The outcome of a sync without faults, per remote."""
    known: dict[str, dict] = {}

    def of(remote: str) -> dict:
        if remote not in known:
            root = tmp_path_factory.mktemp(f"expected-{remote}") / "library"
            with pytest.MonkeyPatch.context() as mp:  # a token goes to a folder of its own, never a real config
                mp.setenv("BALINTBIB_HOME", str(tmp_path_factory.mktemp(f"expected-home-{remote}")))
                kit, engine, _ = build(remote, root)
                sync(engine)
                known[remote] = outcome(kit, root)
                kit.stop()
            assert len(known[remote]["group"]) == 30 - 3 + 15 + 4
        return known[remote]

    return of


FAULTS = {
    "429 burst": lambda srv: srv.faults.burst(429, 4),
    "429 storm, Retry-After seconds": lambda srv: srv.faults.burst(429, 4, "7"),
    "429, Retry-After as a date": lambda srv: srv.faults.burst(429, 2, formatdate(usegmt=True)),
    "503 burst": lambda srv: srv.faults.burst(503, 3),
    "Backoff on 200s": lambda srv: (setattr(srv.faults, "backoff_next", 3), setattr(srv.faults, "backoff_seconds", "5")),
    "dropped connection": lambda srv: setattr(srv.faults, "drop_next", 1),
    "two dropped connections": lambda srv: setattr(srv.faults, "drop_next", 2),
    "answer lost after the write": lambda srv: setattr(srv.faults, "drop_after_commit", 2),
    "token expiry": lambda srv: srv.expire_tokens(),
    "slow replies": lambda srv: (setattr(srv.faults, "delay", 0.8), setattr(srv.faults, "delay_next", 1)),
    # Broken bodies (the request is carried out, its answer arrives broken).
    "truncated body": lambda srv: srv.faults.body_faults.append("truncate"),
    "reset body": lambda srv: srv.faults.body_faults.append("reset"),
    "bad gzip": lambda srv: srv.faults.body_faults.append("gzip"),
    "invalid JSON on writes": lambda srv: (srv.faults.body_faults.extend(["json", "json"]),
                                           setattr(srv.faults, "body_fault_methods", ("POST", "PATCH"))),
    # Listing glitches (8 documents a page here): only the first listing has several pages.
    "repeated page": lambda srv: srv.faults.page_faults.append("repeat"),
    "overlapping page": lambda srv: srv.faults.page_faults.append("overlap"),
}
PAGE_FAULTS = {"repeated page", "overlapping page"}
#: The faults each remote meets, and after how many requests of the sync.
ON = {
    "mendeley": ["429 burst", "503 burst", "dropped connection", "two dropped connections", "token expiry",
                 "slow replies", "truncated body", "reset body", "bad gzip", "invalid JSON on writes",
                 "repeated page", "overlapping page", "answer lost after the write"],
    "zotero": ["429 storm, Retry-After seconds", "429, Retry-After as a date", "503 burst", "Backoff on 200s",
               "dropped connection", "answer lost after the write", "two dropped connections",
               "truncated body", "reset body", "bad gzip", "invalid JSON on writes"],
}
AT = {"mendeley": (1, 12, 30), "zotero": (1, 3, 6)}
CASES = [(remote, fault, at) for remote in REMOTES for at in AT[remote] for fault in ON[remote]
         if at == 1 or fault not in PAGE_FAULTS]


@pytest.mark.parametrize(("remote", "fault", "at"), CASES)
def test_faults_during_a_sync_leave_the_same_state(tmp_path, expected, remote, fault, at):
    root = tmp_path / "library"
    kit, engine, sleeps = build(remote, root)
    srv = kit.server
    try:
        srv.counts.at = srv.counts.total + at
        srv.counts.trigger = lambda: FAULTS[fault](srv)
        sync(engine)
        assert srv.counts.total >= srv.counts.at, "the fault was never switched on"
        assert not srv.faults.body_faults and not getattr(srv.faults, "page_faults", []), "the fault never happened"
        result = outcome(kit, root)
        assert result == expected(remote)
        titles = [t for t, *_ in result["group"]]
        assert len(titles) == len(set(titles))  # no duplicate
        if fault.startswith("429 storm"):
            assert sleeps.count(7.0) >= 4  # Retry-After honoured, each time
        if fault.startswith("Backoff"):
            assert any(4.0 < s <= 5.0 for s in sleeps)  # every request paused, not just a retry
    finally:
        srv.stop()
