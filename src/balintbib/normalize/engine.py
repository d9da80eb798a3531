"""Normalize BibTeX text: parse losslessly, apply the rules, lay out canonically.

`normalize_texts` takes several files at once (one library is one key
namespace) and returns, per file, the new text and what it reported.  The
layout: ``@string``/``@preamble`` first, then entries sorted by key (crossref
targets last, as BibTeX needs), one field per line in `FIELD_ORDER`, ``{}``
around every literal, macros and concatenations as written, comments kept
just above the block they preceded, exactly one blank line between blocks,
one newline at the end.  Blocks that fail to parse stay byte for byte where
they are (and the file is then not re-sorted, so nothing moves around them).

Guarantees (tested on the whole corpus): a second run changes nothing, and
every field value survives (duplicated fields are merged or renamed
``name-2``, and reported).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..formats import bibtex
from ..formats.encoding import UTF8, describe, encode
from ..formats.bibtex import Comment, Entry, Failed, Preamble, Problem, StringDef, Text
from ..model import Reference, split_list
from .keys import KeyPattern, assign_keys
from .latexchars import decode_accents, encode_accents
from .options import NormalizeOptions
from .rules import LIST_FIELDS, NameFix, RuleContext, apply_rules, squash

#: Fields that name other entries by key; renamed keys are followed there.
KEY_LINK_FIELDS = ("crossref", "xref", "xdata", "related")


@dataclass
class FileResult:
    path: str
    old: str
    new: str
    problems: list[Problem] = field(default_factory=list)  # warnings: failed blocks, duplicate fields
    renames: list[tuple[str, str, int]] = field(default_factory=list)  # (old key, new key, line)
    notes: list[str] = field(default_factory=list)
    name_fixes: list[NameFix] = field(default_factory=list)  # names BibTeX now reads differently
    reencode: bool = False  # the file's bytes change although its text does not (normalize --utf8)
    encoding: str = UTF8  # written back in the encoding it was read in

    @property
    def changed(self) -> bool:
        return self.reencode or self.old != self.new

    def data(self) -> bytes:
        """The new text as the file's bytes (one clear `EncodingError` when a character does
        not fit the file's encoding: nothing is replaced, nothing written)."""
        return encode(self.new, self.encoding, self.path)


def keep_encodings(results: list[FileResult], encodings: dict[str, str], to_utf8: bool = False) -> None:
    """A file not in UTF-8 is written back in its own encoding (with its byte-order mark),
    and said so (B006); with ``to_utf8`` it is converted to UTF-8, and said so."""
    for r in results:
        enc = encodings.get(r.path, UTF8)
        if enc == UTF8:
            continue
        if to_utf8:
            r.problems.insert(0, Problem(r.path, 1, 1, "B006", f"not UTF-8: read as {describe(enc)}, "
                                                                "written as UTF-8", "warning"))
            r.reencode = True
            continue
        r.encoding = enc
        if enc.startswith(("utf-16", "utf-32")) and not r.new.startswith("\ufeff"):
            r.new = "\ufeff" + r.new  # these are told by their byte-order mark: keep it
        r.problems.insert(0, Problem(r.path, 1, 1, "B006", f"not UTF-8: read as {describe(enc)} and written "
                                                            f"back as {describe(enc)} (normalize --utf8 converts "
                                                            "it)", "warning"))


@dataclass
class _Unit:
    comments: list[str]
    block: object
    ref: Reference | None = None
    index: int = 0


@dataclass
class _File:
    path: str
    old: str
    newline: str
    header: list[str]
    units: list[_Unit]
    trailing: list[str]
    problems: list[Problem]
    has_failed: bool


_BLANK_RUNS = re.compile(r"\n{3,}")


def _clean_text(raw: str) -> str:
    """Free text between blocks: trailing spaces and surplus blank lines gone."""
    lines = [line.rstrip() for line in raw.split("\n")]
    text = "\n".join(lines).strip("\n")
    return _BLANK_RUNS.sub("\n\n", text)


