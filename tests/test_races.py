"""Four writers on one library at once, 50 rounds: a normalize and an annotate (real
processes), a save through the Library API the terminal UI uses, and a pull from the
Mendeley test server.  Every writer either saves, and its edit is in the library at the
end of the round, or refuses in one line that says why; nothing is lost."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from balintbib.errors import BalintError
from balintbib.library import Library
from balintbib.remotes.auth import EnvToken
from balintbib.remotes.mendeley import MendeleyClient, RetryPolicy
from balintbib.sync.codec import RemoteAdapter
from balintbib.sync.engine import SyncEngine
from balintbib.testing.mendeley import MendeleyServer

from sync_support import FAST_RETRY, REMOTE

ROUNDS = int(os.environ.get("RACE_ROUNDS", 50))
# A refusal says why: someone changed the file (reload and redo) or holds the lock (who).
REASON = re.compile(r"changed on disk since it was read|is being written by (pid \d+|another task)")


def cli(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "balintbib", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def refusal(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[-1].startswith("Error: ") and REASON.search(lines[-1]), stderr
    return lines[-1]


@pytest.mark.slow
def test_four_writers_at_once_lose_nothing(tmp_path):
    srv = MendeleyServer().start()
    try:
        info = srv.setup_basic()
        srv.state.seed_group(info["group_id"], 12, 0, seed=3)
        token = EnvToken(info["token"]["access_token"])

        def client(name):
            return MendeleyClient(name, info["group_id"], token, api_url=srv.url, retry=RetryPolicy(**FAST_RETRY),
                                  seed=1)

        root = tmp_path / "library"
        root.mkdir()
        SyncEngine(Library.load(root), RemoteAdapter(client(REMOTE))).pull()
        lib = Library.load(root)
        bib = Path(lib.files[0].path)
        key_a, key_b = lib.references[0].key, lib.references[1].key
        pulled = lib.references[2]
        doc_x, title_x = pulled.remote_ids[REMOTE], pulled.text("title")
        web = client("web")
        outcomes = {"normalize": [0, 0], "annotate": [0, 0], "tui": [0, 0], "pull": [0, 0]}
        redone = 0  # normalize runs that found the file changed under them and normalized it again

        for i in range(ROUNDS):
            # The group changes a document; the library gets an entry only normalize tidies.
            rec = web.get(doc_x)
            web.update(doc_x, {"publisher": f"Group press {i}"}, rec.version)
            with bib.open("a", encoding="utf-8") as fh:
                fh.write(f"\n@MISC{{messy{i}, TITLE = \"Messy {i}\"}}\n")

            results: dict[str, object] = {}

            def tui_save():
                # What the TUI's edit dialog does: change the reference, save; on a refusal
                # it reads the library again and the user saves on top of it.
                for _attempt in range(5):
                    library = Library.load(root)
                    library.get(key_b).set("note", f"TUI note {i}")
                    try:
                        library.save()
                        results["tui"] = "saved"
                        return
                    except BalintError as exc:
                        results.setdefault("tui-refusals", []).append(str(exc))
                results["tui"] = "refused"

            def pull():
                # A librarian whose pull is refused runs it again.
                for _attempt in range(5):
                    try:
                        SyncEngine(Library.load(root), RemoteAdapter(client(REMOTE))).pull()
                        results["pull"] = "saved"
                        return
                    except BalintError as exc:
                        results.setdefault("pull-refusals", []).append(str(exc))
                results["pull"] = "refused"

            normalize = cli("normalize", "--no-keys", "--library", root)
            annotate = cli("annotate", key_a, "--library", root, "--text", f"Annotation {i}")
            threads = [threading.Thread(target=tui_save), threading.Thread(target=pull)]
            for t in threads:
                t.start()
            n_out, n_err = normalize.communicate(timeout=120)
            a_out, a_err = annotate.communicate(timeout=120)
            for t in threads:
                t.join(120)

            end = Library.load(root)
            assert not end.problems, end.problems
            keys = {r.key for r in end.references}
            assert {f"messy{j}" for j in range(i + 1)} <= keys  # no entry lost
            if normalize.returncode == 0:
                outcomes["normalize"][0] += 1
                redone += "normalized again from its current content" in n_err
            else:
                refusal(n_err)
                outcomes["normalize"][1] += 1
            if annotate.returncode == 0:
                assert f"Saved {key_a}" in a_out
                assert end.get(key_a).annotation == f"Annotation {i}"
                outcomes["annotate"][0] += 1
            else:
                refusal(a_err)
                outcomes["annotate"][1] += 1
            for message in results.get("tui-refusals", []):
                assert REASON.search(message), message
            assert results["tui"] == "saved", results
            assert end.get(key_b).get("note") == f"TUI note {i}"
            outcomes["tui"][0] += 1
            outcomes["tui"][1] += len(results.get("tui-refusals", []))
            for message in results.get("pull-refusals", []):
                assert REASON.search(message), message
            outcomes["pull"][1] += len(results.get("pull-refusals", []))
            if results["pull"] == "saved":
                assert next(r for r in end.references if r.text("title") == title_x).text("publisher") \
                    == f"Group press {i}"
                outcomes["pull"][0] += 1
        print("saved / refusals with a reason:", outcomes, "; normalize redone:", redone)
        # Every kind of writer got through at least once (a refusal is never the only answer).
        assert all(saved for saved, _ in outcomes.values()), outcomes
    finally:
        srv.stop()
