"""Sync speed against the local Mendeley test server, over real HTTP.

A group of 10,000 documents (with 2,000 group notes): the first full pull into
an empty library, a pull when nothing changed, a push of 100 local changes
(50 edited fields, 40 new references, 10 deletions), and the pull another
librarian then makes.  Prints wall time and request counts per step.

Run: PYTHONPATH=src python benchmarks/bench_sync.py [--docs 10000]
(The server runs in this process: its work is part of the wall time.)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import table  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    args = ap.parse_args()

    from balintbib.library import Library
    from balintbib.remotes.auth import EnvToken
    from balintbib.remotes.mendeley import MendeleyClient
    from balintbib.sync.codec import RemoteAdapter
    from balintbib.sync.engine import SyncEngine
    from balintbib.testing import mendeley as testserver

    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    os.environ["BALINTBIB_HOME"] = str(tmp / "home")
    srv = testserver.MendeleyServer().start()
    info = srv.setup_basic()
    t = time.perf_counter()
    srv.state.seed_group(info["group_id"], args.docs, args.docs // 5, seed=11)
    print(f"seeded {args.docs} documents, {args.docs // 5} group notes in {time.perf_counter() - t:.1f} s")

    def engine(folder: Path) -> tuple[SyncEngine, MendeleyClient]:
        client = MendeleyClient("society", info["group_id"], EnvToken(info["token"]["access_token"]),
                                api_url=srv.url)
        return SyncEngine(Library.load(folder), RemoteAdapter(client)), client

    rows = []

    def step(name: str, folder: Path, action: str, detail) -> None:
        srv.reset_counts()
        t = time.perf_counter()
        e, client = engine(folder)
        report = e.pull() if action == "pull" else e.push()
        wall = time.perf_counter() - t
        rows.append([name, f"{wall:.2f}", sum(srv.counts.values()), detail(report)])

    a, b = tmp / "a", tmp / "b"
    a.mkdir()
    b.mkdir()
    step("first full pull", a, "pull", lambda r: f"{len(r.added)} added")
    step("pull, nothing changed", a, "pull", lambda r: f"{len(r.added) + len(r.updated) + len(r.removed)} changes")
    b_start = time.perf_counter()
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
    del b_start
    state = a / ".balintbib" / "sync" / "society.json"
    print()
    print(table(rows, ["step", "wall s", "requests", "result"]))
    print(f"\nlibrary file: {(a / 'library.bib').stat().st_size / 1e6:.1f} MB, "
          f"sync state: {state.stat().st_size / 1e6:.1f} MB")
    srv.stop()


if __name__ == "__main__":
    main()
