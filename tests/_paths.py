"""Paths the tests share (a plain module: `conftest` names clash across test folders)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared next to the repository; a git worktree under <root>/wt/<name> looks two levels up.
SHARED = next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
              ROOT.parent / "shared")
LIBRARY = ROOT / "library"

#: Corpus files balintbib refuses to read (one line, nothing read): GBK, which is
#: neither UTF-8 nor Windows-1252 and cannot be told from a UTF-8 file with a stray byte.
CORPUS_REFUSED = {"bibtexparser-tests/gbk_test.bib"}


def corpus_bib_files(root: Path) -> list[Path]:
    """The corpus's .bib files that balintbib reads (every one but CORPUS_REFUSED), sorted."""
    return [p for p in sorted(root.rglob("*.bib")) if p.relative_to(root).as_posix() not in CORPUS_REFUSED]
