"""The whole corpus through the reader: entries, failures, byte-identical round trips, time.

For every .bib file under ../shared/bib-corpus: parse, convert every entry to a
Reference and to CSL-JSON (what `balintbib list --json` prints), write it back,
and compare with bibtexparser 2.1's plain parse of the same text.
Run: python benchmarks/bench_corpus.py
"""

from __future__ import annotations

import time

from _corpus import corpus_files, table


def main() -> None:
    import bibtexparser

    from balintbib.formats import bibtex, csljson
    from balintbib.library import Library

    files = corpus_files()
    ours_t = bp_t = 0.0
    entries = failed = identical = items = bp_entries = bp_failed = 0
    for path in files:
        text = bibtex.read_text(path)
        t = time.perf_counter()
        bf = bibtex.parse(text, str(path))
        lib = Library(None, [bf])
        items += len([csljson.to_csl(r, lib.macros) for r in lib.references])
        identical += bf.render() == text
        ours_t += time.perf_counter() - t
        entries += len(bf.entries)
        failed += sum(isinstance(b, bibtex.Failed) for b in bf.blocks)
        t = time.perf_counter()
        theirs = bibtexparser.parse_string(text, parse_stack=[])
        bp_t += time.perf_counter() - t
        bp_entries += len(theirs.entries)
        bp_failed += len(theirs.failed_blocks)
    print(f"{len(files)} files")
    print(table([
        ["balintbib: parse + References + CSL-JSON + render", entries, failed, f"{identical}/{len(files)}", f"{ours_t:.2f}"],
        ["bibtexparser 2.1 parse_stack=[] (parse only)", bp_entries, bp_failed, "-", f"{bp_t:.2f}"],
    ], ["reader", "entries", "failed blocks", "byte-identical files", "seconds"]))
    assert items == entries


if __name__ == "__main__":
    main()
