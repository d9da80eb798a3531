"""Bibliography speed: balintbib.cite vs citeproc-js on the same references.

    PYTHONPATH=src python benchmarks/bench_cite.py [--n 5000] [--style apa] [--runs 3]

The references are the shipped library (tests/data/library.csl.json) repeated
with distinct ids, titles and first authors until there are N of them (so no
year suffixes are needed, like a real library). citeproc-js (npm `citeproc`,
CITEPROC_JS=/path/to/node_modules/citeproc) renders the same file in the same
style through scripts/citeproc_js_goldens.mjs when node is available.
Prints a table: seconds (median of the runs), entries per second, ratio.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from balintbib.cite.engine import CitationEngine  # noqa: E402
from balintbib.cite.styles import locales_dir, resolve_style  # noqa: E402

SURNAMES = ["Abel", "Berg", "Castro", "Dahl", "Eriksen", "Fischer", "Garcia", "Horvat", "Ivanova",
            "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Oliveira", "Petrov", "Quinn",
            "Rossi", "Schmidt", "Tanaka", "Umar", "Varga", "Weber", "Xu", "Yilmaz", "Zhou"]


def make_items(n: int) -> list[dict]:
    base = json.loads((REPO / "tests" / "data" / "library.csl.json").read_text(encoding="utf-8"))
    items = []
    for i in range(n):
        item = copy.deepcopy(base[i % len(base)])
        item["id"] = f"{item['id']}-{i}"
        if item.get("title"):
            item["title"] = f"{item['title']} {i}"
        names = item.get("author") or item.get("editor")
        if names and "family" in names[0]:
            names[0]["family"] = f"{SURNAMES[i % 26]}{SURNAMES[(i // 26) % 26].lower()}-{names[0]['family']}"
        items.append(item)
    return items


def time_python(items, style, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        engine = CitationEngine(style)  # a fresh engine: parsing the style is part of the work
        entries = engine.bibliography(items)
        times.append(time.perf_counter() - start)
        assert 0 < len(entries) <= len(items)  # (a style may print no entry for some types)
    return times


def time_js(items, style, runs):
    node = shutil.which("node")
    citeproc = os.environ.get("CITEPROC_JS", "/work/node-csl/node_modules/citeproc")
    if not node or not Path(citeproc).is_dir():
        return None
    resolved = resolve_style(style)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "items.json"
        path.write_text(json.dumps(items), encoding="utf-8")
        times = []
        for _ in range(runs):
            spec = f"{style}={resolved.path}" + (f"@{resolved.default_locale}" if resolved.default_locale else "")
            out = subprocess.run([node, str(REPO / "scripts" / "citeproc_js_goldens.mjs"), "--items", str(path),
                                  "--locales", str(locales_dir()), "--time", "--format", "html",
                                  "--style", spec], capture_output=True, text=True, check=True)
            times.append(json.loads(out.stdout.strip().splitlines()[-1])[f"{style}/html"])
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--style", default="apa")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    items = make_items(args.n)
    rows = [("balintbib.cite (citeproc-py + fidelity layer)", time_python(items, args.style, args.runs))]
    js = time_js(items, args.style, args.runs)
    if js:
        rows.append(("citeproc-js (npm citeproc, inside node)", js))
    print(f"### {args.n} references, style {args.style}, bibliography (HTML)\n")
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPU(s); Python {platform.python_version()}\n")
    print("| engine | runs (s) | median (s) | entries/s | vs citeproc-js |")
    print("|---|---|---:|---:|---:|")
    js_median = statistics.median(js) if js else None
    for name, times in rows:
        median = statistics.median(times)
        ratio = f"{median / js_median:.2f}×" if js_median else "n/a"
        print(f"| {name} | {', '.join(f'{t:.2f}' for t in times)} | {median:.2f} | {args.n / median:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
