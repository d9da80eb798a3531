"""Hashes of the 8-word runs of the texts the library's annotations were written from.

The annotations in ``library/balint.bib`` are written in our own words from the
works' abstracts, publishers' pages and the five seed documents.  To check that no
annotation copies a run of 8 or more words without shipping anybody's text, the
repository keeps only the SHA-1 of every normalized 8-word run ("shingle") of
those texts, one per line, in ``tests/data/source-shingles.txt``;
``tests/test_library_annotations.py`` shingles each annotation the same way.

usage:
    python scripts/source_shingles.py EXCERPTS_DIR [MORE_DIRS...] [-o tests/data/source-shingles.txt]

Every ``*.txt`` in the folders counts (the excerpts, one file per reference, and
the seeds in ``shared/seeds``); the excerpts themselves stay out of the repository.
Normalization: lower case, typographic apostrophes made plain, words are runs of
letters and digits (an apostrophe inside a word kept), everything else a break;
LaTeX braces are dropped first so ``{Balint}`` reads as ``balint``.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import unicodedata
from pathlib import Path

N = 8
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).replace("{", "").replace("}", "")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("--", " ").lower()
    return _WORD.findall(text)


def shingles(text: str, n: int = N) -> set[str]:
    w = words(text)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def digest(shingle: str) -> str:
    return hashlib.sha1(shingle.encode("utf-8")).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("-o", "--output", type=Path, default=Path("tests/data/source-shingles.txt"))
    args = parser.parse_args()
    hashes: set[str] = set()
    files = 0
    for folder in args.folders:
        for path in sorted(folder.glob("*.txt")):
            if path.name.startswith("_"):
                continue
            files += 1
            hashes |= {digest(s) for s in shingles(path.read_text(encoding="utf-8"))}
    args.output.write_text("".join(h + "\n" for h in sorted(hashes)), encoding="utf-8")
    print(f"{len(hashes)} shingles from {files} files -> {args.output}")


if __name__ == "__main__":
    main()
