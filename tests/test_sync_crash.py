"""Crash safety, on a Mendeley and on a Zotero group: `balintbib push` / `pull` killed
(SIGKILL) at many points, then run again.

The server runs in this process; the CLI runs as a subprocess (`python -m
balintbib`), reaching the server over HTTP.  A kill is triggered by the
server itself when it receives the N-th request (the request is still
carried out: its answer is lost, the worst case for a create), or at a time.
After each kill, running the command again must converge to the state an
uninterrupted run reaches: no edit lost, no document duplicated in the group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from balintbib.library import Library

from remote_kit import REMOTES, start_kit, subprocess_environment
from sync_support import REMOTE, TriggerCounter


@dataclass(frozen=True)
class Sizes:
    group: int  # documents in the group at the start (10 of them with a note)
    new: int  # then the library adds these,
    edited: int  # edits these,
    deleted: int  # deletes these,
    notes: int  # and annotates these (among the edited)


SIZES = {"mendeley": Sizes(100, 100, 70, 15, 15),  # 200 local changes
         "zotero": Sizes(60, 60, 40, 10, 10)}  # Zotero writes 50 per request: fewer requests to kill
#: Where a push is killed: the N-th request (int; negative: from the end), a fraction of the
#: requests of an uninterrupted push (float), or ("time", seconds) with slow replies.
KILLS = {"mendeley": [1, 1 / 3, 2 / 3, -2, ("time", 1.0), ("time", 1.6)],
         "zotero": [1, 0.4, 0.8]}
#: Where a pull is killed, twice in a row (the N-th request).
PULL_KILLS = {"mendeley": (2, 4), "zotero": (1, 2)}


class World:
    """A fresh group, and a library that pulled it and then made its local changes."""

    def __init__(self, remote: str, root: Path, home: Path):
        self.sizes = size = SIZES[remote]
        self.root = root
        self.home = home
        self.kit = start_kit(remote, size.group, 10, seed=3)
        self.server = self.kit.server
        os.environ["BALINTBIB_HOME"] = str(home)
        self.kit.add_remote()
        self.lib = root / "library"
        self.lib.mkdir(parents=True)
        self.kit.engine(self.lib).pull()
        lib = Library.load(self.lib)
        # the same documents are edited in every world, whatever order the pull wrote
        refs = sorted(lib.references, key=lambda r: r.text("title"))
        for i, ref in enumerate(refs[:size.edited]):
            ref.set("volume", f"edited-{i}")
        for i, ref in enumerate(refs[size.edited - size.notes:size.edited]):
            ref.annotation = f"Local note {i}"
        for ref in refs[size.edited:size.edited + size.deleted]:
            lib.remove(ref)
        lib.save()
        text = (self.lib / "library.bib").read_text()
        for i in range(size.new):
            text += (f"\n@article{{new{i:03d},\n  author = {{Otten, Heide}},\n  title = {{New paper number {i}}},\n"
                     f"  journal = {{Journal of the Balint Society}},\n  year = {{20{i % 25:02d}}},\n")
            text += f"  annotation = {{Why read paper {i}}},\n}}\n" if i % 10 == 0 else "}\n"
        (self.lib / "library.bib").write_text(text)
        self.counts = TriggerCounter()
        self.server.counts = self.counts

    def run(self, *args, kill_at: int = 0, kill_after: float = 0.0) -> int | None:
        env = subprocess_environment(self.kit, self.home)
        proc = subprocess.Popen([sys.executable, "-m", "balintbib", *args, REMOTE, "--library", str(self.lib), "-q"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if kill_at:
            self.counts.at = self.counts.total + kill_at
            self.counts.trigger = lambda: os.kill(proc.pid, signal.SIGKILL)
        try:
            if kill_after:
                try:
                    proc.wait(timeout=kill_after)
                except subprocess.TimeoutExpired:
                    proc.kill()
            out, err = proc.communicate(timeout=120)
        finally:
            self.counts.at = 0
        if proc.returncode not in (0, 3, -signal.SIGKILL):
            raise AssertionError(f"balintbib {' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
        return proc.returncode

    def outcome(self) -> dict:
        """What a librarian can see: the group's documents and notes, and the library."""
        group = self.kit.group
        notes = group.notes()
        docs = sorted((d["title"], d.get("volume", ""), notes.get(group.ident(d), "")) for d in group.docs())
        library = sorted((r.text("title"), r.get("volume"), r.annotation, bool(r.remote_ids.get(REMOTE)))
                         for r in Library.load(self.lib).references)
        return {"group": docs, "library": library}

    def stop(self):
        self.server.stop()


@pytest.fixture
def make_world(tmp_path, isolated_home):
    worlds = []

    def make(remote: str, name: str) -> World:
        w = World(remote, tmp_path / name, tmp_path / name / "home")
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


def _kill_and_converge(make_world, remote: str, kills: list | None) -> None:
    """Push once uninterrupted, then in a fresh world for each kill point: kill, rerun, compare."""
    reference = make_world(remote, "reference")
    size = reference.sizes
    start = reference.counts.total
    assert reference.run("push") == 0
    requests = reference.counts.total - start
    expected = reference.outcome()
    titles = [t for t, _, _ in expected["group"]]
    assert len(titles) == len(set(titles)) == size.group - size.deleted + size.new
    assert sum(1 for *_, note in expected["group"] if note) >= size.notes
    assert all(linked for *_, linked in expected["library"])
    reference.stop()
    for kill in list(range(1, requests + 1)) if kills is None else kills:
        world = make_world(remote, f"kill-{kill}")
        if isinstance(kill, tuple):  # at a time, with slow replies: the kill may land mid-save too
            when = kill[1]
            world.server.faults.delay = 0.003
            world.run("push", kill_after=when)
            world.server.faults.delay = 0.0
        else:
            when = max(1, int(requests * kill)) if isinstance(kill, float) else kill if kill > 0 else requests + kill
            assert world.run("push", kill_at=when) == -signal.SIGKILL, f"not killed at request {when}"
        converge(world, "push")
        assert world.outcome() == expected, f"killed at {kill} ({when}, of {requests} requests): the outcome differs"
        assert not (world.lib / ".balintbib" / "sync" / f"{REMOTE}.journal").read_text()
        world.stop()


@pytest.mark.parametrize("remote", REMOTES)
def test_push_killed_at_many_points_converges(make_world, remote):
    # Kill points spread over the whole run (creates, notes, updates, trash), the
    # first requests and the last ones included; for Mendeley also two kills at a time.
    _kill_and_converge(make_world, remote, KILLS[remote])


@pytest.mark.slow
@pytest.mark.parametrize("remote", ["zotero"])
def test_push_killed_at_every_request_converges(make_world, remote):
    _kill_and_converge(make_world, remote, None)


@pytest.mark.parametrize("remote", REMOTES)
def test_pull_killed_converges(make_world, remote):
    world = make_world(remote, "pull")
    group = world.kit.group
    ids = [group.add_article(f"From the group {i}", 2000 + i, "Kjeldmand", "Dorte") for i in range(40)]
    for ident in ids[:5]:
        group.trash(ident)
    for kill_at in PULL_KILLS[remote]:
        world.run("pull", kill_at=kill_at)
    converge(world, "pull")
    lib = Library.load(world.lib)
    titles = [r.text("title") for r in lib.references if r.text("title").startswith("From the group")]
    assert sorted(titles) == sorted(f"From the group {i}" for i in range(5, 40))
