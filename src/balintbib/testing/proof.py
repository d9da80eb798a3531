"""The "nothing lost" proof: what ``list --json`` shows before and after a
transformation, entry by entry, field by field (issue "Nothing lost, anywhere").

Three transformations are checked on a .bib file:

- `check_normalize`: ``normalize``.  Every field's text must be equal before and
  after, except for the changes normalize reports (key renames, name fixes, DOI
  moves), each of which is checked to be what its documented rule makes, and
  the changes its documented rules make without a report (page dashes, ISSN and
  ISBN hyphens, DOI resolver prefixes, month names as macros, white space).
- `check_dedupe`: ``dedupe --merge``: every value of the merged entries is
  somewhere in the result (under its name or as ``name-N``), every removed key
  in the kept entry's ``ids``.
- `check_csl_round_trip`: BibTeX -> CSL-JSON (``list --json``) -> BibTeX gives
  every field back with exactly its content.

Each returns a `Report`: how many entries and fields were compared, the
explained changes by rule, and the unexplained ones (which must be none).
The CLI commands call the same functions (``list --json`` is `listed`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..formats import bibtex, csljson
from ..latex import latex_to_text
from ..library import Library
from ..model import MONTH_MACROS, PERSON_FIELDS, parse_names, split_list
from ..normalize import dedupe as dd
from ..normalize import identifiers as ids
from ..normalize.engine import normalize_texts
from ..normalize.options import NormalizeOptions
from ..normalize.engine import KEY_LINK_FIELDS
from ..normalize.rules import is_verbatim, rewrite_name


@dataclass
class Report:
    path: str
    entries: int = 0
    fields: int = 0
    explained: Counter = field(default_factory=Counter)
    unexplained: list[str] = field(default_factory=list)

    def add(self, other: Report) -> None:
        self.entries += other.entries
        self.fields += other.fields
        self.explained.update(other.explained)
        self.unexplained.extend(other.unexplained)


def listed(path: str | Path) -> tuple[list[dict], Library]:
    """What ``list --json`` prints for one file (and the library it read); each
    item also gets its entry's line as ``_line``."""
    lib = Library.load_files([Path(path)])
    return [dict(csljson.to_csl(r, lib.macros, exact=True), _line=lib.line_of(r)) for r in lib.references], lib


_NAME_VARS = frozenset(csljson.NAME_FIELDS.values())


def field_texts(item: dict) -> dict[str, object]:
    """One listed item as ``{field: text}``: CSL variables as listed, the BibTeX
    fields kept under ``custom.bibtex`` as their text (their spelling is what
    normalize changes), the spelling record ``custom.bibtex-exact`` left out."""
    out: dict[str, object] = {}
    for name, value in item.items():
        if name in ("id", "custom", "_line"):
            continue
        out[name] = value
    custom = item.get("custom", {})
    out["bibtex-type"] = custom.get("bibtex-type")
    for name, content in custom.get("bibtex", {}).items():
        if name in PERSON_FIELDS:  # a name list kept whole ("and others"): its people
            out["bibtex." + name] = [csljson.person_to_csl(p) for p in parse_names(content)]
        else:
            out["bibtex." + name] = content.strip() if is_verbatim(name) else latex_to_text(content)
    return out


def _keyed(items: list[dict]) -> dict[tuple[str, int], dict]:
    """Items by (key, occurrence): a file may hold a key twice."""
    seen: Counter = Counter()
    out = {}
    for item in items:
        k = item["id"].lower()
        out[(k, seen[k])] = item
        seen[k] += 1
    return out


# -- the documented rules, as predicates over (before, after) texts --------------------

_DASHES = re.compile(r"\s*(?:-+|\u2013|\u2014)\s*")


def _pages_rule(a, b) -> bool:
    """pages: ranges written with -- (12-15, 12–15, 12 --- 15 -> 12--15), lists as "1-2, 5"."""
    norm = lambda s: re.sub(r"\s+", "", _DASHES.sub("-", s))
    return isinstance(a, str) and isinstance(b, str) and norm(a) == norm(b)


def _month_rule(a, b) -> bool:
    """months: written as macros (June, 6, {jun} -> jun)."""
    macro = ids.month_macro(a) if isinstance(a, str) else None
    return bool(macro) and MONTH_MACROS[macro] == b


def _whitespace_rule(a, b) -> bool:
    """whitespace: runs collapsed, ends trimmed (in fields kept as written: the ends)."""
    return isinstance(a, str) and isinstance(b, str) and " ".join(a.split()) == " ".join(b.split())


