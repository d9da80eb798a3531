"""Crash safety: `balintbib push` / `pull` killed (SIGKILL) at many points, then run again.

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
from pathlib import Path

import pytest
from click.testing import CliRunner

from balintbib.cli import cli
from balintbib.library import Library
from balintbib.remotes.auth import EnvToken
from balintbib.remotes.mendeley import MendeleyClient, RetryPolicy
from balintbib.sync.codec import RemoteAdapter
from balintbib.sync.engine import SyncEngine
from balintbib.testing.mendeley import MendeleyServer

from sync_support import FAST_RETRY, REMOTE, TriggerCounter, env_for_subprocess

GROUP_DOCS = 100
NEW, EDITED, DELETED, NOTES = 100, 70, 15, 15  # 200 local changes


class World:
    """A fresh group, and a library that pulled it and then made 200 local changes."""

    def __init__(self, root: Path, home: Path):
        self.root = root
        self.home = home
        self.server = MendeleyServer().start()
        self.info = self.server.setup_basic()
        self.server.state.seed_group(self.info["group_id"], GROUP_DOCS, 10, seed=3)
        self.token = self.info["token"]["access_token"]
        os.environ["BALINTBIB_HOME"] = str(home)
        result = CliRunner().invoke(cli, ["remote", "add", REMOTE, "mendeley", "--group", self.info["group_id"],
                                          "--api-url", self.server.url])
        assert result.exit_code == 0, result.output
        self.lib = root / "library"
        self.lib.mkdir(parents=True)
        client = MendeleyClient(REMOTE, self.info["group_id"], EnvToken(self.token), api_url=self.server.url,
                                retry=RetryPolicy(**FAST_RETRY))
        SyncEngine(Library.load(self.lib), RemoteAdapter(client)).pull()
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

    def run(self, *args, kill_at: int = 0, kill_after: float = 0.0) -> int | None:
        env = env_for_subprocess(self.home, self.token)
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
        st = self.server.state
        with st.lock:
            docs = [d for d in st.documents.values() if d.get("group_id") == self.info["group_id"] and not d["_trashed"]]
            notes = {a["document_id"]: a["text"] for a in st.annotations.values() if a.get("privacy_level") == "group"}
            group = sorted((d["title"], d.get("volume", ""), notes.get(d["id"], "")) for d in docs)
        lib = Library.load(self.lib)
        library = sorted((r.text("title"), r.get("volume"), r.annotation, bool(r.remote_ids.get(REMOTE)))
                         for r in lib.references)
        return {"group": group, "library": library}

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


def test_push_killed_at_many_points_converges(make_world):
    reference = make_world("reference")
    start = reference.counts.total
    assert reference.run("push") == 0
    requests = reference.counts.total - start
    expected = reference.outcome()
    titles = [t for t, _, _ in expected["group"]]
    assert len(titles) == len(set(titles)) == GROUP_DOCS - DELETED + NEW
    assert sum(1 for *_, note in expected["group"] if note) >= NOTES
    assert all(linked for *_, linked in expected["library"])
    reference.stop()

    # Kill points spread over the whole run (creates, notes, updates, trash), the
    # first requests and the last ones included; then two kills at a time instead.
    points = [1, requests // 3, (requests * 2) // 3, requests - 2]
    kills = [("request", n) for n in points] + [("time", 1.0), ("time", 1.6)]
    for how, when in kills:
        world = make_world(f"kill-{how}-{when}")
        if how == "request":
            assert world.run("push", kill_at=when) == -signal.SIGKILL, f"not killed at request {when}"
        else:
            world.server.faults.delay = 0.003  # slow replies: the kill may land mid-save too
            world.run("push", kill_after=when)
            world.server.faults.delay = 0.0
        converge(world, "push")
        assert world.outcome() == expected, f"killed at {how} {when} (of {requests} requests): the outcome differs"
        assert not (world.lib / ".balintbib" / "sync" / f"{REMOTE}.journal").read_text()
        world.stop()


def test_pull_killed_converges(make_world):
    world = make_world("pull")
    group = MendeleyClient("web", world.info["group_id"], EnvToken(world.token), api_url=world.server.url,
                           retry=RetryPolicy(**FAST_RETRY))
    new_ids = [group.create({"title": f"From the group {i}", "type": "journal", "year": 2000 + i,
                             "authors": [{"last_name": "Kjeldmand", "first_name": "Dorte"}]}).id for i in range(40)]
    for ident in new_ids[:5]:
        group.move_to_trash(ident)
    world.run("pull", kill_at=2)
    world.run("pull", kill_at=4)
    converge(world, "pull")
    lib = Library.load(world.lib)
    titles = [r.text("title") for r in lib.references if r.text("title").startswith("From the group")]
    assert sorted(titles) == sorted(f"From the group {i}" for i in range(5, 40))
