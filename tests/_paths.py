"""Paths the tests share (a plain module: `conftest` names clash across test folders)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared next to the repository; a git worktree under <root>/wt/<name> looks two levels up.
SHARED = next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
              ROOT.parent / "shared")
LIBRARY = ROOT / "library"