def entry_to_reference(entry: Entry, path: str) -> tuple[Reference, list[Problem]]:
    """Like `bibtex.entry_to_reference`, but a duplicated field is merged when it
    can be without loss (same value; union of a list field) and renamed ``name-2``
    otherwise.  Every duplicate is reported."""
    ref = Reference(entry.key, entry.entry_type.lower())
    fields, exprs = ref.fields, ref.expressions
    problems: list[Problem] = []
    next_copy: dict[str, int] = {}  # the next free name-N (linear for a name given 20,000 times)
    for f in entry.fields:
        name = f.name.lower()
        lit = f.literal
        content = f.value if lit is None else lit
        if name not in fields:
            fields[name] = content
            if lit is None:
                exprs.add(name)
            continue
        old, old_expr = fields[name], name in exprs
        if (lit is None) == old_expr and squash(old) == squash(content):
            how = "the same value again: merged"
        elif name in LIST_FIELDS and lit is not None and not old_expr:
            sep = "; " if ";" in old and "," not in old else ", "
            have = {x.casefold() for x in split_list(old)}
            extra = [x for x in split_list(content) if x.casefold() not in have]
            if extra:
                fields[name] = old.rstrip(" ,;") + sep + sep.join(dict.fromkeys(extra))
            how = "a list: merged as the union of both"
        else:
            n = next_copy.get(name, 2)
            while f"{name}-{n}" in fields:
                n += 1
            next_copy[name] = n + 1
            fields[f"{name}-{n}"] = content
            if lit is None:
                exprs.add(f"{name}-{n}")
            how = f"a different value: kept as '{name}-{n}'"
        problems.append(Problem(path, f.line, 1, "B003",
                                f"'{f.name}' given again in '{entry.key}' with {how}", "warning"))
    return ref, problems


def _prepare(path: str, text: str) -> _File:
    original = text
    newline = "\r\n" if "\r\n" in text else "\n"
    text = text.replace("\r\n", "\n")
    text = text.lstrip("\ufeff")  # byte-order marks (even doubled ones): UTF-8 needs none
    bf = bibtex.parse(text, path)
    problems = [p for p in bf.problems if p.code == "B001"]
    for p in problems:
        p.severity = "warning"
    units: list[_Unit] = []
    pending: list[str] = []
    header: list[str] = []
    has_failed = False
    for i, block in enumerate(bf.blocks):
        if isinstance(block, Text):
            cleaned = _clean_text(block.raw)
            if cleaned:
                if i == 0 and block.raw.rstrip(" \t").endswith("\n\n") and len(bf.blocks) > 1:
                    header.append(cleaned)  # a file header stays at the top
                else:
                    pending.append(cleaned)
            continue
        if isinstance(block, Comment):
            pending.append(block.raw.strip())
            continue
        unit = _Unit(pending, block, index=len(units))
        pending = []
        if isinstance(block, Entry):
            unit.ref, dup = entry_to_reference(block, path)
            problems.extend(dup)
        elif isinstance(block, Failed):
            has_failed = True
        units.append(unit)
    return _File(path, original, newline, header, units, pending, problems, has_failed)


def _render_string(block: StringDef, options: NormalizeOptions) -> str:
    lit = bibtex._literal_content(block.value)
    if lit is None:
        return f"@string{{{block.name} = {block.value}}}"
    # white space inside collapses, but a space at either end is part of what a
    # concatenation ("Proc." # STOC) produces, so it stays
    squashed = squash(lit)
    if squashed:
        lit = (" " if lit[0].isspace() else "") + squashed + (" " if lit[-1].isspace() else "")
    if options.unicode == "utf8":
        lit = decode_accents(lit)
    elif options.unicode == "latex":
        lit = encode_accents(lit)
    return f"@string{{{block.name} = {bibtex.format_value(lit)}}}"


#: The canonical field order (`FIELD_ORDER`, unknown fields after, ``note-2`` after ``note``).
field_order = bibtex.ordered_fields


def render_entry(ref: Reference) -> str:
    """The canonical layout (same as `bibtex.render_entry`, faster for the common case)."""
    fields, exprs = ref.fields, ref.expressions
    lines = []
    for name in field_order(fields):
        value = fields[name]
        if name in exprs:
            lines.append(f"  {name} = {value}")
        elif "{" not in value and "}" not in value:
            lines.append(f"  {name} = {{{value}}}")
        else:
            lines.append(f"  {name} = {bibtex.format_value(value)}")
    if not lines:
        return f"@{ref.type}{{{ref.key},\n}}"
    return f"@{ref.type}{{{ref.key},\n" + ",\n".join(lines) + "\n}"


