"""Shared helpers for the benchmarks: where the corpus is, the large test file."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared next to the repository; a git worktree under <root>/wt/<name> looks two levels up.
SHARED = next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
              ROOT.parent / "shared")
CORPUS = SHARED / "bib-corpus"
sys.path.insert(0, str(ROOT / "src"))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        sys.exit(f"the corpus is not at {CORPUS}: nothing to measure")
    # balintbib refuses gbk_test.bib (GBK is neither UTF-8 nor Windows-1252): one line, nothing read
    return [p for p in sorted(CORPUS.rglob("*.bib")) if p.name != "gbk_test.bib"]


def largest_three_text() -> tuple[str, list[Path]]:
    """The three largest corpus files concatenated (the ~18,000-entry benchmark input)."""
    from balintbib.formats.bibtex import read_text

    files = sorted(corpus_files(), key=lambda p: p.stat().st_size, reverse=True)[:3]
    return "\n".join(read_text(p) for p in files), files


def table(rows: list[list], headers: list[str]) -> str:
    cols = [[str(h)] + [str(r[i]) for r in rows] for i, h in enumerate(headers)]
    widths = [max(len(c) for c in col) for col in cols]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)
