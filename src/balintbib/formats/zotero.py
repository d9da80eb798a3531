"""Zotero item JSON (``data``) <-> `balintbib.model.Reference`.

Driven by the tables of `balintbib.formats.zotero_tables` (the Zotero schema,
the type and field bridges).  Lossless both ways:

* Zotero -> model -> Zotero keeps every field of every type: fields with no
  BibTeX home live in ``zotero-<field>``, other creator types in
  ``zotero-<creatorType>``, automatic tags (type 1) in ``zotero-automatic-tags``,
  ``collections`` and ``relations`` in ``zotero-collections`` /
  ``zotero-relations``, the free lines of ``extra`` in ``note``.
* model -> Zotero -> model keeps every field: what the item type cannot hold
  (a field, a creator type, an entry type, LaTeX markup) is kept in one
  ``balintbib: {...}`` line of ``extra`` and restored on the way back, unless
  someone edited the field in Zotero since (then the edit wins).

The annotation is not an item field: it is a child note, found by its key
(`annotation_key` of the parent's key), see `note_html` / `note_text`.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..latex import latex_to_text, text_to_latex
from .bibsafe import KEY_PATTERN, WRITABLE_FIELD_NAME, strip_controls, value_problem
from .mendeley_check import clean_stash
from ..model import ANNOTATION_FIELD, MONTH_MACROS, REMOTE_IDS_FIELD, VERBATIM_FIELDS, Person, Reference
from .stash import losses, restore
from .zotero_tables import (
    BIBTEX_TYPES, CREATOR_FIELDS, CREATORS, DEFAULT_TYPE, EXTRA_FIELDS, EXTRA_LABELS, ITEM_TYPES, KEY_ALPHABET, PREFIX,
    TYPES, base_of, creator_types, field_homes,
)

TYPE_FIELD = "zotero-type"
AUTO_TAGS_FIELD = "zotero-automatic-tags"  # JSON list
OTHER_TAGS_FIELD = "zotero-tags"  # JSON list of manual tags with a comma, brace...
COLLECTIONS_FIELD = "zotero-collections"
RELATIONS_FIELD = "zotero-relations"
EXTRA_TEXT_FIELD = "note"
STASH_LABEL = "balintbib"
CITATION_KEY_FIELD = "zotero-citationkey"  # a citationKey that is not a BibTeX key
ORDER_FIELD = "zotero-creator-order"  # the creator types in Zotero's order, when BibTeX's grouping differs
DATE_ADDED, DATE_MODIFIED = "zotero-date-added", "zotero-date-modified"
#: Fields kept byte for byte (no LaTeX decoding).
VERBATIM = VERBATIM_FIELDS | {CITATION_KEY_FIELD, AUTO_TAGS_FIELD, OTHER_TAGS_FIELD, COLLECTIONS_FIELD, RELATIONS_FIELD, DATE_ADDED, DATE_MODIFIED, "isbn", "issn"}
_MONTHS = list(MONTH_MACROS)
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_EXTRA_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9 ._-]{0,40}):\s*(.*)$")


@dataclass
class ZoteroItem:
    reference: Reference
    key: str
    version: str
    problems: list[str] = field(default_factory=list)  # what the item held that could not be taken


def _norm_label(label: str) -> str:
    label = re.sub(r"([a-z])([A-Z])", r"\1-\2", label.strip())
    return re.sub(r"[\s_]+", "-", label).lower()


def _set(ref: Reference, name: str, value: str) -> None:
    if value in (None, ""):
        return
    if name in VERBATIM:
        ref.set(name, value)
    else:
        ref.set_text(name, value)


def _get(ref: Reference, name: str) -> str:
    if name in VERBATIM and name not in ref.expressions:
        return ref.get(name)
    return ref.text(name)


# -- Zotero -> model ---------------------------------------------------------------

def from_zotero(data: dict, remote: str = "zotero", note: str | None = None, key: str | None = None) -> ZoteroItem:
    """One item's ``data`` (or the whole envelope) -> Reference (+ item key and version)."""
    if "data" in data and isinstance(data["data"], dict):
        data = data["data"]
    ref, stash = _from_zotero(data, key)
    stash, problems = clean_stash(stash)
    problems = [p.replace("client_data", "extra's balintbib line") for p in problems]
    if stash:
        restore(ref, stash)
        for other, ident in sorted((stash.get("remote_ids") or {}).items()):
            if other != remote:
                ref.set_remote_id(other, ident)
    if note:
        ref.annotation = note
    problems += _make_writable(ref)
    if data.get("key"):
        ref.set_remote_id(remote, str(data["key"]))
    return ZoteroItem(ref, str(data.get("key", "")), str(data.get("version", "")), problems)