def _issn_rule(a, b) -> bool:
    """issn: hyphenated as 1234-5678 (a list kept as a list)."""
    digits = lambda s: re.sub(r"[^0-9Xx,;]", "", s).upper().replace(";", ",")
    return isinstance(a, str) and isinstance(b, str) and digits(a) == digits(b)


def _isbn_rule(a, b) -> bool:
    """isbn: ISBN-10 -> ISBN-13, hyphens as written."""
    if not (isinstance(a, str) and isinstance(b, str)):
        return False
    digits = re.sub(r"^\s*ISBN(?:-1[03])?:?\s*", "", a, flags=re.I)
    return ids.format_isbn(digits) == b or re.sub(r"[^0-9X]", "", ids.format_isbn(digits) or "") \
        == re.sub(r"[^0-9X]", "", b)


def _doi_rule(a, b) -> bool:
    """doi: resolver prefixes and doi: dropped."""
    return isinstance(a, str) and ids.clean_doi(a) == b


def _issued_rule(a, b) -> bool:
    """month: written as a macro; the date it gives is the same (a day or a
    month that was not one month stays)."""
    return isinstance(a, dict) and isinstance(b, dict) and a.get("date-parts", [[None]])[0][:1] \
        == b.get("date-parts", [[None]])[0][:1]


#: CSL variable (or bibtex.<field>) -> the documented rule that may change its text.
RULES = {
    "page": _pages_rule,
    "bibtex.pages": _pages_rule,
    "ISSN": _issn_rule,
    "bibtex.issn": _issn_rule,
    "ISBN": _isbn_rule,
    "bibtex.isbn": _isbn_rule,
    "DOI": _doi_rule,
    "issued": _issued_rule,
    "bibtex.month": _month_rule,
}


def _person(name: str) -> dict | None:
    people = parse_names(name)
    return csljson.person_to_csl(people[0]) if len(people) == 1 else None


def _names_explained(var: str, a, b, fixes: list) -> bool:
    """A name list differs only where a reported name fix made its documented change."""
    if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
        return False
    for pa, pb in zip(a, b):
        if pa == pb:
            continue
        if not any(_person(f.old) == pa and _person(f.new) == pb and rewrite_name(f.old) == (f.new, f.why)
                   for f in fixes):
            return False
    return True


def check_normalize(path: str | Path, workdir: Path, options: NormalizeOptions | None = None) -> Report:
    """``list --json`` before and after ``normalize`` of one file (a copy in `workdir`)."""
    path = Path(path)
    report = Report(str(path))
    text, _ = bibtex.read_file(path)
    work = workdir / path.name
    work.write_bytes(path.read_bytes())
    before, _ = listed(work)
    result = normalize_texts([(str(work), text)], options)[0]
    work.write_text(result.new, encoding="utf-8")
    after, _ = listed(work)
    renamed_at = {(old.lower(), line): new.lower() for old, new, line in result.renames}
    renamed = {old.lower(): new.lower() for old, new, _ in result.renames}
    notes = " ".join(result.notes)
    merged = {m.group(1).lower() for p in result.problems if p.code == "B003"
              for m in [re.search(r"given again in '(.*)' with ", p.message)] if m}
    after_by_key: dict[str, list[dict]] = {}
    for item in after:
        after_by_key.setdefault(item["id"].lower(), []).append(item)
    fixes_by_key: dict[str, list] = {}
    for f in result.name_fixes:
        fixes_by_key.setdefault(f.key.lower(), []).append(f)
    for item in before:
        report.entries += 1
        key = item["id"].lower()
        new_key = renamed_at.get((key, item["_line"]), key)
        others = after_by_key.get(new_key)
        if not others:
            report.unexplained.append(f"{path}: entry '{item['id']}' (line {item['_line']}) is missing after normalize")
            continue
        other = others.pop(0)
        if new_key != key:
            report.explained["key renamed (reported)"] += 1
        a, b = field_texts(item), field_texts(other)
        for name in dict.fromkeys([*a, *b]):
            report.fields += name in a
            va, vb = a.get(name), b.get(name)
            if va == vb:
                continue
            why = _explain(name, va, vb, a, b, item, key, renamed, notes, key in merged,
                           fixes_by_key.get(key, []))
            if why:
                report.explained[why] += 1
            else:
                report.unexplained.append(f"{path}: '{item['id']}' {name}: {va!r} -> {vb!r}")
    for items in after_by_key.values():
        for item in items:
            report.unexplained.append(f"{path}: entry '{item['id']}' appeared after normalize")
    return report


