"""Paths the tests share (a plain module: `conftest` names clash across test folders)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LIBRARY = ROOT / "library"