def _render_block(unit: _Unit, options: NormalizeOptions) -> str:
    block = unit.block
    if unit.ref is not None:
        return render_entry(unit.ref)
    if isinstance(block, StringDef):
        return _render_string(block, options)
    if isinstance(block, Preamble):
        return "@preamble{" + block.value.strip() + "}"
    return block.raw.rstrip()  # Failed: exactly as written


_PROLOGUE = re.compile(r"@\s*(?:string|preamble)\b", re.I)


def _sort_units(units: list[_Unit]) -> list[_Unit]:
    targets = {
        u.ref.fields["crossref"].strip().lower()
        for u in units if u.ref is not None and "crossref" in u.ref.fields
    }
    prologue = [u for u in units if isinstance(u.block, (StringDef, Preamble))
                or (isinstance(u.block, Failed) and _PROLOGUE.match(u.block.raw))]
    seen = {id(u) for u in prologue}
    rest = [u for u in units if id(u) not in seen]

    def key(u: _Unit):
        k = u.ref.key if u.ref is not None else getattr(u.block, "key", "")
        return (k.lower() in targets, k.lower(), u.index)

    return prologue + sorted(rest, key=key)


def _render_file(f: _File, options: NormalizeOptions) -> str:
    units = f.units
    if options.sort and not f.has_failed:
        units = _sort_units(units)
    parts = list(f.header)
    for u in units:
        parts.append("\n".join(u.comments + [_render_block(u, options)]))
    parts.extend(f.trailing)
    if not parts:
        return ""
    text = "\n\n".join(parts) + "\n"
    return text.replace("\n", "\r\n") if f.newline == "\r\n" else text


def _follow_renames(refs: list[Reference], old_to_new: dict[str, str]) -> None:
    for ref in refs:
        for name in KEY_LINK_FIELDS:
            value = ref.fields.get(name)
            if not value or name in ref.expressions:
                continue
            keys = [k.strip() for k in value.split(",")]
            mapped = [old_to_new.get(k.lower(), k) for k in keys]
            if mapped != keys:
                ref.fields[name] = ", ".join(mapped)


def _add_id(ref: Reference, old: str) -> None:
    current = ref.fields.get("ids", "")
    have = [k.strip() for k in current.split(",") if k.strip()]
    if old and old not in have:
        ref.fields["ids"] = ", ".join(have + [old])


def normalize_texts(items: list[tuple[str, str]], options: NormalizeOptions | None = None) -> list[FileResult]:
    """Normalize several files of one library: ``[(path, text)] -> [FileResult]``."""
    options = options or NormalizeOptions()
    files = [_prepare(path, text) for path, text in items]
    contexts = {}
    refs: list[Reference] = []
    owners: list[tuple[_File, _Unit]] = []
    for f in files:
        ctx = contexts[f.path] = RuleContext(options)
        for u in f.units:
            if u.ref is not None:
                done = len(ctx.name_fixes)
                apply_rules(u.ref, ctx)
                for fix in ctx.name_fixes[done:]:
                    fix.line = next((fl.line for fl in u.block.fields if fl.name.lower() == fix.field),
                                    u.block.line)
                refs.append(u.ref)
                owners.append((f, u))
    renames_by_file: dict[str, list[tuple[str, str, int]]] = {}
    if options.keys:
        renames = assign_keys(refs, KeyPattern(options.key_pattern))
        if renames:
            still_used = {r.key.lower() for r in refs}
            old_to_new: dict[str, str] = {}
            for i, (old, new) in renames.items():
                old_to_new.setdefault(old.lower(), new)
                f, u = owners[i]
                renames_by_file.setdefault(f.path, []).append((old, new, u.block.line))
                if options.ids and old and old.lower() not in still_used:
                    _add_id(refs[i], old)
            _follow_renames(refs, old_to_new)
    return [FileResult(f.path, f.old, _render_file(f, options), f.problems, renames_by_file.get(f.path, []),
                       contexts[f.path].notes, contexts[f.path].name_fixes) for f in files]


def normalize_text(text: str, path: str = "<string>", options: NormalizeOptions | None = None) -> FileResult:
    """Normalize one file's text."""
    result = normalize_texts([(path, text)], options)[0]
    return result