_DUPLICATE = re.compile(r"^(bibtex\.)?(.+)-\d+$")
#: CSL variable -> the BibTeX field it comes from (for duplicated fields merged by normalize).
_FIELD_OF = {**{v: k for k, v in csljson.TEXT_FIELDS.items()}, **{v: k for k, v in csljson.NUMBER_FIELDS.items()}}


def _value_of(texts: dict, field_name: str):
    """A BibTeX field's text in a listed item, wherever it was listed."""
    if "bibtex." + field_name in texts:
        return texts["bibtex." + field_name]
    for var, f in _FIELD_OF.items():
        if f == field_name and var in texts:
            return texts[var]
    return None


def _explain(name, va, vb, a, b, item, key, renamed, notes, merged, fixes) -> str | None:
    """The documented rule that explains a changed field, or None."""
    rule = RULES.get(name)
    if rule and va is not None and vb is not None and rule(va, vb):
        return f"{name.removeprefix('bibtex.')}: {rule.__doc__.split(':')[0]} rule"
    if va is not None and vb is not None and _whitespace_rule(va, vb):
        return "whitespace rule"
    if name in _NAME_VARS and _names_explained(name, va, vb, fixes):
        return "name fix (reported)"
    bare = name.removeprefix("bibtex.")
    if bare in PERSON_FIELDS and _names_explained(name, va, vb, fixes):  # kept whole ("and others")
        return "name fix (reported)"
    if name == "bibtex.ids" and key in renamed:
        have = [k.strip() for k in (va or "").split(",") if k.strip()]
        if [k.strip() for k in str(vb).split(",")] == have + [item["id"]]:
            return "old key kept in ids"
    if bare in KEY_LINK_FIELDS and isinstance(va, str) and isinstance(vb, str):
        keys = [k.strip() for k in va.split(",")]
        if [renamed.get(k.lower(), k).lower() for k in keys] == [k.strip().lower() for k in vb.split(",")]:
            return f"{bare} follows renamed keys"
    if merged:  # a duplicated field, merged (same value, or a list's union) and reported (B003)
        m = _DUPLICATE.match(name)
        base = (m.group(1) or "") + m.group(2) if m else None
        if m and vb is None and isinstance(va, str):
            merged_into = _value_of(b, m.group(2))
            if isinstance(merged_into, str) and (" ".join(va.split()) == " ".join(merged_into.split()) or
                                                 set(split_list(va)) <= set(split_list(merged_into))):
                return "duplicated field merged (reported)"
        if base is None and isinstance(va, str) and isinstance(vb, str) and set(split_list(va)) <= set(split_list(vb)):
            return "duplicated list field merged as a union (reported)"
    doi_note = f"'{item['id']}'"
    if name == "URL" and vb is None and (f"dropped url repeating the DOI in {doi_note}" in notes
                                         or f"moved the DOI from url to doi in {doi_note}" in notes):
        return "url repeating the DOI dropped (reported)"
    if name == "DOI" and va is None and (f"moved the DOI from url to doi in {doi_note}" in notes
                                         or f"from note to doi in {doi_note}" in notes):
        return "DOI moved to doi (reported)"
    if name == "note" and vb is None and f"moved the DOI from note to doi in {doi_note}" in notes:
        return "DOI moved from note (reported)"
    return None


# -- dedupe --merge -----------------------------------------------------------------------

def merge_duplicates(path: Path) -> int:
    """What ``dedupe --merge`` does to one file: each group merged into its first
    entry, the others removed, crossrefs to them pointed at the kept one; saved."""
    lib = Library.load_files([path])
    groups = dd.find_duplicates(lib.references, lib.macros)
    for g in groups:
        result = dd.merge(g.refs)
        removed = {r.key.lower(): result.kept.key for r in result.removed}
        for r in result.removed:
            lib.remove(r)
        for r in lib.references:
            target = r.fields.get("crossref", "").strip().lower()
            if target in removed:
                r.fields["crossref"] = removed[target]
    if groups:
        lib.save()
    return len(groups)


def _texts(lib: Library) -> list[tuple[str, dict[str, str]]]:
    return [(r.key, {name: lib.text(r, name) for name in r.fields}) for r in lib.references]


