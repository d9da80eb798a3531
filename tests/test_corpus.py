"""The whole real corpus (../shared/bib-corpus): nothing lost, nothing moved."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import bibtexparser
import pytest

from balintbib.formats import bibtex
from balintbib.library import Library


@pytest.fixture(scope="module")
def corpus_files():
    from _paths import SHARED

    root = SHARED / "bib-corpus"
    if not root.is_dir():
        pytest.skip(f"bib corpus not found at {root}")
    files = sorted(root.rglob("*.bib"))
    assert len(files) > 200
    return [p for p in files if p.relative_to(root).as_posix() not in REFUSED]


from _paths import CORPUS_REFUSED as REFUSED  # noqa: E402


def test_only_the_gbk_file_is_refused(corpus_files):
    from balintbib.formats.encoding import EncodingError

    from _paths import SHARED

    refused = set()
    for path in sorted((SHARED / "bib-corpus").rglob("*.bib")):
        try:
            bibtex.read_text(path)
        except EncodingError as exc:
            assert str(exc).startswith(f"{path}: not valid UTF-8 at line ")
            refused.add(path.relative_to(SHARED / "bib-corpus").as_posix())
    assert refused == REFUSED


def test_every_corpus_file_round_trips_byte_for_byte(corpus_files):
    changed = []
    for path in corpus_files:
        text = bibtex.read_text(path)
        if bibtex.parse(text, str(path)).render() != text:
            changed.append(path.name)
    assert changed == []


def test_no_entry_has_fewer_fields_than_bibtexparser_finds(corpus_files):
    """bibtexparser is the cross-check: every entry and field it finds, we find too."""
    fewer, missing, total = [], [], 0
    for path in corpus_files:
        text = bibtex.read_text(path)
        lib = Library(None, [bibtex.parse(text, str(path))])
        ours = Counter()
        fields_by_key: dict[str, int] = {}
        for ref in lib.references:
            ours[ref.key] += 1
            fields_by_key[ref.key] = max(fields_by_key.get(ref.key, 0), len(ref.fields))
        failed_keys = {b.key for bf in lib.files for b in bf.blocks if isinstance(b, bibtex.Failed)}
        theirs = bibtexparser.parse_string(text, parse_stack=[])
        blocks = list(theirs.entries) + [
            b.ignore_error_block for b in theirs.failed_blocks
            if getattr(b, "ignore_error_block", None) is not None and hasattr(b.ignore_error_block, "fields")
        ]
        for entry in blocks:
            total += 1
            if entry.key not in fields_by_key:
                if entry.key not in failed_keys:
                    missing.append(f"{path.name}:{entry.key}")
                continue
            if fields_by_key[entry.key] < len(entry.fields):
                fewer.append(f"{path.name}:{entry.key}")
    assert total > 20000
    # Entries bibtexparser finds inside @comment{...} blocks are commented out:
    # BibTeX's btparse and biber skip them too (see formats/bibtex.py).
    assert fewer == []
    assert len(missing) <= 5, missing


def test_list_json_returns_every_entry_of_a_file(run_cli, corpus_files):
    for path in corpus_files[::40]:  # a fixed sample through the real CLI
        result = run_cli("list", path, "--json")
        assert result.exit_code == 0, result.output
        items = json.loads(result.stdout)
        expected = len(bibtex.parse_file(path).entries)
        assert len(items) == expected, path


def test_check_reports_failed_blocks_with_their_first_line(corpus_files, run_cli):
    for path in corpus_files:
        bf = bibtex.parse_file(path)
        for block in bf.blocks:
            if isinstance(block, bibtex.Failed):
                assert block.raw.lstrip().startswith("@")
                problem = next(p for p in bf.problems if p.code == "B001" and p.line >= block.line)
                # the reported line is inside the failed block
                assert block.line <= problem.line <= block.line + block.raw.count("\n")


def test_fast_latex_decoding_agrees_with_pylatexenc(corpus_files):
    """latex_to_text's regex fast path gives exactly what pylatexenc gives."""
    from balintbib import latex

    values = set()
    for path in corpus_files[::3]:
        lib = Library(None, [bibtex.parse_file(path)])
        for ref in lib.references:
            values.update(v for n, v in ref.fields.items() if n not in ref.expressions)
    checked = 0
    for v in sorted(values)[::4]:
        fast = latex._fast_decode(v) if latex._NEEDS_DECODING.search(v) else None
        if fast is None:
            continue
        checked += 1
        assert fast == latex._slow_decode(v), v
    assert checked > 1000


def test_every_corpus_entry_survives_csl_json_and_back_exactly(corpus_files):
    """convert --to csl-json, then back: the same fields, content, month macros and type
    (a value built from the file's own @string macros comes back with them filled in)."""
    from balintbib.formats import csljson
    from balintbib.library import load_references
    from balintbib.model import resolve_expression

    entries, changed = 0, []
    for path in corpus_files[::3]:  # a fixed third of the files keeps the suite quick
        refs, macros, _ = load_references([path])
        for ref in refs:
            entries += 1
            item = json.loads(json.dumps(csljson.to_csl(ref, macros, exact=True), ensure_ascii=False))
            back = csljson.from_csl(item)
            fields, expressions = dict(ref.fields), set(ref.expressions)
            for name in ref.expressions:
                inlined = resolve_expression(ref.fields[name], macros)
                if inlined != resolve_expression(ref.fields[name], {}):
                    fields[name] = inlined
                    expressions.discard(name)
            if (back.key, back.type, back.fields, back.expressions) != (ref.key, ref.type, fields, expressions):
                changed.append(f"{path.name}:{ref.key}")
    assert entries > 5000
    assert not changed, changed[:10]


def test_an_item_edited_in_another_tool_keeps_the_edit():
    from balintbib.formats import csljson
    from balintbib.model import Reference

    ref = Reference("k", "article")
    ref.fields.update({"title": "{Balint} groups", "url": "https://x.org/?page_id=22", "month": "jan"})
    ref.expressions.add("month")
    item = csljson.to_csl(ref, exact=True)
    assert csljson.from_csl(item).fields == ref.fields
    item["title"] = "Balint groups revisited"
    back = csljson.from_csl(item)
    assert back.fields["title"] == "Balint groups revisited"
    assert back.fields["url"] == "https://x.org/?page_id=22"  # verbatim: no "\_"
    assert back.fields["month"] == "jan" and "month" in back.expressions
