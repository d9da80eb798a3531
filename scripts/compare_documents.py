"""balintbib against citeproc-js on whole documents: several citation
clusters rendered in sequence through one engine (positions, ibid,
disambiguation across the document), then the bibliography of the cited
items. Shows every difference.

    PYTHONPATH=src python scripts/compare_documents.py [--documents FILE] [--write] [STYLE...]

FILE holds {"items": [CSL-JSON...], "documents": [[cluster, ...], ...]}, a
cluster being a list of citation items ({"id", "locator", "label", ...});
the default is tests/data/cite-documents.json. citeproc-js 2.4.63 runs
through node (scripts/citeproc_js_render.mjs --documents; CITEPROC_JS).
Without STYLE, the 17 society styles of tests/goldens/balint-sample.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from balintbib.cite.engine import CitationEngine  # noqa: E402
from balintbib.cite.styles import locales_dir, resolve_style  # noqa: E402

SOCIETY = list(json.loads((REPO / "tests" / "goldens" / "balint-sample.json").read_text("utf-8")))


def citeproc_js(items, documents, styles) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        items_path, docs_path = Path(tmp) / "items.json", Path(tmp) / "docs.json"
        items_path.write_text(json.dumps(items), encoding="utf-8")
        docs_path.write_text(json.dumps(documents), encoding="utf-8")
        cmd = ["node", str(REPO / "scripts" / "citeproc_js_render.mjs"), "--items", str(items_path),
               "--locales", str(locales_dir()), "--documents", str(docs_path)]
        for name, path in styles:
            cmd += ["--style", f"{name}={path}"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"citeproc-js failed: {done.stderr.strip()[:500]}")
        return json.loads(done.stdout)


def balintbib(engine: CitationEngine, items: list[dict], document: list[list[dict]]):
    """The document's citations and bibliography, as `balintbib render` makes them:
    the cited items in order of first citation."""
    by_id = {str(item["id"]): item for item in items}
    cited = [by_id[c["id"]] for c in {c["id"]: c for cl in document for c in cl}.values()]
    citations = [entry.text for entry in engine.citations(cited, document)]
    bibliography = [[entry.id, entry.text.strip()] for entry in engine.bibliography(cited)]
    return citations, bibliography


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=Path, default=REPO / "tests" / "data" / "cite-documents.json")
    parser.add_argument("--quiet", action="store_true", help="counts only")
    parser.add_argument("--write", action="store_true",
                        help="store citeproc-js's output as tests/goldens/cite-documents.json "
                             "(tests/test_cite_clusters.py compares with it, without node)")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    data = json.loads(args.documents.read_text(encoding="utf-8"))
    items, documents = data["items"], data["documents"]
    styles = [(name, str(resolve_style(name).path)) for name in (args.names or SOCIETY)]
    theirs_all = citeproc_js(items, documents, styles)
    if args.write:
        golden = {name: theirs_all[name]["documents"] for name, _ in styles}
        (REPO / "tests" / "goldens" / "cite-documents.json").write_text(
            json.dumps(golden, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    total = same = 0
    for name, path in styles:
        engine = CitationEngine(xml=Path(path).read_bytes())
        ok = count = 0
        for number, (document, theirs) in enumerate(zip(documents, theirs_all[name]["documents"])):
            if "error" in theirs:
                print(f"{name} doc {number}: citeproc-js: {theirs['error']}")
                continue
            mine_c, mine_b = balintbib(engine, items, document)
            pairs = list(zip(mine_c, theirs["citations"])) + [
                (" ".join(a), " ".join(b)) for a, b in zip(mine_b, theirs["bibliography"])]
            if len(mine_b) != len(theirs["bibliography"]):
                pairs.append(("%d entries" % len(mine_b), "%d entries" % len(theirs["bibliography"])))
            for index, (a, b) in enumerate(pairs):
                count += 1
                if a == b:
                    ok += 1
                elif not args.quiet:
                    kind = "cite" if index < len(mine_c) else "bib"
                    print(f"{name} doc {number} {kind} {index}\n   balintbib:   {a}\n   citeproc-js: {b}")
        print(f"{name:55} {ok}/{count}")
        total += count
        same += ok
    print(f"{'ALL':55} {same}/{total} ({100 * same / max(total, 1):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
