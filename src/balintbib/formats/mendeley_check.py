"""Mendeley documents as they arrive from a group: checked before they are read.

A group is shared: whatever one member (or one buggy client) stores in a
document reaches every librarian's library.  `clean_document` checks each key
against `SHAPES` (the JSON type the API documents for it), keeps what is valid,
converts what is plainly meant (a number where text is expected), and returns
one problem line for everything it had to leave out.  `clean_stash` does the
same for balintbib's own stash in ``client_data`` (entry type, field names
and BibTeX content that Mendeley cannot hold): its names must match the
patterns of `balintbib.formats.bibsafe` and its content must be BibTeX content
that reads back as written, or it is not used (Mendeley's own value stays).

Control characters (NUL included) are removed from every text value and
reported: no BibTeX value can hold them, and the sync uses none as a marker.
"""

from __future__ import annotations

import json

from ..model import REMOTE_IDS_FIELD as REMOTE_IDS
from . import bibsafe

TEXT, INT, BOOL, PEOPLE, TEXT_LIST, TEXT_MAP, JSON_TEXT = (
    "text", "integer", "true/false", "list of people", "list of text", "map of text", "JSON text")

#: Every document key balintbib reads, and the JSON shape it must have.
SHAPES: dict[str, str] = {
    "id": TEXT, "title": TEXT, "type": TEXT, "abstract": TEXT, "source": TEXT, "pages": TEXT,
    "volume": TEXT, "issue": TEXT, "publisher": TEXT, "city": TEXT, "edition": TEXT,
    "institution": TEXT, "series": TEXT, "chapter": TEXT, "revision": TEXT, "language": TEXT,
    "short_title": TEXT, "genre": TEXT, "series_editor": TEXT, "source_type": TEXT,
    "reprint_edition": TEXT, "country": TEXT, "code": TEXT, "medium": TEXT, "user_context": TEXT,
    "department": TEXT, "patent_owner": TEXT, "patent_application_number": TEXT,
    "patent_legal_status": TEXT, "accessed": TEXT, "profile_id": TEXT, "created": TEXT,
    "last_modified": TEXT, "group_id": TEXT, "citation_key": TEXT,
    "year": INT, "month": INT, "day": INT,
    "read": BOOL, "starred": BOOL, "authored": BOOL, "confirmed": BOOL, "hidden": BOOL,
    "file_attached": BOOL, "private_publication": BOOL,
    "authors": PEOPLE, "editors": PEOPLE, "translators": PEOPLE,
    "tags": TEXT_LIST, "keywords": TEXT_LIST, "websites": TEXT_LIST, "folder_uuids": TEXT_LIST,
    "identifiers": TEXT_MAP,
    "client_data": JSON_TEXT,
}
#: Keys of one person.
PERSON_KEYS = ("first_name", "last_name")


#: How a client hands on a listed item that is not a JSON object at all.
NOT_AN_OBJECT = "_not_an_object"


class BadDocument(ValueError):
    """A listing item that is not a document at all (not an object, no id)."""


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _text(value, where: str, problems: list[str]) -> str | None:
    if isinstance(value, str):
        controls = bibsafe.control_characters(value)
        if controls:
            problems.append(f"{where}: control character(s) {', '.join(controls)} removed")
            value = bibsafe.strip_controls(value)
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    problems.append(f"{where}: expected text, got {_kind(value)}; left out")
    return None


def clean_document(doc, require_id: bool = False) -> tuple[dict, list[str]]:
    """The document with only well-shaped values, and one line per thing left out.

    Raises `BadDocument` for an item that is not a document (not a JSON object,
    or an id that is not a plain id; no id at all, with `require_id`).
    """
    if isinstance(doc, dict) and NOT_AN_OBJECT in doc:
        doc = doc[NOT_AN_OBJECT]
    if not isinstance(doc, dict):
        raise BadDocument(f"a listed item is {_kind(doc)}, not a document")
    ident = doc.get("id")
    if (ident is not None or require_id) and not (
            isinstance(ident, str) and bibsafe.REMOTE_ID_PATTERN.fullmatch(ident)):
        raise BadDocument(f"a listed document has no usable id ({_kind(ident)})")
    problems: list[str] = []
    out: dict = {}
    for name, value in doc.items():
        shape = SHAPES.get(name)
        if shape is None or value is None:
            out[name] = value  # not read by balintbib (or absent): passed on untouched
            continue
        cleaned = _clean(name, shape, value, problems)
        if cleaned is not None:
            out[name] = cleaned
    return out, problems