def _make_writable(ref: Reference) -> list[str]:
    """Every field as BibTeX can write and read back: a verbatim value the writer would refuse
    (a stray brace) is kept as escaped text; what cannot be made safe is left out and said."""
    problems = []
    for name in list(ref.fields):
        content = ref.fields[name]
        if not WRITABLE_FIELD_NAME.fullmatch(name):
            del ref.fields[name]
            ref.expressions.discard(name)
            problems.append(f"field {name[:40]!r} is not a BibTeX field name; left out")
            continue
        if value_problem(name, content, name in ref.expressions) is None:
            continue
        if name not in ref.expressions:
            ref.fields[name] = text_to_latex(strip_controls(latex_to_text(content) if name not in VERBATIM
                                                            else content))
            if value_problem(name, ref.fields[name]) is None:
                continue
        del ref.fields[name]
        ref.expressions.discard(name)
        problems.append(f"field {name!r} cannot be written to BibTeX; left out")
    return problems


def _from_zotero(data: dict, key: str | None) -> tuple[Reference, dict | None]:
    ztype = str(data.get("itemType") or DEFAULT_TYPE)
    btype = TYPES.get(ztype, "misc")
    cite = str(data.get("citationKey") or "")
    usable = bool(KEY_PATTERN.fullmatch(cite))
    ref = Reference(key or (cite if usable else str(data.get("key") or "item")), btype)
    if cite and not usable:  # not a BibTeX key: kept as it is
        ref.set(CITATION_KEY_FIELD, cite)
    if BIBTEX_TYPES.get(btype) != ztype:
        ref.set(TYPE_FIELD, ztype)
    by_role: dict[str, list[Person]] = {}
    creators = [c for c in data.get("creators") or [] if isinstance(c, dict)] \
        if isinstance(data.get("creators"), list) else []
    roles = [str(c.get("creatorType") or "author") for c in creators]
    for c, role in zip(creators, roles):
        by_role.setdefault(CREATORS.get(role, PREFIX + role.lower()), []).append(person_from_zotero(c))
    for fname, people in by_role.items():
        ref.set_persons(fname, people)
    if roles != _canonical_order(ztype, roles):  # BibTeX keeps names by role: keep Zotero's order too
        ref.set(ORDER_FIELD, " ".join(roles))
    homes = field_homes(ztype, btype)
    for zname, value in data.items():
        if zname in ("key", "version", "itemType", "creators", "tags", "collections", "relations", "extra",
                     "dateAdded", "dateModified", "deleted", "parentItem", "note", "citationKey") \
                or zname.startswith("_") or value in (None, "", [], {}):
            continue
        value = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if base_of(ztype, zname) == "date":
            m = _ISO_DATE.match(value.strip())
            if m and zname == "date":
                ref.set("year", m.group(1))
                if m.group(2) and 1 <= int(m.group(2)) <= 12:
                    ref.fields["month"] = _MONTHS[int(m.group(2)) - 1]
                    ref.expressions.add("month")
                    if m.group(3):
                        ref.set("day", str(int(m.group(3))))
                elif m.group(2):
                    ref.set("date", value)
                continue
            if zname == "date":
                _set(ref, "date", value)
                continue
        _set(ref, homes.get(zname, PREFIX + zname.lower()), value)
    tags = [t if isinstance(t, dict) else {"tag": str(t)} for t in data.get("tags") or []] \
        if isinstance(data.get("tags"), list) else []
    manual = [str(t["tag"]) for t in tags if t.get("tag") and not t.get("type")]
    auto = [str(t["tag"]) for t in tags if t.get("tag") and t.get("type")]
    plain = [t for t in manual if t == t.strip() and not re.search(r"[,;{}\\]", t)]
    if plain:
        ref.tags = plain
    if len(plain) < len(manual):  # tags the keywords list cannot hold (a comma in them...)
        ref.set(OTHER_TAGS_FIELD, json.dumps([t for t in manual if t not in plain], ensure_ascii=False))
    if auto:
        ref.set(AUTO_TAGS_FIELD, json.dumps(auto, ensure_ascii=False))
    if data.get("collections"):
        cols = data["collections"] if isinstance(data["collections"], list) else [data["collections"]]
        ref.set(COLLECTIONS_FIELD, " ".join(str(c) for c in cols))
    if data.get("relations"):
        ref.set(RELATIONS_FIELD, json.dumps(data["relations"], sort_keys=True, ensure_ascii=False))
    _set(ref, DATE_ADDED, str(data.get("dateAdded") or ""))
    _set(ref, DATE_MODIFIED, str(data.get("dateModified") or ""))
    stash = _read_extra(ref, ztype, str(data.get("extra") or ""))
    return ref, stash


