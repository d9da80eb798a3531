"""Compare balintbib's bibliographies with citeproc-js goldens; print per-style rates.

    PYTHONPATH=src python scripts/compare_goldens.py tests/data/balint-sample.csl.json \
        tests/goldens/balint-sample.json [-v] [STYLE...]
"""
import json
import sys
import time

from balintbib.cite import render_bibliography


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    items = json.load(open(argv[0], encoding="utf-8"))
    goldens = json.load(open(argv[1], encoding="utf-8"))
    only = set(argv[2:])
    total = same = 0
    for style, expected in goldens.items():
        if only and style not in only:
            continue
        t0 = time.perf_counter()
        try:
            got = render_bibliography(items, style)
        except Exception as exc:
            print(f"{style:55} EXCEPTION {type(exc).__name__}: {exc}")
            total += len(expected)
            continue
        dt = time.perf_counter() - t0
        got_by_id = {e.id: e.text for e in got}
        ok = sum(1 for e in expected if got_by_id.get(e["id"]) == e["text"])
        order = [e.id for e in got] == [e["id"] for e in expected]
        total += len(expected)
        same += ok
        print(f"{style:55} {ok:3}/{len(expected):3} order={'ok' if order else 'DIFF'} {dt:.2f}s")
        if verbose:
            for e in expected:
                g = got_by_id.get(e["id"])
                if g != e["text"]:
                    print(f"   js: {e['text']}\n   py: {g}")
            if not order:
                print("   js order:", [e["id"] for e in expected])
                print("   py order:", [e.id for e in got])
    print(f"TOTAL {same}/{total} = {100 * same / max(total, 1):.1f}%")


main(sys.argv[1:])