def _clean(name: str, shape: str, value, problems: list[str]):
    if shape == TEXT:
        return _text(value, name, problems)
    if shape == INT:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        problems.append(f"{name}: expected a whole number, got {_kind(value)}; left out")
        return None
    if shape == BOOL:
        if isinstance(value, bool):
            return value
        problems.append(f"{name}: expected true/false, got {_kind(value)}; left out")
        return None
    if shape == PEOPLE:
        if not isinstance(value, list):
            problems.append(f"{name}: expected a list of people, got {_kind(value)}; left out")
            return None
        people = []
        for i, p in enumerate(value, 1):
            where = f"{name}[{i}]"
            if not isinstance(p, dict):
                problems.append(f"{where}: expected a person, got {_kind(p)}; left out")
                continue
            person = {k: v for k, v in p.items() if k not in PERSON_KEYS}
            for k in PERSON_KEYS:
                if p.get(k) is not None:
                    text = _text(p[k], f"{where}.{k}", problems)
                    if text is not None:
                        person[k] = text
            if not (person.get("first_name") or "").strip() and not (person.get("last_name") or "").strip():
                problems.append(f"{where}: a person without a name; left out")
                continue
            people.append(person)
        return people or None
    if shape == TEXT_LIST:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            problems.append(f"{name}: expected a list of text, got {_kind(value)}; left out")
            return None
        items = [_text(v, f"{name}[{i}]", problems) for i, v in enumerate(value, 1)]
        return [v for v in items if v is not None]
    if shape == TEXT_MAP:
        if not isinstance(value, dict):
            problems.append(f"{name}: expected an object, got {_kind(value)}; left out")
            return None
        out = {}
        for k, v in value.items():
            if not bibsafe.FIELD_NAME_PATTERN.fullmatch(str(k)):
                problems.append(f"{name}: the name {str(k)[:40]!r} is not usable; left out")
                continue
            if v is None:
                continue
            text = _text(v, f"{name}.{k}", problems)
            if text is not None:
                out[k] = text
        return out
    if shape == JSON_TEXT:
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return _text(value, name, problems)
    return value


def clean_stash(stash) -> tuple[dict | None, list[str]]:
    """balintbib's stash from ``client_data``: only entries that are safe to use."""
    where = "client_data"
    if stash is None:
        return None, []
    if not isinstance(stash, dict):
        return None, [f"{where}: balintbib's data is {_kind(stash)}, not an object; not used"]
    problems: list[str] = []
    out: dict = {}
    kind = stash.get("type")
    if kind is not None:
        if (isinstance(kind, list) and len(kind) == 2 and all(isinstance(k, str) for k in kind)
                and all(bibsafe.TYPE_PATTERN.fullmatch(k) and k.lower() not in bibsafe.NOT_ENTRY_TYPES
                        for k in kind)):
            out["type"] = kind
        else:
            problems.append(f"{where}: the stored entry type {str(kind)[:60]!r} is not a BibTeX type; not used")
    fields = stash.get("fields")
    if fields is not None:
        if not isinstance(fields, dict):
            problems.append(f"{where}: the stored fields are {_kind(fields)}, not an object; not used")
        else:
            good = {}
            for name, item in fields.items():
                why = _field_problem(name, item)
                if why:
                    problems.append(f"{where}: stored {why}; not used")
                else:
                    good[name] = item
            if good:
                out["fields"] = good
    absent = stash.get("absent")
    if absent is not None:
        if isinstance(absent, dict):
            good_absent = {k: v for k, v in absent.items()
                           if isinstance(k, str) and bibsafe.FIELD_NAME_PATTERN.fullmatch(k) and isinstance(v, str)}
            if len(good_absent) != len(absent):
                problems.append(f"{where}: some stored absent fields are not usable; not used")
            if good_absent:
                out["absent"] = good_absent
        else:
            problems.append(f"{where}: the stored absent fields are {_kind(absent)}; not used")
    ids = stash.get("remote_ids")
    if ids is not None:
        if isinstance(ids, dict):
            good_ids = {k: v for k, v in ids.items() if isinstance(k, str) and isinstance(v, str)
                        and bibsafe.REMOTE_NAME_PATTERN.fullmatch(k) and bibsafe.REMOTE_ID_PATTERN.fullmatch(v)}
            if len(good_ids) != len(ids):
                problems.append(f"{where}: some stored remote ids are not usable; not used")
            if good_ids:
                out["remote_ids"] = good_ids
        else:
            problems.append(f"{where}: the stored remote ids are {_kind(ids)}; not used")
    return out, problems


def _field_problem(name, item) -> str | None:
    label = f"field {str(name)[:40]!r}"
    if not isinstance(name, str) or not bibsafe.FIELD_NAME_PATTERN.fullmatch(name):
        return f"{label} is not a BibTeX field name"
    if name == REMOTE_IDS:
        return f"{label} is the link field (never taken from a document)"
    if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
            and isinstance(item[1], bool) and (item[2] is None or isinstance(item[2], str))):
        return f"{label} is not [content, is-expression, Mendeley's value]"
    if bibsafe.control_characters(item[0]):
        return f"{label} holds control characters"
    return bibsafe.value_problem(name, item[0], item[1])
