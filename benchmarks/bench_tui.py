"""Terminal UI speed on a 10,000-reference library (synthetic, generated here).

Measures, headless (Textual's run_test, 160x48):

* first screen: from creating the app to the first frame that lists references
  (the library is read in the app's loader thread; reading is included);
* the same, from a fresh Python process (imports included);
* keystroke: from a key press in the search box to the filtered list on screen,
  with the debounce switched off so that every key filters (the worst case);
* moving the cursor and paging through the list.

Run: python benchmarks/bench_tui.py [--refs N]   (prints a table)
"""

from __future__ import annotations

import argparse
import os
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _corpus import ROOT, table

FAMILIES = ["Balint", "Salinsky", "Kjeldmand", "Holmström", "Johnson", "O'Neill", "van Roy", "Müller",
            "Smith", "Lichtenstein", "Rabin", "Graham", "Airagnes", "Yazdankhahfard", "Đurić", "Nørgaard"]
GIVEN = ["Michael", "Enid", "John", "Dorte", "Inger", "Albert", "K.", "Anne-Marie", "Shmuel", "Jeffrey"]
TAGS = ["empathy", "burnout", "medical students", "general practice", "history and theory", "group process",
        "research methods", "leadership", "nursing", "psychiatry", "residents", "reviews and reading lists",
        "oncology", "palliative care", "professional identity", "communication"]
WORDS = ("balint group groups doctor patient relationship empathy training burnout residents study "
         "qualitative outcomes leaders reflective practice medical education nurses psychosomatic "
         "seminar case discussion countertransference identity wellbeing evaluation").split()


