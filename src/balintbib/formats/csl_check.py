"""CSL-JSON items checked against CSL-JSON's schema before they are read.

The official schema (``csl-data.json`` of citation-style-language/schema,
version 1.0.2) is small; it is written here as data tables: the item types,
the name variables, the date variables, and the JSON shape of every other
variable (text or number), of a name and of a date.  On top of the schema,
balintbib's own ``custom`` keys (``bibtex``, ``bibtex-type``, ``bibtex-exact``,
written by `csljson.to_csl`) must hold BibTeX names and content that read back
as written (`balintbib.formats.bibsafe`), and no text may hold a control
character.

`item_problems` gives every problem of one item; the reader reports the first
one per item (with the item's number and id) and leaves that item out.
"""

from __future__ import annotations

from . import bibsafe

#: CSL 1.0.2 item types.
CSL_TYPES = frozenset("""
article article-journal article-magazine article-newspaper bill book broadcast chapter classic
collection dataset document entry entry-dictionary entry-encyclopedia event figure graphic hearing
interview legal_case legislation manuscript map motion_picture musical_score pamphlet
paper-conference patent performance periodical personal_communication post post-weblog
regulation report review review-book software song speech standard thesis treaty webpage
""".split())

#: Variables holding lists of names.
NAME_VARIABLES = frozenset("""
author chair collection-editor compiler composer container-author contributor curator director
editor editorial-director executive-producer guest host interviewer illustrator narrator organizer
original-author performer producer recipient reviewed-author script-writer series-creator translator
""".split())

#: Variables holding dates.
DATE_VARIABLES = frozenset("accessed available-date event-date issued original-date submitted".split())

TEXT, NUMBER, BOOL = "text", "number", "true/false"
#: The keys of a name, and the JSON types each may have.
NAME_KEYS: dict[str, tuple[str, ...]] = {
    "family": (TEXT,), "given": (TEXT,), "dropping-particle": (TEXT,), "non-dropping-particle": (TEXT,),
    "suffix": (TEXT,), "comma-suffix": (TEXT, NUMBER, BOOL), "static-ordering": (TEXT, NUMBER, BOOL),
    "literal": (TEXT,), "parse-names": (TEXT, NUMBER, BOOL),
}
#: The keys of a date, besides ``date-parts``.
DATE_KEYS: dict[str, tuple[str, ...]] = {
    "season": (TEXT, NUMBER), "circa": (TEXT, NUMBER, BOOL), "literal": (TEXT,), "raw": (TEXT,),
    "edtf": (TEXT,),
}
#: Variables with a shape of their own; every other variable is text or a number.
SPECIAL = {"categories": "list of text", "custom": "object"}
#: How deep any value may nest (the schema's deepest is a date: item > issued > date-parts > [..] > part).
MAX_DEPTH = 6


def _kind(value) -> str:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return TEXT
    if value is None:
        return "null"
    return "a list" if isinstance(value, list) else "an object"


