"""Sync request counts (and time) against the local Zotero test server, over real HTTP.

A group of 10,000 items with 2,000 annotation notes: the first full pull into an
empty library, a pull when nothing changed, a push of 100 local changes (50 edited
fields, 40 new references, 10 deletions), the pull another librarian then makes, and
a migration of a 2,000-document Mendeley group.  The "minimum" column is what the
API cannot go below: 100 objects per read, 50 per write.

Run: PYTHONPATH=src python benchmarks/bench_zotero.py [--items 10000]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--migrate", type=int, default=2_000, help="documents of the Mendeley group (0: skip)")
    args = ap.parse_args()

    from balintbib.library import Library
    from balintbib.remotes.auth import EnvToken, ZoteroKey
    from balintbib.remotes.zotero import ZoteroClient
    from balintbib.sync.engine import SyncEngine
    from balintbib.sync.zotero import ZoteroAdapter
    from balintbib.testing.zotero import ZoteroServer
    from balintbib.testing.zotero_state import seed_group

    tmp = Path(tempfile.mkdtemp(prefix="bench-zotero-"))
    os.environ["BALINTBIB_HOME"] = str(tmp / "home")
    srv = ZoteroServer().start()
    info = srv.setup_basic()
    notes = args.items // 5
    t = time.perf_counter()
    seed_group(srv.state, srv.group(info["group_id"]), args.items, notes, seed=11)
    print(f"seeded {args.items} items, {notes} notes in {time.perf_counter() - t:.1f} s")

    def engine(folder: Path) -> SyncEngine:
        client = ZoteroClient("society", info["group_id"], ZoteroKey("society", info["key"]), api_url=srv.url)
        return SyncEngine(Library.load(folder), ZoteroAdapter(client))

    rows = []

    def step(name: str, folder: Path, action: str, minimum, detail) -> None:
        srv.counts.clear()
        t = time.perf_counter()
        e = engine(folder)
        report = e.pull() if action == "pull" else e.push()
        wall = time.perf_counter() - t
        rows.append([name, f"{wall:.2f}", sum(srv.counts.values()), minimum, detail(report)])

    a, b = tmp / "a", tmp / "b"
    a.mkdir()
    b.mkdir()
    full_min = f"{math.ceil(args.items / 100)} + {math.ceil(notes / 100)} notes"
    step("first full pull", a, "pull", full_min, lambda r: f"{len(r.added)} added")
    step("pull, nothing changed", a, "pull", 1, lambda r: f"{len(r.added) + len(r.updated) + len(r.removed)} changes")
    step("first full pull (librarian B)", b, "pull", full_min, lambda r: f"{len(r.added)} added")
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
    step("push 100 changes", a, "push", "5 (listing, creates, updates, read + trash)",
         lambda r: f"{len(r.created)} created, {len(r.updated)} updated, {len(r.trashed)} trashed")
    step("pull, nothing changed", a, "pull", 1, lambda r: f"{len(r.added) + len(r.updated) + len(r.removed)} changes")
    step("pull those 100 (librarian B)", b, "pull", "1 + 1 + 1",
         lambda r: f"{len(r.added)} added, {len(r.updated)} updated, {len(r.removed)} removed")
    srv.stop()

    if args.migrate:
        from balintbib.migrate import plan_migration, run_migration
        from balintbib.remotes.mendeley import MendeleyClient
        from balintbib.testing.mendeley import MendeleyServer

        m = MendeleyServer().start()
        minfo = m.setup_basic()
        m.state.seed_group(minfo["group_id"], args.migrate, args.migrate, seed=5)
        z = ZoteroServer().start()
        zinfo = z.setup_basic()
        t = time.perf_counter()
        src = MendeleyClient("society", minfo["group_id"], EnvToken(minfo["token"]["access_token"]), api_url=m.url)
        plan = plan_migration(src, "society-z")
        dest = ZoteroClient("society-z", zinfo["group_id"], ZoteroKey("society-z", zinfo["key"]), api_url=z.url)
        report = run_migration(plan, dest)
        wall = time.perf_counter() - t
        objects = report.created
        rows.append([f"migrate {args.migrate} documents", f"{wall:.2f}", f"{plan.requests} + {report.requests}",
                     f"{math.ceil(objects / 50)} writes", f"{objects} objects; check {report.verified}"])
        t = time.perf_counter()
        again = run_migration(plan_migration(src, "society-z"), dest)
        rows.append(["migrate again", f"{time.perf_counter() - t:.2f}", again.requests, 0,
                     f"{again.created} created, {again.already} already there"])
        m.stop()
        z.stop()
    print()
    print(table(rows, ["step", "wall s", "requests", "minimum", "result"]))


if __name__ == "__main__":
    main()
