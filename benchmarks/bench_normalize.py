"""Normalize speed: `balintbib normalize` next to bibtex-tidy's CLI, end to end.

Input: the three largest files of ../shared/bib-corpus concatenated (~13,000
entries, 8 MB).  Each run starts a fresh process on a fresh copy of the file
(start-up + read + parse + normalize + write), median of 3 runs.  bibtex-tidy
1.14.0 is looked for in $BIBTEX_TIDY_DIR (default /work/node-tidy, installed
with `cd /work/node-tidy && npm install bibtex-tidy@1.14.0`); without node or
the package its rows are skipped with a message.

Also measured in-process: balintbib's normalize without process start-up.
Run: python benchmarks/bench_normalize.py
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _corpus import ROOT, largest_three_text, table

RUNS = 3


def tidy_command() -> list[str] | None:
    folder = Path(os.environ.get("BIBTEX_TIDY_DIR", "/work/node-tidy"))
    binary = folder / "node_modules" / ".bin" / "bibtex-tidy"
    if not shutil.which("node"):
        print("bibtex-tidy: skipped (node is not installed)")
        return None
    if not binary.exists():
        print(f"bibtex-tidy: skipped (not found at {binary}; "
              f"cd {folder} && npm install bibtex-tidy@1.14.0)")
        return None
    return [str(binary)]


def timed_process(cmd_for, source: Path, work: Path) -> float:
    times = []
    for _ in range(RUNS):
        target = work / "input.bib"
        shutil.copyfile(source, target)
        cmd = cmd_for(target)
        t = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=work,
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        times.append(time.perf_counter() - t)
        if done.returncode not in (0,):
            sys.exit(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-500:]}")
    return statistics.median(times)


def main() -> None:
    text, files = largest_three_text()
    from balintbib.normalize import normalize_text

    n_entries = len(re.findall(r"^\s*@(?!string|preamble|comment)\w+\s*[{(]", text, re.I | re.M))
    print(f"input: {', '.join(p.name for p in files)} ({len(text) / 1e6:.1f} MB, ~{n_entries} entries)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "source.bib"
        source.write_text(text, encoding="utf-8")
        ours = timed_process(lambda p: [sys.executable, "-m", "balintbib", "normalize", str(p)], source, work)
        rows.append(["balintbib normalize (CLI, defaults)", ours])
        ours_nokeys = timed_process(
            lambda p: [sys.executable, "-m", "balintbib", "normalize", "--no-keys", "--no-sort", str(p)], source, work)
        rows.append(["balintbib normalize --no-keys --no-sort", ours_nokeys])
        inproc = []
        for _ in range(RUNS):
            t = time.perf_counter()
            normalize_text(text, "bench.bib")
            inproc.append(time.perf_counter() - t)
        rows.append(["balintbib normalize_text() in-process", statistics.median(inproc)])
        tidy = tidy_command()
        if tidy:
            rows.append(["bibtex-tidy 1.14 CLI (defaults)",
                         timed_process(lambda p: tidy + [str(p), "--output", str(work / "out.bib")], source, work)])
            rows.append(["bibtex-tidy 1.14 CLI (--curly --months --sort --duplicates)",
                         timed_process(lambda p: tidy + [str(p), "--curly", "--months", "--sort",
                                                         "--duplicates=doi,citation", "--output",
                                                         str(work / "out.bib")], source, work)])
    base = next((s for name, s in rows if name.startswith("bibtex-tidy 1.14 CLI (defaults)")), None)
    out = []
    for name, seconds in rows:
        ratio = f"{base / seconds:.2f}x" if base else "-"
        out.append([name, f"{seconds:.2f}", f"{n_entries / seconds:,.0f}", ratio])
    print(table(out, ["run (median of 3)", "seconds", "entries/s", "speed vs bibtex-tidy defaults"]))


if __name__ == "__main__":
    main()
