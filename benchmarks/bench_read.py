"""Read speed: balintbib's lossless reader next to bibtexparser's plain parse.

Input: the three largest files of ../shared/bib-corpus concatenated (~18,000 entries).
Prints a table (median of 5 runs each).  Run: python benchmarks/bench_read.py
"""

from __future__ import annotations

import statistics
import time

from _corpus import largest_three_text, table


def timed(fn, runs=5):
    times = []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    import bibtexparser

    from balintbib.formats import bibtex
    from balintbib.library import Library

    text, files = largest_three_text()
    print("input:", ", ".join(p.name for p in files), f"({len(text) / 1e6:.1f} MB)")

    def ours_split():
        return bibtex.parse(text, "bench.bib")

    def ours_refs():
        bf = bibtex.parse(text, "bench.bib")
        return Library("x", [bf]).references

    def bp_plain():
        return bibtexparser.parse_string(text, parse_stack=[])

    def bp_default():
        return bibtexparser.parse_string(text)

    rows = []
    t_bp, lib = timed(bp_plain)
    n_bp = len(lib.entries)
    for name, fn, count in [
        ("balintbib parse (blocks)", ours_split, lambda r: len(r.entries)),
        ("balintbib parse + References", ours_refs, len),
        ("bibtexparser 2.1 parse_stack=[]", bp_plain, lambda r: len(r.entries)),
        ("bibtexparser 2.1 default stack", bp_default, lambda r: len(r.entries)),
    ]:
        t, res = (t_bp, lib) if fn is bp_plain else timed(fn, 3 if fn is bp_default else 5)
        n = count(res)
        rows.append([name, n, f"{t:.2f}", f"{n / t:,.0f}", f"{t_bp / t:.2f}x"])
    print(table(rows, ["reader", "entries", "median s", "entries/s", "speed vs bibtexparser plain"]))


if __name__ == "__main__":
    main()