def check_dedupe(path: str | Path, workdir: Path, merge=merge_duplicates) -> Report:
    """``dedupe --merge`` on a copy: every value of every entry is somewhere in the
    result -- in the same entry, or for a merged-away entry in the entry it was
    merged into (named in its ``ids``), under its field name or as ``name-N``."""
    path = Path(path)
    report = Report(str(path))
    work = workdir / path.name
    work.write_bytes(path.read_bytes())
    before = _texts(Library.load_files([work]))
    groups = merge(work)
    after_lib = Library.load_files([work])
    after = _texts(after_lib)
    by_key: dict[str, list[dict[str, str]]] = {}
    by_alias: dict[str, dict[str, str]] = {}
    owner: dict[str, str] = {}  # alias -> the key of the entry that names it in ids
    for key, texts in after:
        by_key.setdefault(key.lower(), []).append(texts)
        for alias in split_list(texts.get("ids", "")):
            by_alias.setdefault(alias.lower(), texts)
            owner.setdefault(alias.lower(), key.lower())
    report.explained["groups merged"] = groups
    for key, texts in before:
        report.entries += 1
        candidates = by_key.get(key.lower(), []) + ([by_alias[key.lower()]] if key.lower() in by_alias else [])
        if not candidates:
            report.unexplained.append(f"{path}: entry '{key}' is gone and no entry names it in ids")
            continue
        for name, value in texts.items():
            report.fields += 1
            if any(_holds(c, name, value) for c in candidates):
                continue
            if name == "crossref" and any(owner.get(value.strip().lower()) == c.get("crossref", "").strip().lower()
                                          for c in candidates):
                report.explained["crossref points at the kept entry"] += 1
                continue
            report.unexplained.append(f"{path}: '{key}' {name}: {value!r} is nowhere in the result")
    return report


def _holds(texts: dict[str, str], name: str, value: str) -> bool:
    if texts.get(name) == value:
        return True
    if name == "ids" or name in ("keywords", "groups", "mendeley-tags", "tags"):
        return set(split_list(value)) <= set(split_list(texts.get(name, "")))
    return any(v == value for k, v in texts.items() if k.startswith(name + "-") and k[len(name) + 1:].isdigit())


# -- BibTeX -> CSL-JSON -> BibTeX ---------------------------------------------------------

def check_csl_round_trip(path: str | Path, workdir: Path) -> Report:
    """``convert --to csl-json`` then ``convert --to bibtex``: ``list --json`` of the
    result equals that of the file, entry by entry; ``explained["content identical"]``
    counts the fields whose BibTeX content came back character for character."""
    import json

    from ..library import load_references

    path = Path(path)
    report = Report(str(path))
    work = workdir / path.name
    work.write_bytes(path.read_bytes())
    before, lib = listed(work)
    refs, macros, _ = load_references([work])
    as_json = workdir / (path.stem + ".json")
    as_json.write_text(json.dumps([csljson.to_csl(r, macros, exact=True) for r in refs], ensure_ascii=False),
                       encoding="utf-8")
    back, back_macros, problems = load_references([as_json])
    # items the CSL-JSON reader refuses (an empty id) are said by index; they are not compared
    refused = {int(m.group(1)) - 1: p.message for p in problems
               for m in [re.search(r"\bitem (\d+)\b[^:]*:", p.message)] if m and "left out" in p.message}
    if refused:
        report.explained["an item the CSL-JSON reader refuses, reported (" + "; ".join(
            sorted({re.sub(r"^item \d+[^:]*: (.*?)(?: in '.*')?; left out$", r"\1", msg) for msg in refused.values()})) + ")"] += len(refused)
        before = [item for i, item in enumerate(before) if i not in refused]
        lib_refs = [r for i, r in enumerate(lib.references) if i not in refused]
    else:
        lib_refs = lib.references
    as_bib = workdir / (path.stem + ".back.bib")
    strings = "".join(bibtex.render_string(k, "{" + v + "}") + "\n" for k, v in back_macros.items())
    as_bib.write_text((strings + "\n" if strings else "") + "\n\n".join(
        bibtex.render_entry(r, bibtex.ordered_fields(r.fields)) for r in back) + "\n", encoding="utf-8")
    after, after_lib = listed(as_bib)
    if len(after) != len(before):
        report.unexplained.append(f"{path}: {len(before)} entries listed, {len(after)} after the round trip")
    for item, other, ref, ref2 in zip(before, after, lib_refs, after_lib.references):
        report.entries += 1
        a, b = field_texts(item), field_texts(other)
        for name in dict.fromkeys([*a, *b]):
            report.fields += name in a
            if a.get(name) != b.get(name):
                report.unexplained.append(f"{path}: '{item['id']}' {name}: {a.get(name)!r} -> {b.get(name)!r}")
        if item["id"] != other["id"]:
            report.unexplained.append(f"{path}: key '{item['id']}' came back as '{other['id']}'")
        for name, content in ref.fields.items():
            if ref2.fields.get(name) == content:
                report.explained["content identical"] += 1
            elif name in ref.expressions:
                report.explained["@string macro inlined (an item cannot carry its definition)"] += 1
            else:
                report.explained["content respelled, same text"] += 1
    return report
