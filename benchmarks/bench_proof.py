"""Nothing lost, over the whole corpus: `list --json` before and after `normalize`,
`dedupe --merge` and BibTeX -> CSL-JSON -> BibTeX, for every file of
../shared/bib-corpus, entry by entry, field by field (balintbib.testing.proof).

Prints one table row per transformation (files, entries, fields compared,
changes explained by a documented rule, unexplained changes, seconds), then
the explained changes by rule, then every unexplained change (there should be
none; tests/test_nothing_lost.py runs a fixed sample of it, and the whole
corpus in the slow-marked tests).  With BIBTEX installed (Debian texlive-binaries) it
also compares the name splitter with bibtex on every name of the corpus.

Run: python benchmarks/bench_proof.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _corpus import ROOT, corpus_files, table

sys.path.insert(0, str(ROOT / "tests"))

from balintbib.testing.proof import Report, check_csl_round_trip, check_dedupe, check_normalize  # noqa: E402

CHECKS = [("normalize", check_normalize), ("dedupe --merge", check_dedupe),
          ("BibTeX -> CSL-JSON -> BibTeX", check_csl_round_trip)]


def main() -> None:
    files = corpus_files()
    rows, reports = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, check in CHECKS:
            total = Report(name)
            start = time.perf_counter()
            for i, f in enumerate(files):
                work = Path(tmp) / f"{check.__name__}-{i}"
                work.mkdir()
                total.add(check(f, work))
            seconds = time.perf_counter() - start
            changed = sum(n for why, n in total.explained.items() if why != "content identical")
            rows.append([name, len(files), total.entries, total.fields, changed,
                         len(total.unexplained), f"{seconds:.1f}"])
            reports.append(total)
    print(table(rows, ["transformation", "files", "entries", "fields", "explained changes", "unexplained",
                       "seconds"]))
    for (name, _), report in zip(CHECKS, reports):
        print(f"\n{name}: explained changes by rule")
        for why, n in report.explained.most_common():
            print(f"  {n:7d}  {why}")
        for line in report.unexplained:
            print(f"  UNEXPLAINED {line}")
    names_vs_bibtex()


def names_vs_bibtex() -> None:
    from bibtex_names import PARTS, as_meant, bibtex_available, corpus_name_values, run_bibtex

    from balintbib.latex import latex_to_text
    from balintbib.names import split_name, split_name_list

    if not bibtex_available():
        print("\nbibtex is not installed: name splitting not compared (Debian: texlive-binaries)")
        return
    from _corpus import CORPUS

    values = corpus_name_values(CORPUS)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, tex, given in (("bibtex 0.99d reading (tex=False), names as written", False, values),
                                  ("default reading, names as their authors meant them", True,
                                   [as_meant(v) for v in values])):
            out = run_bibtex(given, Path(tmp) / str(tex))
            count = same = 0
            for value, theirs in zip(values, out):
                theirs = [t for t in theirs if any(t[1])]
                for name, (_, tokens) in zip(split_name_list(value), theirs):
                    count += 1
                    p = split_name(name, tex=tex)
                    mine = [getattr(p, k) for k in PARTS]
                    if tex:
                        mine = [[latex_to_text(t) for t in part] for part in mine]
                        tokens = [[latex_to_text(t) for t in part] for part in tokens]
                    same += mine == tokens
            rows.append([label, len(values), count, same, count - same])
    differ = sum(1 for v in values for n in split_name_list(v)
                 if [getattr(split_name(n), k) for k in PARTS] != [getattr(split_name(n, tex=False), k) for k in PARTS])
    print()
    print(table(rows, ["name splitting vs bibtex", "name lists", "names", "identical parts", "different"]))
    print(f"names the default reading splits differently from bibtex 0.99d (accent commands outside "
          f"braces, Unicode case): {differ}")


if __name__ == "__main__":
    main()
