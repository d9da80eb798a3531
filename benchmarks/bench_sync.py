"""Sync speed and request counts against the local Mendeley and Zotero test servers, over real HTTP.

A group of 10,000 documents (with 2,000 group notes): the first full pull into an
empty library, a pull when nothing changed, a push of 100 local changes (50 edited
fields, 40 new references, 10 deletions), and the pull another librarian then
makes; with Zotero also a migration of a 2,000-document Mendeley group.  Prints wall
time and request counts per step; for Zotero the "minimum" column is what the API
cannot go below (100 objects per read, 50 per write).

Run: PYTHONPATH=src python benchmarks/bench_sync.py [--remote mendeley|zotero] [--docs 10000] [--migrate 2000]
(The servers run in this process: their work is part of the wall time.)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import table  # noqa: E402


def mendeley_group(docs: int):
    """(server, engine factory, minimum requests per step or None)."""
    from balintbib.library import Library
    from balintbib.remotes.auth import EnvToken
    from balintbib.remotes.mendeley import MendeleyClient
    from balintbib.sync.codec import RemoteAdapter
    from balintbib.sync.engine import SyncEngine
    from balintbib.testing.mendeley import MendeleyServer

    srv = MendeleyServer().start()
    info = srv.setup_basic()
    srv.state.seed_group(info["group_id"], docs, docs // 5, seed=11)

    def engine(folder: Path) -> SyncEngine:
        client = MendeleyClient("society", info["group_id"], EnvToken(info["token"]["access_token"]),
                                api_url=srv.url)
        return SyncEngine(Library.load(folder), RemoteAdapter(client))

    return srv, engine, None


def zotero_group(docs: int):
    from balintbib.library import Library
    from balintbib.remotes.auth import ZoteroKey
    from balintbib.remotes.zotero import ZoteroClient
    from balintbib.sync.engine import SyncEngine
    from balintbib.sync.zotero import ZoteroAdapter
    from balintbib.testing.zotero import ZoteroServer
    from balintbib.testing.zotero_state import seed_group

    srv = ZoteroServer().start()
    info = srv.setup_basic()
    seed_group(srv.state, srv.group(info["group_id"]), docs, docs // 5, seed=11)

    def engine(folder: Path) -> SyncEngine:
        client = ZoteroClient("society", info["group_id"], ZoteroKey("society", info["key"]), api_url=srv.url)
        return SyncEngine(Library.load(folder), ZoteroAdapter(client))

    full = f"{math.ceil(docs / 100)} + {math.ceil(docs / 5 / 100)} notes"
    minimum = {"first full pull": full, "first full pull (librarian B)": full, "pull, nothing changed": 1,
               "push 100 changes": "5 (listing, creates, updates, read + trash)",
               "pull those 100 (librarian B)": "1 + 1 + 1"}
    return srv, engine, minimum


GROUPS = {"mendeley": mendeley_group, "zotero": zotero_group}


def bench(remote: str, docs: int, tmp: Path) -> list[list]:
    """The steps of a sync against `remote`'s test server: one row each."""
    from balintbib.library import Library

    t = time.perf_counter()
    srv, engine, minimum = GROUPS[remote](docs)
    print(f"{remote}: seeded {docs} documents, {docs // 5} group notes in {time.perf_counter() - t:.1f} s")
    rows = []

    def step(name: str, folder: Path, action: str, detail) -> None:
        srv.reset_counts()
        t = time.perf_counter()
        e = engine(folder)
        report = e.pull() if action == "pull" else e.push()
        wall = time.perf_counter() - t
        rows.append([name, f"{wall:.2f}", sum(srv.counts.values()), (minimum or {}).get(name, ""), detail(report)])

    a, b = tmp / remote / "a", tmp / remote / "b"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    step("first full pull", a, "pull", lambda r: f"{len(r.added)} added")
    step("pull, nothing changed", a, "pull", lambda r: f"{len(r.added) + len(r.updated) + len(r.removed)} changes")
    step("first full pull (librarian B)", b, "pull", lambda r: f"{len(r.added)} added")
    lib = Library.load(a)
    for i, ref in enumerate(lib.references[:50]):
        ref.set("volume", f"bench-{i}")
    for ref in lib.references[100:110]:
        lib.remove(ref)
    lib.save()
    with (a / "library.bib").open("a", encoding="utf-8") as fh:
        for i in range(40):
            fh.write(f"\n@article{{bench{i},\n  author = {{Otten, Heide}},\n  title = {{Benchmark paper {i}}},\n"
                     f"  year = {{2020}},\n}}\n")
    step("push 100 changes", a, "push",
         lambda r: f"{len(r.created)} created, {len(r.updated)} updated, {len(r.trashed)} trashed")
    step("pull, nothing changed", a, "pull", lambda r: f"{len(r.added) + len(r.updated) + len(r.removed)} changes")
    step("pull those 100 (librarian B)", b, "pull",
         lambda r: f"{len(r.added)} added, {len(r.updated)} updated, {len(r.removed)} removed")
    srv.stop()
    state = a / ".balintbib" / "sync" / "society.json"
    print(f"{remote}: library file {(a / 'library.bib').stat().st_size / 1e6:.1f} MB, "
          f"sync state {state.stat().st_size / 1e6:.1f} MB")
    return rows


def bench_migration(documents: int) -> list[list]:
    """A Mendeley group of `documents` (each with a note) migrated to an empty Zotero group, twice."""
    from balintbib.migrate import plan_migration, run_migration
    from balintbib.remotes.auth import EnvToken, ZoteroKey
    from balintbib.remotes.mendeley import MendeleyClient
    from balintbib.remotes.zotero import ZoteroClient
    from balintbib.testing.mendeley import MendeleyServer
    from balintbib.testing.zotero import ZoteroServer

    m = MendeleyServer().start()
    minfo = m.setup_basic()
    m.state.seed_group(minfo["group_id"], documents, documents, seed=5)
    z = ZoteroServer().start()
    zinfo = z.setup_basic()
    t = time.perf_counter()
    src = MendeleyClient("society", minfo["group_id"], EnvToken(minfo["token"]["access_token"]), api_url=m.url)
    plan = plan_migration(src, "society-z")
    dest = ZoteroClient("society-z", zinfo["group_id"], ZoteroKey("society-z", zinfo["key"]), api_url=z.url)
    report = run_migration(plan, dest)
    wall = time.perf_counter() - t
    rows = [[f"migrate {documents} documents", f"{wall:.2f}", f"{plan.requests} + {report.requests}",
             f"{math.ceil(report.created / 50)} writes", f"{report.created} objects; check {report.verified}"]]
    t = time.perf_counter()
    again = run_migration(plan_migration(src, "society-z"), dest)
    rows.append(["migrate again", f"{time.perf_counter() - t:.2f}", again.requests, 0,
                 f"{again.created} created, {again.already} already there"])
    m.stop()
    z.stop()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--remote", choices=sorted(GROUPS), action="append",
                    help="the remote(s) to measure (default: both)")
    ap.add_argument("--docs", type=int, default=10_000, help="documents in the group")
    ap.add_argument("--migrate", type=int, default=2_000,
                    help="documents of the Mendeley group migrated to Zotero, with --remote zotero (0: skip)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    os.environ["BALINTBIB_HOME"] = str(tmp / "home")
    for remote in args.remote or sorted(GROUPS):
        rows = bench(remote, args.docs, tmp)
        if remote == "zotero" and args.migrate:
            rows += bench_migration(args.migrate)
        print()
        print(f"{remote}:")
        print(table(rows, ["step", "wall s", "requests", "minimum", "result"]))
        print()


if __name__ == "__main__":
    main()
