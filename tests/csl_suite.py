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


def _document(data: list) -> tuple[list[str], dict[str, int]]:
    """The document after one ``processCitationCluster`` call of a CITATIONS
    list: the citation ids in order and each citation's note number (the
    pre/post lists renumber the notes; 0 is a citation in running text)."""
    citation, pre, post = data
    order = [c[0] for c in pre] + [citation["citationID"]] + [c[0] for c in post]
    notes = {c[0]: int(c[1] or 0) for c in pre + post}
    notes[citation["citationID"]] = int((citation.get("properties") or {}).get("noteIndex") or 0)
    return order, notes


def _render_document(engine, items, calls: list, upto: int) -> list[tuple[str, str, tuple]]:
    """(citation id, html, firsts) of the document as it stands after call
    ``upto`` (each citation in the version its last submission gave it);
    firsts: for each cited item, the note it was first cited in and its
    rank among the cited items (its number in an unsorted numeric style)."""
    by_cid = {}
    for entry in calls[:upto + 1]:
        by_cid[entry[0]["citationID"]] = entry[0]
    order, notes = _document(calls[upto])
    order = [cid for cid in order if cid in by_cid]
    clusters = [by_cid[cid]["citationItems"] for cid in order]
    rendered = engine.citations(items, clusters, notes=[notes.get(cid, 0) for cid in order])
    first: dict[str, tuple[int, int]] = {}
    for cid, cluster in zip(order, clusters):
        for cite in cluster:
            first.setdefault(str(cite["id"]), (notes.get(cid, 0), len(first)))
    return [(cid, entry.html, tuple(first[str(c["id"])] for c in cluster))
            for cid, entry, cluster in zip(order, rendered, clusters)]


def _marked_document(engine, items, calls: list, style: str) -> str:
    """The document after the last call, each citation marked as
    citeproc-js's harness marks it: ">>" for the citations the last call
    submitted or changed, and, in a style that prints
    ``first-reference-note-number`` (or ``citation-number``), those whose
    items' first notes (or numbers) moved; ".." for the rest."""
    now = _render_document(engine, items, calls, len(calls) - 1)
    before = {cid: (html, first) for cid, html, first in
              _render_document(engine, items, calls, len(calls) - 2)} if len(calls) > 1 else {}
    tracked = [i for i, word in enumerate(("first-reference-note-number", "citation-number"))
               if word in style]
    submitted = calls[-1][0]["citationID"]
    lines = []
    for index, (cid, html, first) in enumerate(now):
        old_html, old_first = before.get(cid, (None, None))
        same = cid != submitted and old_html == html and old_first is not None and all(
            [f[i] for f in old_first] == [f[i] for f in first] for i in tracked)
        lines.append(f"{'..' if same else '>>'}[{index}] {html}")
    return "\n".join(lines)


def cited_items(items: list[dict], calls: list) -> list[dict]:
    """The items a CITATIONS list leaves cited, in the order they were first
    cited (citeproc-js's harness registers no other items: the bibliography
    lists only these)."""
    by_cid = {}
    for entry in calls:
        by_cid[entry[0]["citationID"]] = entry[0]
    order, _ = _document(calls[-1])
    by_id = {str(item["id"]): item for item in items}
    ids = dict.fromkeys(str(c["id"]) for cid in order if cid in by_cid
                        for c in by_cid[cid]["citationItems"])
    return [by_id[i] for i in ids if i in by_id]


def render_fixture(fx: dict[str, str]) -> str:
    from balintbib.cite.engine import CitationEngine

    mode = fx["MODE"].strip()
    items = json.loads(fx["INPUT"])
    for index, item in enumerate(items):  # citeproc-js numbers items without an id
        item.setdefault("id", f"ITEM-{index + 1}")
    # an id given twice: the harness registers it once, with the last data
    last = {str(item["id"]): item for item in items}
    items = [last[i] for i in dict.fromkeys(str(item["id"]) for item in items)]
    engine = CitationEngine(xml=fx["CSL"].strip())
    if mode == "bibliography":
        if "BIBSECTION" in fx or "BIBENTRIES" in fx:
            raise NotImplementedError("BIBSECTION/BIBENTRIES")
        if "CITATIONS" in fx:
            items = cited_items(items, json.loads(fx["CITATIONS"]))
        entries = engine.bibliography(items)
        body = "".join(f'<div class="csl-entry">{e.html}</div>' for e in entries)
        return f'<div class="csl-bib-body">{body}</div>'
    if mode != "citation":
        raise NotImplementedError(f"mode {mode}")
    if "CITATIONS" in fx:
        return _marked_document(engine, items, json.loads(fx["CITATIONS"]), fx["CSL"])
    if "CITATION-ITEMS" in fx:
        clusters = json.loads(fx["CITATION-ITEMS"])
    else:
        clusters = [[{"id": item["id"]} for item in items]]
    return "\n".join(e.html for e in engine.citations(items, clusters))


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
