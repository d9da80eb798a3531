"""How long `balintbib export` takes: formatting (CSL) and each output format.

    PYTHONPATH=src python benchmarks/bench_export.py [N ...]

Inputs: the sample library of the tests (14 references), the shipped library
(library/, 59 references) and, when the corpus is
present (../shared/bib-corpus), its first N journal articles, books and chapters
(default 200 and 1000), tagged round-robin with three themes so that grouping
by tag lists each reference under one or two sections.  Prints one table:
references, entries formatted, seconds to build the handout (all CSL work), and
seconds to render each format.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from _corpus import CORPUS, ROOT, table  # noqa: F401  (puts src/ on sys.path)

# A worktree's ../shared may not exist; BALINTBIB_CORPUS points at the corpus then.
CORPUS = Path(os.environ.get("BALINTBIB_CORPUS", CORPUS))

from balintbib.export import build_handout, render
from balintbib.library import Library

TYPES = {"article", "book", "incollection", "inproceedings", "phdthesis"}
THEMES = ["empathy", "burnout", "leadership"]


def corpus_refs(n: int):
    refs, macros = [], {}
    for path in sorted(CORPUS.rglob("*.bib")):
        try:
            lib = Library.load(path)
        except Exception:
            continue
        macros.update(lib.macros)
        for ref in lib.references:
            if ref.type in TYPES and ref.fields.get("title") and ref.fields.get("author"):
                ref = ref.copy()
                i = len(refs)
                ref.tags = [THEMES[i % 3]] + ([THEMES[(i + 1) % 3]] if i % 2 else [])
                ref.annotation = f"Annotation {i}: what the group should read this for."
                refs.append(ref)
                if len(refs) >= n:
                    return refs, macros
    return refs, macros


def measure(name, refs, macros, formats):
    t0 = time.perf_counter()
    handout = build_handout(refs, macros=macros)
    build = time.perf_counter() - t0
    row = [name, len(refs), len(handout.entries), f"{build:.2f}"]
    for fmt in formats:
        t0 = time.perf_counter()
        data = render(handout, fmt)
        row.append(f"{time.perf_counter() - t0:.2f} ({len(data) // 1024} KiB)")
    return row


def main(argv):
    sizes = [int(a) for a in argv] or [200, 1000]
    formats = ["html", "markdown", "text", "docx", "pdf"]
    rows = []
    sample = Library.load(ROOT / "tests" / "data" / "export-sample.bib")
    rows.append(measure("sample", sample.references, sample.macros, formats))
    shipped = ROOT / "library"
    if (shipped / "balint.bib").is_file():
        lib = Library.load(shipped)
        rows.append(measure("shipped library", lib.references, lib.macros, formats))
    if CORPUS.is_dir():
        for n in (n for n in sizes if n > 0):  # 0: no corpus rows
            refs, macros = corpus_refs(n)
            rows.append(measure(f"corpus {n}", refs, macros, formats))
    else:
        print(f"(corpus not found at {CORPUS}: only the sample is measured)")
    print(table(rows, ["input", "refs", "entries", "build s", *[f"{f} s" for f in formats]]))


if __name__ == "__main__":
    main(sys.argv[1:])