def _read_extra(ref: Reference, ztype: str, extra: str) -> dict | None:
    rest, stash = [], None
    for line in extra.split("\n"):
        m = _EXTRA_LINE.match(line)
        if m:
            label = _norm_label(m.group(1))
            if label == STASH_LABEL and stash is None:
                try:
                    stash = json.loads(m.group(2))
                    continue
                except ValueError:
                    pass
            label = label if label in EXTRA_FIELDS else label.replace("-", "")
            known = EXTRA_FIELDS.get(label)
            if known and not ref.get(known[1]) and m.group(2).strip():  # an old client's line, or no such field
                _set(ref, known[1], m.group(2).strip())
                if label == "arxiv":
                    ref.set("eprinttype", "arxiv")
                continue
        rest.append(line)
    while rest and not rest[-1].strip():
        rest.pop()
    if rest:
        ref.set(EXTRA_TEXT_FIELD, "\n".join(text_to_latex(line) for line in rest))
    return stash if isinstance(stash, dict) else None


def person_from_zotero(c: dict) -> Person:
    if c.get("name") is not None and not c.get("lastName"):
        return Person(literal=text_to_latex(str(c.get("name") or "")))
    last = text_to_latex(str(c.get("lastName") or "").strip())
    if " " in last and not last.startswith("{"):
        last = "{" + last + "}"
    return Person(family=last, given=text_to_latex(str(c.get("firstName") or "").strip()))


# -- model -> Zotero ---------------------------------------------------------------

