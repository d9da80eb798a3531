"""429 bursts, 503s, dropped connections, slow replies and token expiry in the middle
of a sync leave the same final state as a sync without them."""

from __future__ import annotations

import time

import pytest

from balintbib.library import Library
from balintbib.remotes.auth import StoredToken, TokenStore, token_record
from balintbib.remotes.base import RemoteError
from balintbib.remotes.mendeley import MendeleyClient, RetryPolicy
from balintbib.sync.codec import RemoteAdapter
from balintbib.sync.engine import SyncEngine
from balintbib.testing.mendeley import MendeleyServer

from sync_support import FAST_RETRY, REMOTE, TriggerCounter


def build(root):
    srv = MendeleyServer().start()
    srv.info = srv.setup_basic()
    srv.state.seed_group(srv.info["group_id"], 30, 8, seed=5)
    srv.counts = TriggerCounter()
    store = TokenStore(use_keyring=False, warn=lambda m: None)
    reply = srv.state.issue_token(srv.info["client_id"], srv.info["profile_id"])
    store.save(REMOTE, token_record(reply, {"client_id": srv.info["client_id"],
                                            "client_secret": srv.info["client_secret"]}, time.time()))

    def engine():
        client = MendeleyClient(REMOTE, srv.info["group_id"], StoredToken(REMOTE, srv.url, store), api_url=srv.url,
                                retry=RetryPolicy(**FAST_RETRY), timeout=(2, 0.5), seed=1, page_limit=8)
        return SyncEngine(Library.load(root), RemoteAdapter(client))

    root.mkdir(parents=True)
    engine().pull()
    # Local changes...
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
    # ...and changes in the group, on other documents and other fields.
    web = MendeleyClient("web", srv.info["group_id"], StoredToken(REMOTE, srv.url, store), api_url=srv.url,
                         retry=RetryPolicy(**FAST_RETRY))
    docs = sorted(web.documents_since(None).records, key=lambda r: r.data["title"])
    mine = {r.remote_ids[REMOTE] for r in Library.load(root).references[:11]}
    others = [r for r in docs if r.id not in mine]
    for rec in others[:5]:
        web.update(rec.id, {"publisher": "Group press"}, rec.version)
    for i in range(4):
        web.create({"title": f"Group paper {i}", "type": "journal", "year": 1999,
                    "authors": [{"first_name": "A", "last_name": "Salinsky"}]})
    return srv, engine


def outcome(srv, root) -> dict:
    st = srv.state
    with st.lock:
        docs = [d for d in st.documents.values() if d.get("group_id") == srv.info["group_id"] and not d["_trashed"]]
        notes = {a["document_id"]: a["text"] for a in st.annotations.values() if a.get("privacy_level") == "group"}
        group = sorted((d["title"], d.get("volume", ""), d.get("publisher", ""), notes.get(d["id"], "")) for d in docs)
    library = sorted((r.text("title"), r.get("volume"), r.text("publisher"), r.annotation, REMOTE in r.remote_ids)
                     for r in Library.load(root).references)
    return {"group": group, "library": library}


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
    root = tmp_path_factory.mktemp("expected") / "library"
    with pytest.MonkeyPatch.context() as mp:  # its token goes to a folder of its own, never a real config
        mp.setenv("BALINTBIB_HOME", str(tmp_path_factory.mktemp("expected-home")))
        srv, engine = build(root)
        sync(engine)
        result = outcome(srv, root)
        srv.stop()
    assert len(result["group"]) == 30 - 3 + 15 + 4
    return result


FAULTS = {
    "429 burst": lambda srv: srv.faults.burst(429, 4),
    "503 burst": lambda srv: srv.faults.burst(503, 3),
    "dropped connection": lambda srv: setattr(srv.faults, "drop_next", 1),
    "two dropped connections": lambda srv: setattr(srv.faults, "drop_next", 2),
    "token expiry": lambda srv: srv.expire_tokens(),
    "slow replies": lambda srv: (setattr(srv.faults, "delay", 0.8), setattr(srv.faults, "delay_next", 1)),
    # Broken bodies (the request is carried out, its answer arrives broken).
    "truncated body": lambda srv: srv.faults.body_faults.append("truncate"),
    "reset body": lambda srv: srv.faults.body_faults.append("reset"),
    "bad gzip": lambda srv: srv.faults.body_faults.append("gzip"),
    "invalid JSON on writes": lambda srv: (srv.faults.body_faults.extend(["json", "json"]),
                                           setattr(srv.faults, "body_fault_methods", ("POST", "PATCH"))),
}
#: Listing glitches (8 documents a page here): only the first listing has several pages.
PAGE_FAULTS = {
    "repeated page": lambda srv: srv.faults.page_faults.append("repeat"),
    "overlapping page": lambda srv: srv.faults.page_faults.append("overlap"),
}
FAULTS.update(PAGE_FAULTS)


@pytest.mark.parametrize(("fault", "at"), [(f, at) for at in (1, 12, 30) for f in FAULTS
                                           if at == 1 or f not in PAGE_FAULTS])
def test_faults_during_a_sync_leave_the_same_state(tmp_path, expected, fault, at):
    root = tmp_path / "library"
    srv, engine = build(root)
    try:
        srv.counts.at = srv.counts.total + at
        srv.counts.trigger = lambda: FAULTS[fault](srv)
        sync(engine)
        assert srv.counts.total >= srv.counts.at, "the fault was never switched on"
        assert not srv.faults.body_faults and not srv.faults.page_faults, "the fault never happened"
        assert outcome(srv, root) == expected
        titles = [t for t, *_ in outcome(srv, root)["group"]]
        assert len(titles) == len(set(titles))  # no duplicate
    finally:
        srv.stop()
