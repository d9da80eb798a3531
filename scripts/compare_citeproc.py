"""balintbib against citeproc-js on any CSL-JSON: identical entries per style and
per root cause, entries paired BY ITEM ID (never by position).

    PYTHONPATH=src python scripts/compare_citeproc.py \
        [--corpus ../shared/bib-corpus | --items items.json] [--sample 2000] [--seed 1] \
        [--styles society] [--random 100] [--clusters 300] [--causes] [STYLE...]

The corpus's .bib files are converted with `balintbib convert --to csl-json`
(each file on its own; files convert refuses are counted and skipped); item
ids get the file's number as a prefix so that they stay unique. citeproc-js
runs through node (scripts/citeproc_js_render.mjs; set CITEPROC_JS to an
`npm install citeproc@2.4.63` folder). `--styles society` are the 17 styles of
tests/goldens/balint-sample.json; `--random N` adds N independent official
styles chosen with the seed. `--clusters N` also compares N citation clusters
of 1-3 cites, half with locators, rendered alone in each style.

The whole corpus (26,000 entries) is compared as bibliographies of 2,000
entries (`--chunk 2000`, the same chunks for both engines); `--js-cache DIR`
keeps citeproc-js's answers so that a rerun after a change renders only with
balintbib (`--js-only` fills the cache and compares nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from balintbib.cite import render_bibliography  # noqa: E402
from balintbib.cite.engine import CitationEngine  # noqa: E402
from balintbib.cite.styles import StyleError, locales_dir, resolve_style  # noqa: E402

SOCIETY = list(json.loads((REPO / "tests" / "goldens" / "balint-sample.json").read_text("utf-8")))
NODE_SCRIPT = REPO / "scripts" / "citeproc_js_render.mjs"
LOCATOR_LABELS = ["page", "chapter", "figure", "section", "volume", "paragraph", "line"]


def convert_corpus(corpus: Path, cache: Path) -> tuple[list[dict], int]:
    """Every .bib of the corpus as CSL-JSON items (ids prefixed by file number)."""
    items, failed = [], 0
    cache.mkdir(parents=True, exist_ok=True)
    for number, bib in enumerate(sorted(corpus.rglob("*.bib"))):
        out = cache / f"{number}.json"
        if not out.exists():
            done = subprocess.run([sys.executable, "-m", "balintbib", "convert", "--to", "csl-json",
                                   "-o", str(out), str(bib)], capture_output=True, text=True,
                                  env={**os.environ, "PYTHONPATH": str(REPO / "src")})
            if done.returncode != 0 or not out.exists():
                failed += 1
                out.write_text("[]", encoding="utf-8")
        for item in json.loads(out.read_text(encoding="utf-8")):
            item["id"] = f"{number}:{item.get('id')}"
            items.append(item)
    return items, failed


def independent_styles(folder: Path) -> list[str]:
    out = []
    for path in sorted(folder.glob("*.csl")):
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
        if 'rel="independent-parent"' not in head and "<bibliography" in path.read_text(
                encoding="utf-8", errors="replace"):
            out.append(path.stem)
    return out


def cause(mine: str | None, theirs: str | None) -> str:
    """A first guess at why two entries differ (for the per-cause table)."""
    if mine is None:
        return "missing in balintbib"
    if theirs is None:
        return "missing in citeproc-js"
    if re.sub(r"\s+", "", mine) == re.sub(r"\s+", "", theirs):
        return "whitespace"
    quotes = str.maketrans("\u201c\u201d\u2018\u2019\u00ab\u00bb", "\"\"''\"\"")
    if mine.translate(quotes) == theirs.translate(quotes):
        return "quotation marks"
    if mine.lower() == theirs.lower():
        return "text case"
    if mine.replace("\u2013", "-") == theirs.replace("\u2013", "-"):
        return "dashes"
    if re.sub(r"[^\w]", "", mine) == re.sub(r"[^\w]", "", theirs):
        return "punctuation"
    if sorted(mine.split()) == sorted(theirs.split()):
        return "order of parts"
    first = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
    if first < 25:
        return "names (start of entry)"
    return "other"


def clusters_for(items: list[dict], count: int, rng: random.Random) -> list[list[dict]]:
    out = []
    for _ in range(count):
        size = rng.randint(1, 3)
        chosen = rng.sample(items, min(size, len(items)))
        cluster = []
        for item in chosen:
            cite = {"id": str(item["id"])}
            if rng.random() < 0.5:
                cite["locator"] = str(rng.randint(1, 300))
                cite["label"] = rng.choice(LOCATOR_LABELS)
            cluster.append(cite)
        out.append(cluster)
    return out


def run_node(items, styles, clusters, cache: Path | None = None) -> dict:
    """citeproc-js's output for `items` in `styles`; with `cache`, each style's
    answer is kept under a hash of (items, style file, clusters, citeproc-js
    version folder), so a rerun only renders with balintbib."""
    if cache is None:
        return _run_node(items, styles, clusters)
    import hashlib
    cache.mkdir(parents=True, exist_ok=True)
    base = hashlib.sha256(json.dumps([items, clusters, os.environ.get("CITEPROC_JS", "")],
                                     sort_keys=True).encode()).hexdigest()[:20]
    out, todo = {}, []
    for name, path in styles:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        file = cache / f"{base}-{name[:60]}-{digest}.json"
        if file.exists():
            out[name] = json.loads(file.read_text(encoding="utf-8"))
        else:
            todo.append((name, path, file))
    if todo:
        done = _run_node(items, [(n, p) for n, p, _ in todo], clusters)
        for name, _, file in todo:
            if name in done:
                file.write_text(json.dumps(done[name], ensure_ascii=False), encoding="utf-8")
                out[name] = done[name]
    return out


def chunks(items: list[dict], size: int) -> list[list[dict]]:
    """The items in bibliographies of `size` (both engines get the same ones)."""
    if not size or size >= len(items):
        return [items]
    return [items[i:i + size] for i in range(0, len(items), size)]


def _run_node(items, styles, clusters) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        items_path = Path(tmp) / "items.json"
        items_path.write_text(json.dumps(items), encoding="utf-8")
        cmd = ["node", str(NODE_SCRIPT), "--items", str(items_path), "--locales", str(locales_dir())]
        if clusters:
            clusters_path = Path(tmp) / "clusters.json"
            clusters_path.write_text(json.dumps(clusters), encoding="utf-8")
            cmd += ["--clusters", str(clusters_path)]
        for name, path in styles:
            cmd += ["--style", f"{name}={path}"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"citeproc-js failed: {done.stderr.strip()[:500]}")
        return json.loads(done.stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "bib-corpus")
    parser.add_argument("--items", type=Path)
    parser.add_argument("--sample", type=int, default=0, help="random entries (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--styles", default="society", help="society, or none")
    parser.add_argument("--random", type=int, default=0, help="random independent official styles")
    parser.add_argument("--clusters", type=int, default=0)
    parser.add_argument("--causes", action="store_true", help="print examples per cause")
    parser.add_argument("--chunk", type=int, default=0,
                        help="render the items as bibliographies of this many entries each "
                             "(the whole corpus: 2000); both engines get the same chunks")
    parser.add_argument("--js-cache", type=Path,
                        help="keep citeproc-js's answers in this folder (a rerun renders only "
                             "with balintbib)")
    parser.add_argument("--js-only", action="store_true",
                        help="only fill --js-cache with citeproc-js's answers, compare nothing")
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument("--write-sample", action="store_true",
                        help="store the items and citeproc-js's output as the fixed sample under "
                             "test (tests/data/corpus-sample.csl.json, tests/goldens/corpus-sample.json)")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    if args.items:
        items = json.loads(args.items.read_text(encoding="utf-8"))
        failed = 0
    else:
        corpus = args.corpus if args.corpus.is_dir() else Path("/work/shared/bib-corpus")
        items, failed = convert_corpus(corpus, Path(tempfile.gettempdir()) / "balintbib-corpus-csl")
    if args.sample and args.sample < len(items):
        items = rng.sample(items, args.sample)
    names = list(args.names) or (SOCIETY if args.styles == "society" else [])
    if args.random:
        pool = [s for s in independent_styles(resolve_style("apa").path.parent) if s not in names]
        names += rng.sample(pool, min(args.random, len(pool)))
    styles = []
    for name in names:
        try:
            styles.append((name, str(resolve_style(name).path)))
        except StyleError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
    # the clusters cite items of the first chunk: citeproc-js renders them with that chunk
    clusters = clusters_for(chunks(items, args.chunk)[0], args.clusters, rng)
    print(f"{len(items)} items ({failed} corpus files not converted), {len(styles)} styles, "
          f"{len(clusters)} clusters", file=sys.stderr)
    parts = chunks(items, args.chunk)
    t0 = time.perf_counter()
    answers = [run_node(part, styles, clusters if n == 0 else [], args.js_cache)
               for n, part in enumerate(parts)]
    t_js = time.perf_counter() - t0
    if args.js_only:
        print(f"citeproc-js: {len(parts)} chunk(s) in {t_js:.1f}s", file=sys.stderr)
        return 0
    causes: Counter = Counter()
    examples: dict[str, list] = {}
    rows, total, same, c_total, c_same, t_py = [], 0, 0, 0, 0, 0.0
    o_total, o_same, o_styles = 0, 0, 0
    sample: dict = {}
    for name, path in styles:
        theirs = {"entries": {}, "clusters": (answers[0].get(name) or {}).get("clusters", [])}
        errors, failed = [], set()
        for number, answer in enumerate(answers):
            got = answer.get(name) or {}
            if "error" in got and not got.get("entries"):
                errors.append(got["error"])
                failed.add(number)
            theirs["entries"].update(got.get("entries") or {})
        if errors and not theirs["entries"]:
            rows.append((name, 0, 0, f"citeproc-js: {errors[0][:60]}"))
            continue
        if errors:  # a chunk citeproc-js could not render is not counted as differences
            print(f"{name}: citeproc-js failed on {len(errors)} chunk(s): {errors[0][:100]}", file=sys.stderr)
        t1 = time.perf_counter()
        try:
            mine, mine_orders = {}, []
            for number, part in enumerate(parts):
                if number in failed:
                    mine_orders.append([])
                    continue
                rendered = render_bibliography(part, path)
                mine.update({e.id: e.text for e in rendered})
                mine_orders.append([e.id for e in rendered])
        except Exception as exc:  # noqa: BLE001 - reported per style
            rows.append((name, 0, len(theirs["entries"]), f"balintbib: {type(exc).__name__}: {exc}"[:80]))
            continue
        # leading/trailing whitespace is not compared: citeproc-js's text output
        # keeps a layout suffix " " at the end of an entry, nothing a reader sees
        mine = {k: v.strip() for k, v in mine.items()}
        theirs["entries"] = {k: v.strip() for k, v in theirs["entries"].items()}
        ids = set(mine) | set(theirs["entries"])
        ok = 0
        for item_id in ids:
            a, b = mine.get(item_id), theirs["entries"].get(item_id)
            if a == b:
                ok += 1
            else:
                why = cause(a, b)
                causes[why] += 1
                examples.setdefault(why, []).append((name, item_id, a, b))
        # bibliography order: items at citeproc-js's position (in each chunk)
        # among the ids both engines print
        in_place = placed = 0
        for answer, mine_order in zip(answers, mine_orders):
            theirs_order = [i for i in (answer.get(name) or {}).get("order", []) if i in mine]
            shared = set(theirs_order)
            in_place += sum(1 for a, b in zip([i for i in mine_order if i in shared], theirs_order)
                            if a == b)
            placed += len(theirs_order)
        o_total += placed
        o_same += in_place
        o_styles += in_place == placed
        note = f"order {in_place}/{placed}" if in_place != placed else ""
        if clusters:
            engine = CitationEngine(xml=Path(path).read_bytes())
            by_id = {str(i["id"]): i for i in items}
            got = []
            for cluster in clusters:
                try:
                    got.append(engine.citations([by_id[c["id"]] for c in cluster], [cluster])[0].text)
                except Exception:  # noqa: BLE001
                    got.append(None)
            pairs = [(g, t) for g, t in zip(got, theirs.get("clusters", [])) if t is not None]
            c_ok = sum(1 for g, t in pairs if g == t)
            c_total += len(pairs)
            c_same += c_ok
            note = (note + " " if note else "") + f"clusters {c_ok}/{len(pairs)}"
        t_py += time.perf_counter() - t1
        rows.append((name, ok, len(ids), note))
        if args.write_sample:
            sample[name] = {"entries": theirs["entries"], "identical": ok,
                            "clusters": [[cluster, text] for cluster, text in
                                         zip(clusters, theirs.get("clusters", []))],
                            "clusters_identical": c_ok if clusters else 0}
        total += len(ids)
        same += ok
    print(f"{'style':58} {'identical':>16}")
    for name, ok, n, note in rows:
        rate = f"{100 * ok / n:6.2f}%" if n else "   -   "
        print(f"{name:58} {ok:6}/{n:<6} {rate} {note}")
    if total:
        rates = sorted(100 * ok / n for _, ok, n, _ in rows if n)
        print(f"{'ALL':58} {same:6}/{total:<6} {100 * same / total:6.2f}%  "
              f"(median style {rates[len(rates) // 2]:.2f}%, lowest {rates[0]:.2f}%)")
    if o_total:
        print(f"{'ORDER (items in citeproc-js position)':58} {o_same:6}/{o_total:<6} "
              f"{100 * o_same / o_total:6.2f}%  ({o_styles} of {len(rows)} styles in identical order)")
    if c_total:
        print(f"{'CLUSTERS':58} {c_same:6}/{c_total:<6} {100 * c_same / c_total:6.2f}%")
    print(f"\ntime: citeproc-js (node, all styles) {t_js:.1f}s, balintbib {t_py:.1f}s")
    print("\ndiffering entries by cause:")
    for why, count in causes.most_common():
        print(f"  {count:7}  {why}")
        if args.causes:
            for name, item_id, a, b in examples[why][:3]:
                print(f"           {name} {item_id}\n             balintbib:   {a}\n             citeproc-js: {b}")
    if args.write_sample:
        (REPO / "tests" / "data" / "corpus-sample.csl.json").write_text(
            json.dumps(items, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        (REPO / "tests" / "goldens" / "corpus-sample.json").write_text(
            json.dumps(sample, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "causes": causes}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
