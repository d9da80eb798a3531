"""Run the official CSL processor test-suite fixtures through balintbib.cite.

Used by tests/test_csl_suite.py, and runnable for development:

    PYTHONPATH=src python tests/csl_suite.py [-v] [--write] [NAME_SUBSTRING...]

prints the pass rate (and with -v the diff of each failing fixture);
--write rewrites tests/data/csl-suite-passing.txt with the fixtures passing now.
The fixtures live in ../shared/csl-test-suite/humans relative to the repository.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """../shared next to the repository (a worktree under wt/ looks one level up)."""
    import os
    if os.environ.get("BALINTBIB_SHARED"):
        return Path(os.environ["BALINTBIB_SHARED"])
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared").is_dir():
            return base / "shared"
    return REPO.parent / "shared"


SUITE_DIR = shared_dir() / "csl-test-suite" / "humans"
PASSING_LIST = REPO / "tests" / "data" / "csl-suite-passing.txt"
TIMEOUT_S = 5

_SECTION = re.compile(r">>=+ ([A-Z-]+) =+>>\n(.*?)\n<<=+ \1 =+<<", re.S)


def fixture_paths() -> list[Path]:
    return sorted(SUITE_DIR.glob("*.txt"))


def parse_fixture(path: Path) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _SECTION.finditer(path.read_text(encoding="utf-8"))}


def normalize(html: str) -> str:
    text = html.replace("&amp;", "&#38;").replace("&lt;", "&#60;").replace("&gt;", "&#62;")
    text = "".join(line.strip() for line in text.strip().splitlines())
    return text


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def render_fixture(fx: dict[str, str]) -> str:
    from balintbib.cite.engine import CitationEngine

    mode = fx["MODE"].strip()
    items = json.loads(fx["INPUT"])
    for index, item in enumerate(items):  # citeproc-js numbers items without an id
        item.setdefault("id", f"ITEM-{index + 1}")
    engine = CitationEngine(xml=fx["CSL"].strip())
    if mode == "bibliography":
        if "BIBSECTION" in fx or "BIBENTRIES" in fx:
            raise NotImplementedError("BIBSECTION/BIBENTRIES")
        entries = engine.bibliography(items)
        body = "".join(f'<div class="csl-entry">{e.html}</div>' for e in entries)
        return f'<div class="csl-bib-body">{body}</div>'
    if mode != "citation":
        raise NotImplementedError(f"mode {mode}")
    if "CITATIONS" in fx:
        data = json.loads(fx["CITATIONS"])
        # the final document order: the last insertion with its neighbours
        citation, pre, post = data[-1]
        order = [c[0] for c in pre] + [citation["citationID"]] + [c[0] for c in post]
        by_cid = {}
        for entry in data:
            by_cid[entry[0]["citationID"]] = entry[0]
        clusters = [by_cid[cid]["citationItems"] for cid in order if cid in by_cid]
        rendered = engine.citations(items, clusters)
        lines = []
        for i, (cid, entry) in enumerate(zip(order, rendered)):
            marker = ">>" if cid == citation["citationID"] else ".."
            lines.append(f"{marker}[{i}] {entry.html}")
        return "\n".join(lines)
    if "CITATION-ITEMS" in fx:
        clusters = json.loads(fx["CITATION-ITEMS"])
    else:
        clusters = [[{"id": item["id"]} for item in items]]
    # citeproc-js's runner makes these clusters with makeCitationCluster: no
    # author-grouped sort of the cites (disambiguate_ByCiteIncremental2)
    return "\n".join(e.html for e in engine.citations(items, clusters, grouped_sort=False))


def run_fixture(path: Path) -> tuple[bool, str, str]:
    """(passed, expected, got-or-error) for one fixture file."""
    fx = parse_fixture(path)
    expected = fx.get("RESULT", "")
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        got = render_fixture(fx)
    except _Timeout:
        return False, expected, f"TIMEOUT after {TIMEOUT_S}s"
    except Exception as exc:  # a failing fixture, reported, never fatal
        return False, expected, f"ERROR {type(exc).__name__}: {exc}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if fx["MODE"].strip() == "citation":
        ok = [normalize(line) for line in expected.strip().splitlines()] == \
             [normalize(line) for line in got.strip().splitlines()]
    else:
        ok = normalize(expected) == normalize(got)
    return ok, expected, got


def run_suite(names: list[str] | None = None, verbose: bool = False):
    results = {}
    for path in fixture_paths():
        if names and not any(n in path.stem for n in names):
            continue
        ok, expected, got = run_fixture(path)
        results[path.stem] = ok
        if verbose and not ok:
            print(f"--- {path.stem}\n  expected: {expected!r}\n  got:      {got!r}")
    return results


def read_passing_list() -> set[str]:
    if not PASSING_LIST.exists():
        return set()
    return {line.strip() for line in PASSING_LIST.read_text().splitlines()
            if line.strip() and not line.startswith("#")}


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    write = "--write" in argv
    names = [a for a in argv if not a.startswith("-")]
    if not SUITE_DIR.is_dir():
        print(f"CSL test suite not found at {SUITE_DIR}")
        return 2
    start = time.perf_counter()
    results = run_suite(names, verbose)
    passed = sorted(n for n, ok in results.items() if ok)
    total = len(results)
    print(f"{len(passed)}/{total} fixtures pass = {100 * len(passed) / max(total, 1):.1f}% "
          f"({time.perf_counter() - start:.0f} s)")
    by_prefix: dict[str, list[int]] = {}
    for name, ok in results.items():
        row = by_prefix.setdefault(name.split("_")[0], [0, 0])
        row[0] += ok
        row[1] += 1
    if not names:
        for prefix, (ok, n) in sorted(by_prefix.items(), key=lambda kv: kv[1][0] - kv[1][1]):
            print(f"  {prefix:15} {ok:4}/{n:<4}")
    if write and not names:
        PASSING_LIST.write_text("# CSL test-suite fixtures that pass (tests/test_csl_suite.py)\n"
                                + "\n".join(passed) + "\n")
        print(f"wrote {PASSING_LIST}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    sys.exit(main(sys.argv[1:]))
