"""The real command in a real terminal (tmux): type a search, open a reference, quit.

Runs ``python -m balintbib browse`` on the shipped library (``library/``) when
it is there, else on the tests' sample library.  Skips when tmux is absent
(the CI installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from tui_helpers import SAMPLE

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


SOCKET = f"balintbib-test-{os.getpid()}"


def tmux(*args: str) -> str:
    """tmux on a private server (its own socket, no user config)."""
    return subprocess.run(["tmux", "-L", SOCKET, "-f", os.devnull, *args],
                          check=True, capture_output=True, text=True).stdout


def capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, predicate, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if predicate(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"timed out; the screen was:\n{screen}")


@pytest.fixture
def session(tmp_path, isolated_home):
    name = f"balintbib-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)


def test_search_open_and_quit_in_a_terminal(session, tmp_path, isolated_home):
    shipped = ROOT / "library"
    library = shipped if any(shipped.glob("*.bib")) else SAMPLE
    env = {
        "PYTHONPATH": str(ROOT / "src"),
        "BALINTBIB_HOME": str(isolated_home),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
    }
    env_args = [f"{k}={v}" for k, v in env.items()]
    command = ["env", "-i", *env_args, sys.executable, "-m", "balintbib", "browse", "--library", str(library),
               "--read-only"]
    done_flag = tmp_path / "exited"
    shell = " ".join(_quote(c) for c in command) + f"; echo $? > {_quote(str(done_flag))}"
    tmux("new-session", "-d", "-x", "160", "-y", "48", "-s", session, shell)

    # Ready when the list is on screen and the search index is built.
    first = wait_for(session, lambda s: " references · " in s and "indexing" not in s)
    size = tmux("display-message", "-p", "-t", session, "#{window_width}x#{window_height}").strip()
    assert size == "160x48"
    total = counts(first)[1]
    assert total >= 8
    assert "read-only" in first

    # '/' focuses the search box; the footer then drops the list's keys.  A key
    # sent while the terminal is still answering Textual's start-up queries can
    # be swallowed, so press it again if the focus did not move.
    for _ in range(5):
        tmux("send-keys", "-t", session, "/")
        try:
            wait_for(session, lambda s: "Mark" not in footer(s), timeout=3)
            break
        except AssertionError:
            continue
    tmux("send-keys", "-t", session, "-l", "kjeldmand")
    filtered = wait_for(session, lambda s: counts(s)[0] < total)
    shown = counts(filtered)[0]
    assert 0 < shown < total
    rows = [line for line in filtered.splitlines() if "Kjeldmand" in line]
    assert rows, filtered

    tmux("send-keys", "-t", session, "Enter")  # back to the list
    tmux("send-keys", "-t", session, "Enter")  # open the reference
    opened = wait_for(session, lambda s: "Annotation" in s and "Kjeldmand, D" in s)
    assert "Tags" in opened and "Key" in opened

    tmux("send-keys", "-t", session, "q")
    deadline = time.monotonic() + 15
    while not done_flag.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert done_flag.exists(), capture(session)
    assert done_flag.read_text().strip() == "0"


def footer(screen: str) -> str:
    """The key bar: the last line that says how to quit."""
    return next((line for line in reversed(screen.splitlines()) if "Quit" in line), "")


def counts(screen: str) -> tuple[int, int]:
    """(shown, total) from the status line ' 12 of 59 references · ...'."""
    match = re.search(r"(\d+) of (\d+) references", screen)
    return (int(match.group(1)), int(match.group(2))) if match else (-1, -1)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
