"""Render a CSL-JSON file in every independent style of the bundled collection.

    PYTHONPATH=src python scripts/sweep_styles.py [ITEMS.json] [--jobs N] [--limit N]

Prints the styles that raise, grouped by exception, and the totals. Every
style must render (bibliography if it has one, else a citation of each item).
"""
from __future__ import annotations

import json
import sys
import time
import traceback
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from balintbib.cite.styles import bundled_dirs  # noqa: E402

ITEMS = None


def _init(path):
    global ITEMS
    ITEMS = json.loads(Path(path).read_text(encoding="utf-8"))


def render_style(path: str):
    from balintbib.cite.engine import CitationEngine
    try:
        engine = CitationEngine(path)
        if engine.has_bibliography:
            out = engine.bibliography(ITEMS)
            if len(out) != len(ITEMS):
                return path, f"MissingEntries: {len(out)} of {len(ITEMS)}"
        engine.citations(ITEMS, [[{"id": i["id"]}] for i in ITEMS])
        return path, None
    except Exception as exc:
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return path, f"{type(exc).__name__}: {exc} [{Path(tb.filename).name}:{tb.lineno}]"


def main(argv):
    items = next((a for a in argv if a.endswith(".json")), str(REPO / "tests/data/balint-sample.csl.json"))
    jobs = int(argv[argv.index("--jobs") + 1]) if "--jobs" in argv else 2
    limit = int(argv[argv.index("--limit") + 1]) if "--limit" in argv else None
    styles = sorted(str(p) for p in bundled_dirs()[0].glob("*.csl"))[:limit]
    start = time.perf_counter()
    failures = []
    with Pool(jobs, initializer=_init, initargs=(items,)) as pool:
        for done, (path, error) in enumerate(pool.imap_unordered(render_style, styles, chunksize=4), 1):
            if error:
                failures.append((path, error))
                print(f"{Path(path).stem}: {error}", flush=True)
            if done % 200 == 0:
                print(f"... {done}/{len(styles)}", flush=True)
    kinds = Counter(e.split(":")[0] for _, e in failures)
    print(f"\n{len(styles) - len(failures)}/{len(styles)} independent styles render "
          f"{items} without an exception ({time.perf_counter() - start:.0f} s); {dict(kinds)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
