"""Crash safety on a Zotero group: `balintbib push` / `pull` killed (SIGKILL) at many
points, then run again: the outcome of an uninterrupted run, no item created twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from balintbib.cli import cli
from balintbib.library import Library
from balintbib.remotes.auth import ZoteroKey
from balintbib.remotes.mendeley import RetryPolicy
from balintbib.remotes.zotero import ZoteroClient
from balintbib.sync.engine import SyncEngine
from balintbib.sync.zotero import ZoteroAdapter

from sync_support import TriggerCounter
from zotero_support import FAST_RETRY, REMOTE, ZGroup, start_server

GROUP_DOCS = 60
NEW, EDITED, DELETED, NOTES = 60, 40, 10, 10


class World:
    def __init__(self, root: Path, home: Path):
        self.root, self.home = root, home
        self.server = start_server(seed_items=GROUP_DOCS, seed_notes=10)
        self.info = self.server.info
        os.environ["BALINTBIB_HOME"] = str(home)
        result = CliRunner().invoke(cli, ["remote", "add", REMOTE, "zotero", "--group", self.info["group_id"],
                                          "--api-url", self.server.url])
        assert result.exit_code == 0, result.output
        self.lib = root / "library"
        self.lib.mkdir(parents=True)
        client = ZoteroClient(REMOTE, self.info["group_id"], ZoteroKey(REMOTE, self.info["key"]),
                              api_url=self.server.url, retry=RetryPolicy(**FAST_RETRY))
        SyncEngine(Library.load(self.lib), ZoteroAdapter(client)).pull()
        lib = Library.load(self.lib)
        # the same documents are edited in every world, whatever order the pull wrote
        refs = sorted(lib.references, key=lambda r: r.text("title"))
        for i, ref in enumerate(refs[:EDITED]):
            ref.set("volume", f"edited-{i}")
        for i, ref in enumerate(refs[EDITED - NOTES:EDITED]):
            ref.annotation = f"Local note {i}"
        for ref in refs[EDITED:EDITED + DELETED]:
            lib.remove(ref)
        lib.save()
        text = (self.lib / "library.bib").read_text()
        for i in range(NEW):
            text += (f"\n@article{{new{i:03d},\n  author = {{Otten, Heide}},\n  title = {{New paper number {i}}},\n"
                     f"  journal = {{Journal of the Balint Society}},\n  year = {{20{i % 25:02d}}},\n")
            text += f"  annotation = {{Why read paper {i}}},\n}}\n" if i % 10 == 0 else "}\n"
        (self.lib / "library.bib").write_text(text)
        self.counts = TriggerCounter()
        self.server.counts = self.counts

    def run(self, *args, kill_at: int = 0) -> int | None:
        src = Path(__file__).resolve().parents[1] / "src"
        env = dict(os.environ, PYTHONPATH=str(src), BALINTBIB_HOME=str(self.home),
                   BALINTBIB_ZOTERO_KEY=self.info["key"], PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
        proc = subprocess.Popen([sys.executable, "-m", "balintbib", *args, REMOTE, "--library", str(self.lib), "-q"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if kill_at:
            self.counts.at = self.counts.total + kill_at
            self.counts.trigger = lambda: os.kill(proc.pid, signal.SIGKILL)
        try:
            _out, err = proc.communicate(timeout=120)
        finally:
            self.counts.at = 0
        if proc.returncode not in (0, 3, -signal.SIGKILL):
            raise AssertionError(f"balintbib {' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
        return proc.returncode

    def outcome(self) -> dict:
        group = ZGroup(self.server)
        notes = group.notes()
        g = sorted((d["title"], d.get("volume", ""), notes.get(d["key"], "")) for d in group.docs())
        library = sorted((r.text("title"), r.get("volume"), r.annotation, bool(r.remote_ids.get(REMOTE)))
                         for r in Library.load(self.lib).references)
        return {"group": g, "library": library}

    def stop(self):
        self.server.stop()


@pytest.fixture
def make_world(tmp_path, isolated_home):
    worlds = []

    def make(name: str) -> World:
        w = World(tmp_path / name, tmp_path / name / "home")
        worlds.append(w)
        return w

    yield make
    for w in worlds:
        w.stop()
    os.environ["BALINTBIB_HOME"] = str(isolated_home)


def converge(world: World, command: str) -> None:
    for _ in range(3):
        if world.run(command) in (0, 3):
            return
    raise AssertionError("did not converge")


def _kill_and_converge(make_world, points: list | None) -> None:
    """`points`: request numbers (int) or fractions of the run (float); None: every request."""
    reference = make_world("reference")
    start = reference.counts.total
    assert reference.run("push") == 0
    requests = reference.counts.total - start
    if points is None:
        points = list(range(1, requests + 1))
    expected = reference.outcome()
    titles = [t for t, _, _ in expected["group"]]
    assert len(titles) == len(set(titles)) == GROUP_DOCS - DELETED + NEW
    assert all(linked for *_, linked in expected["library"])
    reference.stop()
    for p in points:
        when = max(1, int(requests * p)) if isinstance(p, float) else p
        world = make_world(f"kill-{p}")
        assert world.run("push", kill_at=when) == -signal.SIGKILL, f"not killed at request {when}"
        converge(world, "push")
        assert world.outcome() == expected, f"killed at request {when} of {requests}: the outcome differs"
        assert not (world.lib / ".balintbib" / "sync" / f"{REMOTE}.journal").read_text()
        world.stop()


def test_push_killed_at_some_points_converges(make_world):
    _kill_and_converge(make_world, [1, 0.4, 0.8])


@pytest.mark.slow
def test_push_killed_at_every_request_converges(make_world):
    _kill_and_converge(make_world, None)


def test_pull_killed_converges(make_world):
    world = make_world("pull")
    group = ZGroup(world.server)
    keys = [group.add({"itemType": "journalArticle", "title": f"From the group {i}", "date": str(2000 + i),
                       "creators": [{"creatorType": "author", "firstName": "Dorte", "lastName": "Kjeldmand"}]})["key"]
            for i in range(40)]
    for k in keys[:5]:
        group.trash(k)
    world.run("pull", kill_at=1)
    world.run("pull", kill_at=2)
    converge(world, "pull")
    lib = Library.load(world.lib)
    titles = [r.text("title") for r in lib.references if r.text("title").startswith("From the group")]
    assert sorted(titles) == sorted(f"From the group {i}" for i in range(5, 40))