def to_zotero(ref: Reference, remote: str = "zotero") -> dict:
    """Reference -> item ``data`` (fields of its type only; what cannot be held goes
    to the ``balintbib:`` line of ``extra``, see the module docstring)."""
    data = _to_zotero(ref, remote)
    back, _ = _from_zotero(data, ref.key)
    for name in (ANNOTATION_FIELD, REMOTE_IDS_FIELD):
        if name in ref.fields:
            back.fields[name] = ref.fields[name]
    stash = losses(ref, back, remote)
    if stash:
        line = f"{STASH_LABEL}: " + json.dumps(stash, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        data["extra"] = (data["extra"] + "\n" + line) if data.get("extra") else line
    return data


def lost_fields(ref: Reference, remote: str = "zotero") -> list[str]:
    """Fields a Zotero user will not see as Zotero fields (kept only in the ``balintbib:``
    line of ``extra``): what the item type cannot hold."""
    data = _to_zotero(ref, remote)
    back, _ = _from_zotero(data, ref.key)
    return sorted(n for n, c in ref.fields.items()
                  if n not in (ANNOTATION_FIELD, REMOTE_IDS_FIELD) and back.text(n) != ref.text(n))


def _to_zotero(ref: Reference, remote: str) -> dict:
    ztype = ref.get(TYPE_FIELD)
    if ztype not in ITEM_TYPES or ztype in ("note", "attachment", "annotation"):
        ztype = BIBTEX_TYPES.get(ref.type.lower(), DEFAULT_TYPE)
    btype = TYPES.get(ztype, "misc")
    info = ITEM_TYPES[ztype]
    data: dict = {"itemType": ztype}
    for zname, home in field_homes(ztype, btype).items():
        if base_of(ztype, zname) == "date" and zname == "date":
            data[zname] = _date(ref)
        else:
            data[zname] = _get(ref, home)
    queues: dict[str, list[dict]] = {}
    allowed = creator_types(ztype)
    roles = {v: k for k, v in CREATORS.items()}
    for fname in ref.fields:
        role = roles.get(fname) or CREATOR_FIELDS.get(fname)
        if role not in allowed:
            continue
        queues[role] = [person_to_zotero(p, role) for p in ref.persons(fname) if not p.is_others]
    have = [r for r, q in queues.items() for _ in q]
    order = ref.get(ORDER_FIELD).split()
    if sorted(order) != sorted(have):
        order = _canonical_order(ztype, have)
    data["creators"] = [queues[r].pop(0) for r in order]
    tags = [{"tag": t} for t in ref.tags + _json_list(ref.get(OTHER_TAGS_FIELD)) if len(t) <= 255]
    tags += [{"tag": t, "type": 1} for t in _json_list(ref.get(AUTO_TAGS_FIELD)) if len(t) <= 255]
    data["tags"] = tags
    data["collections"] = ref.get(COLLECTIONS_FIELD).split()
    try:
        data["relations"] = json.loads(ref.get(RELATIONS_FIELD) or "{}")
    except ValueError:
        data["relations"] = {}
    if "citationKey" in info["fields"]:
        data["citationKey"] = ref.get(CITATION_KEY_FIELD) or ref.key
    extra = [latex_to_text(line) for line in ref.get(EXTRA_TEXT_FIELD).split("\n")] if ref.get(EXTRA_TEXT_FIELD) else []
    for label, (zfield, fname) in EXTRA_FIELDS.items():
        if zfield not in info["fields"] and _get(ref, fname):
            if label == "arxiv" and ref.get("eprinttype").lower() not in ("", "arxiv"):
                continue
            extra.append(f"{EXTRA_LABELS[label]}: {_get(ref, fname)}")
    data["extra"] = "\n".join(extra)
    for name in (DATE_ADDED, DATE_MODIFIED):
        if ref.get(name):
            data["dateAdded" if name == DATE_ADDED else "dateModified"] = ref.get(name)
    return data


def _canonical_order(ztype: str, roles: list[str]) -> list[str]:
    known = creator_types(ztype)
    return sorted(roles, key=lambda r: known.index(r) if r in known else len(known))


def _json_list(value: str) -> list[str]:
    try:
        items = json.loads(value) if value else []
    except ValueError:
        return [t.strip() for t in value.split(",") if t.strip()]
    return [str(t) for t in items if str(t).strip()] if isinstance(items, list) else []


def _date(ref: Reference) -> str:
    if ref.get("date"):
        return ref.text("date")
    year = ref.text("year").strip()
    if not year:
        return ""
    month = ref.text("month").strip()[:3].lower()
    low = [m.lower() for m in _MONTHS]
    if month in low:
        out = f"{year}-{low.index(month) + 1:02d}"
        day = ref.text("day").strip()
        return out + (f"-{int(day):02d}" if day.isdigit() and 1 <= int(day) <= 31 else "")
    return year


def person_to_zotero(p: Person, role: str) -> dict:
    if p.literal:
        return {"creatorType": role, "name": latex_to_text(p.literal)}
    last = latex_to_text(" ".join(x for x in (p.particle, p.family) if x))
    first = latex_to_text(p.given)
    if p.suffix:
        first = f"{first}, {latex_to_text(p.suffix)}" if first else latex_to_text(p.suffix)
    return {"creatorType": role, "firstName": first, "lastName": last}


def changed_fields(old: dict, new: dict) -> dict:
    """A partial-update body turning item `old` into `new` (``""`` clears a field).
    A changed item type sends every field of the new type."""
    if old.get("itemType") != new.get("itemType"):
        return dict(new)
    out = {}
    for name in set(old) | set(new):
        if name not in new:
            out[name] = [] if isinstance(old[name], list) else {} if isinstance(old[name], dict) else ""
        elif old.get(name) != new[name]:
            out[name] = new[name]
    return out


# -- the annotation note -----------------------------------------------------------

def annotation_key(parent_key: str) -> str:
    """The key of a parent item's annotation note: chosen from the parent's key, so
    that every copy of the library finds the same note, and a create resent after a
    lost answer cannot make a second one."""
    digest = hashlib.sha256(f"{parent_key}:annotation".encode()).digest()
    return "".join(KEY_ALPHABET[b % len(KEY_ALPHABET)] for b in digest[:8])


def new_key(seed: str | None = None) -> str:
    import secrets

    if seed is not None:
        digest = hashlib.sha256(seed.encode()).digest()
        return "".join(KEY_ALPHABET[b % len(KEY_ALPHABET)] for b in digest[:8])
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))


def note_html(text: str) -> str:
    """Plain text -> note HTML: one ``<p>`` per paragraph, ``<br>`` for a line break."""
    paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + html.escape(p.strip(), quote=False).replace("\n", "<br/>") + "</p>" for p in paras)


class _Text(HTMLParser):
    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def note_text(note: str) -> str:
    """Note HTML (as the server returns it) -> plain text (paragraphs kept)."""
    if not note:
        return ""
    parser = _Text()
    parser.feed(note)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
