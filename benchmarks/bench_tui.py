"""Terminal UI speed on a 10,000-reference library (synthetic, generated here).

Measures, headless (Textual's run_test, 160x48):

* first screen: from creating the app to the first frame composed after the
  list has its references (headless, so the terminal write itself is not timed) (the library is read in the app's loader
  thread; reading is included);
* the same, from a fresh Python process (imports included);
* keystroke: from a key press in the search box (Pilot) to the first frame
  composed after the filtered list is in place, with the debounce switched off
  so that every key filters (the worst case); "CPU" is the process's CPU time
  for the whole press, Pilot's own work included;
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


FRAMES: list[float] = []


def record_frames() -> None:
    """Note the time of every frame the app composes (headless: nothing is written)."""
    from textual.app import App

    if getattr(App, "_bench_patched", False):
        return
    original = App._display

    def display(self, screen, renderable) -> None:
        if renderable is not None:
            FRAMES.append(time.perf_counter())
        return original(self, screen, renderable)

    App._display = display
    App._bench_patched = True


async def first_frame_with_rows(app) -> float:
    """Wait for the list to have rows, then for the next frame written; returns its time."""
    while not app.table.rows:
        await asyncio.sleep(0.002)
    rows_at = time.perf_counter()
    while not FRAMES or FRAMES[-1] < rows_at:
        await asyncio.sleep(0.002)
    return next(t for t in FRAMES if t >= rows_at)


async def frame_after(moment: float) -> float:
    while not FRAMES or FRAMES[-1] < moment:
        await asyncio.sleep(0.001)
    return next(t for t in FRAMES if t >= moment)


async def measure_app(path: Path, queries: list[str]) -> dict:
    from balintbib.tui.app import BalintApp

    class BenchApp(BalintApp):
        applied_at = 0.0

        def on_filtered(self, message) -> None:
            super().on_filtered(message)
            self.applied_at = time.perf_counter()

    result: dict = {}
    record_frames()
    start = time.perf_counter()
    app = BenchApp(path=path, cursor_blink=False)
    async with app.run_test(size=(160, 48)) as pilot:
        result["first_screen"] = await first_frame_with_rows(app) - start
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
                shown = await frame_after(app.applied_at)  # the frame with the new list
                key_times.append(shown - t)
                await pilot.pause()
                key_cpu.append(time.process_time() - c)
                work_times.append(app.last_filter_seconds)
        result["keys"] = key_times
        result["keys_cpu"] = key_cpu
        result["filter_work"] = work_times

        app.table.focus()
        await pilot.pause()
        moves, moves_cpu = [], []
        for key in ["down"] * 20 + ["pagedown"] * 10 + ["end", "home"]:
            await asyncio.sleep(0.3)  # let the detail pane and citation settle first
            t = time.perf_counter()
            c = time.process_time()
            await pilot.press(key)
            moves.append(await frame_after(t) - t)
            await pilot.pause()
            moves_cpu.append(time.process_time() - c)
        result["moves"] = moves
        result["moves_cpu"] = moves_cpu
    return result


async def first_screen_only(path: Path) -> float:
    from balintbib.tui.app import BalintApp

    record_frames()
    start = time.perf_counter()
    app = BalintApp(path=path, cursor_blink=False)
    async with app.run_test(size=(160, 48)):
        return await first_frame_with_rows(app) - start


def fresh_process_first_screen(path: Path) -> float:
    script = f"""
import asyncio, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {str(ROOT / 'src')!r})
sys.path.insert(0, {str(ROOT / 'benchmarks')!r})
from balintbib.tui.app import BalintApp
from bench_tui import first_frame_with_rows, record_frames
async def main():
    record_frames()
    app = BalintApp(path={str(path)!r}, cursor_blink=False)
    async with app.run_test(size=(160, 48)):
        print(await first_frame_with_rows(app) - t0)
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
        ["cursor move / page -> frame, median", ms(statistics.median(moves)), "", ""],
        ["cursor move / page, CPU time (median)", ms(statistics.median(r["moves_cpu"])), "", ""],
    ]
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{r['rows']} references, queries typed key by key: {', '.join(repr(q) for q in queries)}")
    print(table(rows, ["measure", "time", "target", ""]))


if __name__ == "__main__":
    main()
