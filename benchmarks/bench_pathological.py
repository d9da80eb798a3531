"""Pathological files: time of check / list / format / export on each (fresh CLI processes).

Inputs (written to a temporary folder): one field name repeated 20,000 times (180 KB), a
100 KB run of spaces and tabs in a title, ``{\\em`` nested 1,000 and 100,000 deep.  Every
command should take about as long as on a one-entry file (linear or bounded work); before
the fixes they took 23 s, 6.7 s, a RecursionError and a hang.
Run: python benchmarks/bench_pathological.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

INPUTS = {
    "field x20,000": "@misc{k,\n" + "".join(f"  note = {{n{i}}},\n" for i in range(20000)) + "  title = {T}\n}\n",
    "100 KB white space": "@misc{k,\n  title = {A" + " \t" * 50000 + "B},\n  year = 2000}\n",
    "{\\em x1,000": "@article{k,\n  author = {A, B},\n  title = {" + "{\\em " * 1000 + "x" + "}" * 1000
                   + "},\n  journal = {J}, year = 2000}\n",
    "{\\em x100,000": "@article{k,\n  author = {A, B},\n  title = {" + "{\\em " * 100000 + "x" + "}" * 100000
                     + "},\n  journal = {J}, year = 2000}\n",
    "one plain entry": "@article{k,\n  author = {A, B},\n  title = {T},\n  journal = {J}, year = 2000}\n",
}


def run(args) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "balintbib", *args], capture_output=True, timeout=300)
    return time.perf_counter() - t, proc.returncode


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, text in INPUTS.items():
            path = Path(tmp) / "p.bib"
            path.write_text(text)
            cells = []
            for args in (["check", path], ["list", path], ["format", "--style", "apa", path],
                         ["export", "-l", path, "-o", Path(tmp) / "o.docx"]):
                seconds, code = run([str(a) for a in args])
                cells.append(f"{seconds:.2f} s" + ("" if code in (0, 1) else f" (exit {code})"))
            rows.append((name, *cells))
    header = ("input", "check", "list", "format apa", "export docx")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
