"""The normalizer on the whole real-world corpus (../shared/bib-corpus, 289 files).

Three promises, checked on every file in-process:
- idempotent: normalizing the output again changes nothing;
- nothing lost: every field value of every entry is still there afterwards
  (compared in a normalized form: accents decoded, braces and white space
  ignored, page dashes, months, DOIs, ISBNs/ISSNs and name order unified);
- every duplicated field is reported.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from balintbib.formats import bibtex
from balintbib.formats.bibtex import read_text
from balintbib.model import PERSON_FIELDS, resolve_expression
from balintbib.normalize import NormalizeOptions, normalize_text
from balintbib.normalize import identifiers as ids
from balintbib.normalize.latexchars import decode_accents
from balintbib.normalize.engine import KEY_LINK_FIELDS
from balintbib.normalize.rules import LIST_FIELDS


@pytest.fixture(scope="module")
def corpus_results():
    from _paths import SHARED

    corpus = SHARED / "bib-corpus"
    if not corpus.is_dir():
        pytest.skip(f"bib corpus not found at {corpus}")
    from test_corpus import REFUSED

    files = sorted(corpus.rglob("*.bib"))
    assert len(files) >= 280
    out = []
    for path in files:
        if path.relative_to(corpus).as_posix() in REFUSED:
            continue
        text = read_text(path)
        out.append((path, text, normalize_text(text, str(path))))
    return out


def test_idempotent_on_every_corpus_file(corpus_results):
    not_idempotent = []
    for path, _, first in corpus_results:
        second = normalize_text(first.new, str(path))
        if second.new != first.new or second.renames:
            not_idempotent.append(str(path))
    assert not_idempotent == []


_WORDS = re.compile(r"\w+")


def comparable(name: str, content: str, is_expr: bool, macros: dict[str, str]) -> str:
    """A value as its meaning: what normalization may change is unified here."""
    if is_expr:
        content = resolve_expression(content, macros)
    text = decode_accents(content)
    if name in PERSON_FIELDS:  # name order and commas change: compare the bag of words
        return " ".join(sorted(w.casefold() for w in _WORDS.findall(text)))
    if name == "doi":
        return ids.doi_key(text)
    if name == "month":
        return ids.month_macro(text) or re.sub(r"[{}\s]", "", text).casefold()
    if name == "isbn":
        return ids.isbn13(text) or re.sub(r"[\s-]", "", text).upper()
    if name == "issn":
        return re.sub(r"[\s-]", "", text).upper()
    text = re.sub(r"[{}]", "", text)
    if name == "pages":
        text = re.sub(r"\s*(?:-+|[\u2010-\u2014\u2212])\s*", "-", text)
        text = re.sub(r"\s*,\s*", ",", text)
    return " ".join(text.split()).casefold()


def _entries(text: str, path: str):
    bf = bibtex.parse(text.replace("\r\n", "\n").lstrip("\ufeff"), path)
    return bf.entries, bf.strings


def lost_values(path, text: str, result) -> tuple[list[str], int]:
    """Field values of ``text`` missing from ``result.new``; and the number of duplicated fields."""
    before, macros_before = _entries(text, str(path))
    after, macros_after = _entries(result.new, str(path))
    assert len(after) == len(before), f"{path}: entry count changed"
    by_alias: dict[str, list] = {}  # an old key finds its entry through the key or the ids aliases
    for e in after:
        aliases = {e.key.lower()}
        for f in e.fields:
            if f.name == "ids":
                aliases |= {a.strip().lower() for a in f.content.split(",")}
        for a in aliases:
            by_alias.setdefault(a, []).append(e)
    lost, duplicates = [], 0
    old_keys = Counter(e.key.lower() for e in before)
    for old in before:
        names = Counter(f.name.lower() for f in old.fields)
        duplicates += sum(n - 1 for n in names.values())
        candidates = by_alias.get(old.key.lower(), [])
        if not candidates or len(candidates) > 1 or old_keys[old.key.lower()] > 1:
            # a keyless entry, or a key given twice (the later one was renamed, and its old
            # key is not an alias because the first still has it): the entry with the most
            # values in common is its successor
            def overlap(e):
                values = set()
                for f in e.fields:
                    base = re.sub(r"-\d+$", "", f.name)
                    values.add((base, comparable(base, f.content, not f.is_literal, macros_after)))
                items = {(n, x.strip()) for n, v in values if n in LIST_FIELDS for x in v.split(",")}
                score = 0
                for f in old.fields:
                    name = re.sub(r"-\d+$", "", f.name.lower())
                    v = comparable(name, f.content, not f.is_literal, macros_before)
                    score += (name, v) in values or (name in LIST_FIELDS and {
                        (name, x.strip()) for x in v.split(",")} <= items)
                return score, -abs(e.line - old.line)
            candidates = [max(after, key=overlap)] if after else []
        new_values: dict[str, set[str]] = {}
        for cand in candidates:
            for f in cand.fields:
                base = re.sub(r"-\d+$", "", f.name)
                new_values.setdefault(base, set()).add(comparable(base, f.content, not f.is_literal, macros_after))
        for f in old.fields:
            name = re.sub(r"-\d+$", "", f.name.lower())
            if not f.content.strip():
                continue
            value = comparable(name, f.content, not f.is_literal, macros_before)
            have = new_values.get(name, set())
            if value in have:
                continue
            if name in LIST_FIELDS and {x.strip() for x in re.split(r"[,;]", value) if x.strip()} <= {
                    x.strip() for h in have for x in re.split(r"[,;]", h)}:
                continue
            if name in ("url", "note") and any(d and d in value for d in new_values.get("doi", ())):
                continue  # the DOI moved to doi (a url that only repeated it is dropped)
            if name in KEY_LINK_FIELDS and all(
                    any(e.key.lower() in {x.strip() for h in have for x in h.split(",")}
                        for e in by_alias.get(k.strip(), [])) or any(k.strip() in h for h in have) for k in value.split(",")):
                continue  # a crossref follows its target's new key
            lost.append(f"{path}:{f.line}: {old.key}.{name} = {f.content[:60]!r}")
    return lost, duplicates


def test_nothing_lost_and_every_duplicate_field_reported(corpus_results):
    lost: list[str] = []
    unreported: list[str] = []
    for path, text, result in corpus_results:
        file_lost, duplicates = lost_values(path, text, result)
        lost.extend(file_lost)
        reported = sum(1 for p in result.problems if p.code == "B003")
        if reported != duplicates:
            unreported.append(f"{path}: {duplicates} duplicated fields, {reported} reported")
    assert lost[:30] == [] and len(lost) == 0
    assert unreported == []


def test_already_normalized_text_is_byte_identical(corpus_results):
    for path, _, first in corpus_results[:40]:
        assert normalize_text(first.new, str(path)).changed is False


def test_tugboat_recurring_titles_are_not_duplicates(corpus):
    """bibtex-tidy flags 1,169 pairs here (recurring column titles); the guards keep them apart."""
    from balintbib.library import Library
    from balintbib.normalize.dedupe import find_duplicates

    lib = Library.load(corpus / "beebe-texlive" / "tugboat.bib")
    groups = find_duplicates(lib.references, lib.macros)
    pairs = sum(len(g.refs) - 1 for g in groups)
    assert pairs <= 20  # the few left are Beebe's double entries of the same cover page
    for g in groups:
        years = {r.fields.get("year") for r in g.refs}
        volumes = {r.fields.get("volume") for r in g.refs}
        assert len(years) == 1 and len(volumes) == 1