def synthetic_library(n: int, path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        authors = " and ".join(f"{rng.choice(FAMILIES)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(1, 5)))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))).capitalize()
        fields = [
            f"  author = {{{authors}}}",
            f"  title = {{{title}}}",
            f"  journal = {{Journal of {rng.choice(WORDS).title()} {rng.choice(WORDS).title()}}}",
            f"  volume = {{{rng.randint(1, 80)}}}",
            f"  pages = {{{rng.randint(1, 400)}--{rng.randint(401, 900)}}}",
            f"  year = {{{rng.randint(1957, 2025)}}}",
            f"  doi = {{10.{rng.randint(1000, 9999)}/bench.{i}}}",
            f"  keywords = {{{', '.join(rng.sample(TAGS, rng.randint(1, 3)))}}}",
        ]
        if rng.random() < 0.7:
            fields.append(f"  annotation = {{{' '.join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))}.}}")
        if rng.random() < 0.4:
            fields.append(f"  abstract = {{{' '.join(rng.choice(WORDS) for _ in range(rng.randint(60, 150)))}.}}")
        out.append(f"@article{{ref{i:05d},\n" + ",\n".join(fields) + "\n}\n")
    path.write_text("\n".join(out), encoding="utf-8")


async def measure_app(path: Path, queries: list[str]) -> dict:
    from balintbib.tui.app import BalintApp

    result: dict = {}
    start = time.perf_counter()
    app = BalintApp(path=path, cursor_blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while not app.table.rows:
            await asyncio.sleep(0.005)
        await pilot.pause()
        result["first_screen"] = time.perf_counter() - start
        result["load_in_app"] = app.load_seconds
        result["rows"] = len(app.table.rows)
        while not app.catalog.indexed:
            await asyncio.sleep(0.01)
        result["index_ready"] = time.perf_counter() - start
        await app.workers.wait_for_complete()
        await pilot.pause()

        app.search_debounce = 0.0  # every key filters: the worst case
        await pilot.press("slash")
        key_times, work_times, key_cpu = [], [], []
        for query in queries:
            app.query_one("#search").value = ""
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            for ch in query:
                key = {" ": "space", ":": "colon", ".": "full_stop"}.get(ch, ch)
                before = app._generation
                t = time.perf_counter()
                c = time.process_time()
                await pilot.press(key)
                while app.applied_generation <= before:
                    await asyncio.sleep(0.001)
                await pilot.pause()  # the repaint
                key_times.append(time.perf_counter() - t)
                key_cpu.append(time.process_time() - c)
                work_times.append(app.last_filter_seconds)
        result["keys"] = key_times
        result["keys_cpu"] = key_cpu
        result["filter_work"] = work_times

        app.table.focus()
        await pilot.pause()
        moves, moves_cpu = [], []
        for key in ["down"] * 20 + ["pagedown"] * 10 + ["end", "home"]:
            t = time.perf_counter()
            c = time.process_time()
            await pilot.press(key)
            await pilot.pause()
            moves.append(time.perf_counter() - t)
            moves_cpu.append(time.process_time() - c)
        result["moves"] = moves
        result["moves_cpu"] = moves_cpu
    return result


async def first_screen_only(path: Path) -> float:
    from balintbib.tui.app import BalintApp

    start = time.perf_counter()
    app = BalintApp(path=path, cursor_blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while not app.table.rows:
            await asyncio.sleep(0.005)
        await pilot.pause()
        return time.perf_counter() - start


def fresh_process_first_screen(path: Path) -> float:
    script = f"""
import asyncio, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {str(ROOT / 'src')!r})
from balintbib.tui.app import BalintApp
async def main():
    app = BalintApp(path={str(path)!r}, cursor_blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while not app.table.rows:
            await asyncio.sleep(0.005)
        await pilot.pause()
        print(time.perf_counter() - t0)
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"the fresh-process run failed:\n{out.stderr[-3000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refs", type=int, default=10_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from balintbib.library import Library

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.bib"
        synthetic_library(args.refs, path)
        t = time.perf_counter()
        Library.load(path)
        load = time.perf_counter() - t

        queries = ["balint group", "author:smith", "tag:empathy year:2004..2010", "-tag:burnout doctor"]
        r = asyncio.run(measure_app(path, queries))
        fresh = fresh_process_first_screen(path)
    shipped = ROOT / "library"
    shipped_first = asyncio.run(first_screen_only(shipped)) if any(shipped.glob("*.bib")) else None

    keys, work, moves = r["keys"], r["filter_work"], r["moves"]
    p95 = lambda xs: sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]
    rows = [
        ["library read (core, for reference)", ms(load), "", ""],
        ["first screen, app created -> list on screen", ms(r["first_screen"]), "< 1500 ms",
         "ok" if r["first_screen"] < 1.5 else "OVER"],
        ["  of which reading the library (loader thread)", ms(r["load_in_app"]), "", ""],
        ["  of which the UI (start, first frame)", ms(r["first_screen"] - r["load_in_app"]), "", ""],
        ["first screen, fresh process (imports too)", ms(fresh), "< 1500 ms", "ok" if fresh < 1.5 else "OVER"],
        ["first screen, the shipped library (library/)",
         ms(shipped_first) if shipped_first is not None else "absent", "", ""],
        ["search index ready (background thread)", ms(r["index_ready"]), "", ""],
        [f"keystroke -> list on screen, median of {len(keys)}", ms(statistics.median(keys)), "< 100 ms",
         "ok" if statistics.median(keys) < 0.1 else "OVER"],
        ["keystroke -> list on screen, p95", ms(p95(keys)), "< 100 ms", "ok" if p95(keys) < 0.1 else "OVER"],
        ["keystroke -> list on screen, max", ms(max(keys)), "", ""],
        ["keystroke, CPU time of the process (median)", ms(statistics.median(r["keys_cpu"])), "", ""],
        ["  of which filter + sort + tag counts (median)", ms(statistics.median(work)), "", ""],
        ["cursor move / page, median", ms(statistics.median(moves)), "", ""],
        ["cursor move / page, CPU time (median)", ms(statistics.median(r["moves_cpu"])), "", ""],
    ]
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{r['rows']} references, queries typed key by key: {', '.join(repr(q) for q in queries)}")
    print(table(rows, ["measure", "time", "target", ""]))


if __name__ == "__main__":
    main()