def depth(value) -> int:
    """How deep `value` nests (iteratively: a 100,000-deep value is no problem here)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            return d
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


def _texts(value):
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def item_problems(item, bibtex_key: bool = False) -> list[str]:
    """What is wrong with one CSL-JSON item (empty when nothing is); with
    `bibtex_key`, also an id that cannot be a BibTeX key (for `convert --to bibtex`)."""
    if not isinstance(item, dict):
        return [f"not an object but {_kind(item)}"]
    if depth(item) > MAX_DEPTH:
        return ["too deeply nested"]
    out: list[str] = []
    ident = item.get("id")
    if ident is None or ident == "":
        out.append("no id")
    elif _kind(ident) not in (TEXT, NUMBER):
        out.append(f"id is {_kind(ident)}, not text or a number")
    elif bibtex_key and not bibsafe.WRITABLE_KEY.fullmatch(str(ident)):
        out.append("the id cannot be a BibTeX key (no white space, commas, braces or parentheses)")
    ctype = item.get("type")
    if ctype is None:
        out.append("no type")
    elif not isinstance(ctype, str) or ctype not in CSL_TYPES:
        out.append(f"type {str(ctype)[:40]!r} is not a CSL type")
    for var, value in item.items():
        if var in ("id", "type"):
            continue
        if var in NAME_VARIABLES:
            out.extend(_names(var, value))
        elif var in DATE_VARIABLES:
            out.extend(_date(var, value))
        elif var == "custom":
            out.extend(_custom(value))
        elif var == "categories":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                out.append("categories must be a list of text")
        elif _kind(value) not in (TEXT, NUMBER):
            out.append(f"{var} is {_kind(value)}, not text or a number")
    for text in _texts(item):
        if bibsafe.control_characters(text):
            out.append(f"control character(s) {', '.join(bibsafe.control_characters(text))} in {text[:30]!r}")
            break
    return out


def _names(var: str, value) -> list[str]:
    if not isinstance(value, list):
        return [f"{var} is {_kind(value)}, not a list of names"]
    out = []
    for i, name in enumerate(value, 1):
        if not isinstance(name, dict):
            out.append(f"{var}[{i}] is {_kind(name)}, not a name")
            continue
        for key, v in name.items():
            allowed = NAME_KEYS.get(key)
            if allowed is not None and _kind(v) not in allowed:
                out.append(f"{var}[{i}].{key} is {_kind(v)}, not {' or '.join(allowed)}")
    return out


def _date(var: str, value) -> list[str]:
    if not isinstance(value, dict):
        return [f"{var} is {_kind(value)}, not a date"]
    out = []
    for key, v in value.items():
        allowed = DATE_KEYS.get(key)
        if allowed is not None and _kind(v) not in allowed:
            out.append(f"{var}.{key} is {_kind(v)}, not {' or '.join(allowed)}")
    parts = value.get("date-parts")
    if parts is not None:
        ok = (isinstance(parts, list) and 1 <= len(parts) <= 2 and all(
            isinstance(p, list) and 1 <= len(p) <= 3 and all(_kind(x) in (TEXT, NUMBER) for x in p)
            for p in parts))
        if ok:
            ok = all(str(x).strip().lstrip("-").isdigit() for p in parts for x in p)
        if not ok:
            out.append(f"{var}.date-parts must be one or two [year, month, day] lists of numbers")
    return out


def _custom(value) -> list[str]:
    if not isinstance(value, dict):
        return [f"custom is {_kind(value)}, not an object"]
    out = []
    fields = value.get("bibtex")
    if fields is not None:
        if not isinstance(fields, dict):
            out.append(f"custom.bibtex is {_kind(fields)}, not an object")
        else:
            for name, content in fields.items():
                if not bibsafe.WRITABLE_FIELD_NAME.fullmatch(str(name)):
                    out.append(f"custom.bibtex: {str(name)[:40]!r} is not a BibTeX field name")
                elif not isinstance(content, str):
                    out.append(f"custom.bibtex.{name} is {_kind(content)}, not text")
                elif name == "remote-ids" and not _remote_ids_ok(content):
                    out.append(f"custom.bibtex.{name} is not a list of remote:id")
                elif problem := bibsafe.value_problem(name, content):
                    out.append(f"custom.bibtex: {problem}")
    btype = value.get("bibtex-type")
    if btype is not None and not (isinstance(btype, str) and bibsafe.WRITABLE_TYPE.fullmatch(btype)
                                  and btype.lower() not in bibsafe.NOT_ENTRY_TYPES):
        out.append(f"custom.bibtex-type {str(btype)[:40]!r} is not a BibTeX entry type")
    exact = value.get("bibtex-exact")
    if exact is not None:
        if not isinstance(exact, dict):
            out.append(f"custom.bibtex-exact is {_kind(exact)}, not an object")
        else:
            for name, entry in exact.items():
                if not bibsafe.WRITABLE_FIELD_NAME.fullmatch(str(name)) or not isinstance(entry, dict):
                    out.append(f"custom.bibtex-exact: {str(name)[:40]!r} is not a BibTeX field")
                    continue
                original = entry.get("bibtex")
                if original is not None and (not isinstance(original, str) or bibsafe.value_problem(
                        name, original, bool(entry.get("expression")))):
                    out.append(f"custom.bibtex-exact.{name} is not BibTeX content that reads back as written")
    return out


def _remote_ids_ok(content: str) -> bool:
    for part in content.split(";"):
        name, _, ident = part.strip().partition(":")
        if not (bibsafe.REMOTE_NAME_PATTERN.fullmatch(name.strip())
                and bibsafe.REMOTE_ID_PATTERN.fullmatch(ident.strip())):
            return False
    return True


def item_label(index: int, item) -> str:
    """``item 3 (id 'smith2000')`` for messages."""
    ident = item.get("id") if isinstance(item, dict) else None
    if isinstance(ident, (str, int, float)) and not isinstance(ident, bool) and str(ident):
        shown = str(ident)[:60]
        return f"item {index} (id {shown!r})"
    return f"item {index}"
