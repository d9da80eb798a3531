"""Mendeley document JSON <-> `balintbib.model.Reference`.

Everything is driven by the data tables below:

* `TYPES`: the 20 Mendeley document types and their BibTeX/biblatex entry
  types; `BIBTEX_TYPES` maps every other entry type to its nearest Mendeley type.
* `TEXT_FIELDS`: Mendeley string fields and the BibTeX field each lives in.
  Mendeley-only fields go to ``mendeley-*`` fields so that nothing is lost.
* `SOURCE_FIELDS`: where Mendeley's ``source`` goes, by entry type
  (journal for articles, booktitle for chapters and papers...).
* `INT_FIELDS`, `FLAG_FIELDS`, `PERSON_FIELDS_MAP`, `LIST_FIELDS`,
  `IDENTIFIERS`: numbers, client-view booleans, people, lists, identifiers.

Tags: the model's tags (BibTeX ``keywords``) are Mendeley's ``tags``;
Mendeley's ``keywords`` (author keywords) go to ``mendeley-keywords``.
``websites`` -> ``url`` (first) + ``mendeley-websites`` (the others),
``accessed`` -> ``urldate``, the group note -> ``annotation``, the Mendeley id
-> ``Reference.set_remote_id(remote, id)``.  ``last_modified`` is sync state,
not a field: `from_mendeley` returns it alongside the reference.

Lossless both ways:

* Mendeley -> model -> Mendeley keeps every mapped field (the contract tests
  fail on any recorded field that is not in these tables).
* model -> Mendeley -> model keeps every field: what Mendeley cannot express
  (an entry type, a field with no Mendeley home, content that would not come
  back identical) is kept in the document's ``client_data`` JSON under the key
  ``"balintbib"`` and restored on the way back.  Other keys of ``client_data``
  (Mendeley Desktop's own) are kept untouched.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from ..model import ANNOTATION_FIELD, REMOTE_IDS_FIELD, Person, Reference, split_list
from ..model import VERBATIM_FIELDS as MODEL_VERBATIM
from .bibsafe import balance, balanced, unbalance, control_characters, strip_controls
from .mendeley_check import BadDocument, clean_document, clean_stash  # noqa: F401  (BadDocument re-exported)
from .stash import losses, restore

# -- data tables ----------------------------------------------------------------

#: Mendeley type -> BibTeX/biblatex entry type.
TYPES: dict[str, str] = {
    "journal": "article",
    "book": "book",
    "generic": "misc",
    "book_section": "incollection",
    "conference_proceedings": "inproceedings",
    "working_paper": "unpublished",
    "report": "techreport",
    "web_page": "online",
    "thesis": "phdthesis",
    "magazine_article": "article",
    "statute": "legislation",
    "patent": "patent",
    "newspaper_article": "article",
    "computer_program": "software",
    "hearing": "misc",
    "television_broadcast": "video",
    "encyclopedia_article": "inreference",
    "case": "jurisdiction",
    "film": "movie",
    "bill": "legislation",
}

#: BibTeX/biblatex entry type -> Mendeley type (the inverse, plus every other
#: common entry type).  Where two Mendeley types share an entry type, the
#: Mendeley type is kept in the field ``mendeley-type``.
BIBTEX_TYPES: dict[str, str] = {
    "article": "journal",
    "book": "book",
    "mvbook": "book",
    "booklet": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "reference": "book",
    "manual": "generic",
    "misc": "generic",
    "incollection": "book_section",
    "inbook": "book_section",
    "bookinbook": "book_section",
    "suppbook": "book_section",
    "inproceedings": "conference_proceedings",
    "conference": "conference_proceedings",
    "unpublished": "working_paper",
    "techreport": "report",
    "report": "report",
    "online": "web_page",
    "www": "web_page",
    "electronic": "web_page",
    "webpage": "web_page",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "legislation": "statute",
    "legal": "statute",
    "patent": "patent",
    "software": "computer_program",
    "video": "television_broadcast",
    "inreference": "encyclopedia_article",
    "jurisdiction": "case",
    "movie": "film",
    "periodical": "journal",
    "suppperiodical": "journal",
    "dataset": "generic",
    "artwork": "generic",
    "audio": "generic",
    "image": "generic",
    "music": "generic",
    "performance": "generic",
    "standard": "report",
}

#: Where ``source`` lives, by entry type; any other type uses ``mendeley-source``.
SOURCE_FIELDS: dict[str, str] = {
    "article": "journal",
    "incollection": "booktitle",
    "inproceedings": "booktitle",
    "inreference": "booktitle",
    "online": "organization",
    "misc": "howpublished",
    "video": "organization",
}
DEFAULT_SOURCE_FIELD = "mendeley-source"

#: Mendeley string field -> BibTeX field (content converted via text/set_text).
TEXT_FIELDS: dict[str, str] = {
    "title": "title",
    "abstract": "abstract",
    "pages": "pages",
    "volume": "volume",
    "issue": "number",
    "publisher": "publisher",
    "city": "address",
    "edition": "edition",
    "series": "series",
    "chapter": "chapter",
    "revision": "version",
    "language": "language",
    "short_title": "shorttitle",
    "genre": "type",
    "series_editor": "mendeley-series-editor",
    "source_type": "mendeley-source-type",
    "reprint_edition": "mendeley-reprint-edition",
    "country": "mendeley-country",
    "code": "mendeley-code",
    "medium": "mendeley-medium",
    "user_context": "mendeley-user-context",
    "department": "mendeley-department",
    "patent_owner": "holder",
    "patent_application_number": "mendeley-patent-application-number",
    "patent_legal_status": "mendeley-patent-legal-status",
    "accessed": "urldate",
    "profile_id": "mendeley-profile-id",
    "created": "mendeley-created",
}
#: ``institution`` is the school of a thesis and the institution otherwise.
INSTITUTION_FIELDS: dict[str, str] = {"phdthesis": "school", "mastersthesis": "school", "thesis": "school"}
DEFAULT_INSTITUTION_FIELD = "institution"

#: Integer fields.
INT_FIELDS: dict[str, str] = {"year": "year", "month": "month", "day": "day"}
MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

#: Client-view booleans.
FLAG_FIELDS: dict[str, str] = {
    "read": "mendeley-read",
    "starred": "mendeley-starred",
    "authored": "mendeley-authored",
    "confirmed": "mendeley-confirmed",
    "hidden": "mendeley-hidden",
    "file_attached": "mendeley-file-attached",
    "private_publication": "mendeley-private-publication",
}

#: People lists.
PERSON_FIELDS_MAP: dict[str, str] = {"authors": "author", "editors": "editor", "translators": "translator"}

#: Lists of strings (other than tags and websites), kept comma-separated.
LIST_FIELDS: dict[str, str] = {"keywords": "mendeley-keywords", "folder_uuids": "mendeley-folders"}

#: Mendeley identifier -> BibTeX field.
IDENTIFIERS: dict[str, str] = {
    "doi": "doi",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "isbn": "isbn",
    "issn": "issn",
    "arxiv": "eprint",
    "scopus": "scopus",
    "ssrn": "ssrn",
    "pui": "mendeley-pui",
    "sgr": "mendeley-sgr",
    "pii": "mendeley-pii",
}
IDENTIFIER_PREFIX = "mendeley-id-"  # identifiers not in the table

#: Fields whose content is verbatim (no LaTeX decoding): URLs and identifiers.
VERBATIM_FIELDS = MODEL_VERBATIM | {"mendeley-websites", "mendeley-created", "mendeley-profile-id",
                                    "mendeley-folders"}

#: Fields that are server state and never written back.
READ_ONLY = ("id", "created", "last_modified", "profile_id", "group_id", "file_attached")
#: Keys that are not document fields at all.
NOT_FIELDS = ("id", "last_modified", "group_id")

MENDELEY_TYPE_FIELD = "mendeley-type"
CLIENT_DATA_FIELD = "mendeley-client-data"
STASH_KEY = "balintbib"

#: Every Mendeley document key this module understands (the contract tests
#: fail when a recorded key is missing here).
MAPPED_KEYS = frozenset(
    set(TEXT_FIELDS) | set(INT_FIELDS) | set(FLAG_FIELDS) | set(PERSON_FIELDS_MAP) | set(LIST_FIELDS)
    | {"type", "source", "institution", "identifiers", "tags", "websites", "citation_key",
       "client_data"} | set(NOT_FIELDS)
)


@dataclass
class MendeleyDocument:
    """A reference read from Mendeley, with its sync state."""

    reference: Reference
    id: str
    last_modified: str  # the server's version of the document ("" when absent)
    #: What could not be taken from the document as it is (one line each; see `mendeley_check`).
    problems: list[str] = field(default_factory=list)


# -- Mendeley -> model -----------------------------------------------------------

def from_mendeley(doc: dict, remote: str = "mendeley", note: str | None = None,
                  key: str | None = None) -> MendeleyDocument:
    """One Mendeley document (any view) -> Reference (+ id and last_modified).

    `note` is the document's group annotation text, if any.  A value of the
    wrong shape (see `mendeley_check`) is left out and named in ``problems``;
    a document that is not one raises `BadDocument`.
    """
    doc, problems = clean_document(doc)
    ref = _from_mendeley(doc, key, problems)
    stash, more = clean_stash(_read_stash(doc.get("client_data")))
    problems += more
    if note and control_characters(note):
        problems.append(f"group note: control character(s) {', '.join(control_characters(note))} removed")
        note = strip_controls(note)
    if stash:
        restore(ref, stash)
        for other, ident in sorted((stash.get("remote_ids") or {}).items()):
            if other != remote:
                ref.set_remote_id(other, ident)
    if note:
        ref.annotation = note
    if doc.get("id"):
        ref.set_remote_id(remote, str(doc["id"]))
    return MendeleyDocument(ref, str(doc.get("id", "")), str(doc.get("last_modified", "")), problems)


def _set_text(ref: Reference, name: str, value: str | None) -> None:
    if value is None or value == "":
        return
    if name in VERBATIM_FIELDS:
        ref.set(name, value)
    else:
        ref.set_text(name, value)


def _text(ref: Reference, name: str) -> str:
    if name in VERBATIM_FIELDS and name not in ref.expressions:
        return unbalance(ref.get(name))
    return ref.text(name)


def _from_mendeley(doc: dict, key: str | None = None, problems: list[str] | None = None) -> Reference:
    mtype = doc.get("type") or "generic"
    btype = TYPES.get(mtype, "misc")
    ref = Reference(key or doc.get("citation_key") or make_key(doc), btype)
    if BIBTEX_TYPES.get(btype) != mtype:
        ref.set(MENDELEY_TYPE_FIELD, mtype)
    for mname, fname in PERSON_FIELDS_MAP.items():
        people = doc.get(mname)
        if people:
            ref.set_persons(fname, [person_from_mendeley(p) for p in people])
    for mname, fname in TEXT_FIELDS.items():
        value = doc.get(mname)
        if value is not None and not isinstance(value, str):
            value = str(value)
        _set_text(ref, fname, value)
    if doc.get("source"):
        _set_text(ref, SOURCE_FIELDS.get(btype, DEFAULT_SOURCE_FIELD), doc["source"])
    if doc.get("institution"):
        _set_text(ref, INSTITUTION_FIELDS.get(btype, DEFAULT_INSTITUTION_FIELD), doc["institution"])
    for mname, fname in INT_FIELDS.items():
        value = doc.get(mname)
        if value is None:
            continue
        if mname == "month" and isinstance(value, int) and 1 <= value <= 12:
            ref.fields[fname] = MONTH_MACROS[value - 1]
            ref.expressions.add(fname)
        else:
            ref.set(fname, str(value))
    for mname, fname in FLAG_FIELDS.items():
        if mname in doc and doc[mname] is not None:
            ref.set(fname, "true" if doc[mname] else "false")
    for mname, fname in LIST_FIELDS.items():
        if doc.get(mname):
            _set_text(ref, fname, ", ".join(doc[mname]))
    if doc.get("tags"):
        ref.tags = [strip_controls(t) for t in doc["tags"]]  # a library's own control character: kept by the stash
    websites = [w for w in doc.get("websites") or [] if w]
    if websites:
        ref.set("url", websites[0])
        if len(websites) > 1:
            ref.set("mendeley-websites", " ".join(websites[1:]))
    for ident, value in (doc.get("identifiers") or {}).items():
        if value:
            _set_text(ref, IDENTIFIERS.get(ident, IDENTIFIER_PREFIX + ident), str(value))
            if ident == "arxiv":
                ref.set("eprinttype", "arxiv")
    client_data = doc.get("client_data")
    if client_data:
        rest = _without_stash(client_data)
        if rest:
            ref.set(CLIENT_DATA_FIELD, rest)
    for name, content in list(ref.fields.items()):  # verbatim values come as sent: no stray brace may close the entry
        if name not in ref.expressions and not balanced(content):
            ref.fields[name] = balance(content)
            if problems is not None:
                problems.append(f"{name}: unbalanced braces kept as \\textbraceleft{{}}/\\textbraceright{{}}")
    return ref


def person_from_mendeley(p: dict) -> Person:
    from ..latex import text_to_latex

    first = (p.get("first_name") or "").strip()
    last = (p.get("last_name") or "").strip()
    if not first and " " in last:
        return Person(literal=text_to_latex(last))
    suffix = ""
    if ", " in last:
        last, suffix = last.split(", ", 1)
    return Person(family=_protect(text_to_latex(last)), given=text_to_latex(first), suffix=text_to_latex(suffix))


def _protect(family: str) -> str:
    """Brace a family name BibTeX would split (``van Roy`` stays one name)."""
    if " " in family and not family.startswith("{"):
        return "{" + family + "}"
    return family


def make_key(doc: dict) -> str:
    """A citation key from the first author's family name and the year."""
    people = doc.get("authors") or doc.get("editors") or []
    name = (people[0].get("last_name") or "") if people else ""
    if not name:
        name = (doc.get("title") or "anon").split()[0] if (doc.get("title") or "").split() else "anon"
    base = unicodedata.normalize("NFKD", name)
    base = re.sub(r"[^A-Za-z0-9]", "", base.encode("ascii", "ignore").decode()) or "ref"
    return f"{base}{doc.get('year') or ''}" + (f"-{str(doc['id'])[:8]}" if doc.get("id") else "")


# -- model -> Mendeley -----------------------------------------------------------

def to_mendeley(ref: Reference, remote: str = "mendeley") -> dict:
    """Reference -> Mendeley document JSON (all views' fields, read-only ones included).

    What Mendeley cannot hold is stashed in ``client_data`` (see the module
    docstring), so that `from_mendeley` gives back the same reference.
    Use `writable` before sending.
    """
    doc = _to_mendeley(ref, remote)
    back = _from_mendeley(doc, key=ref.key)
    restore(back, clean_stash(_read_stash(doc.get("client_data")))[0] or {})
    if note := ref.fields.get(ANNOTATION_FIELD):
        back.fields[ANNOTATION_FIELD] = note
    if REMOTE_IDS_FIELD in ref.fields:
        back.fields[REMOTE_IDS_FIELD] = ref.fields[REMOTE_IDS_FIELD]
    stash = losses(ref, back, remote)
    if stash:
        doc["client_data"] = _with_stash(doc.get("client_data"), stash)
    return doc


def _to_mendeley(ref: Reference, remote: str) -> dict:
    doc: dict = {}
    rid = ref.remote_ids.get(remote)
    if rid:
        doc["id"] = rid
    mtype = ref.get(MENDELEY_TYPE_FIELD)
    if mtype not in TYPES:
        mtype = BIBTEX_TYPES.get(ref.type, "generic")
    doc["type"] = mtype
    for mname, fname in PERSON_FIELDS_MAP.items():
        people = [person_to_mendeley(p) for p in ref.persons(fname) if not p.is_others]
        if people:
            doc[mname] = people
    for mname, fname in TEXT_FIELDS.items():
        value = _text(ref, fname)
        if value:
            doc[mname] = value
    source = _text(ref, SOURCE_FIELDS.get(ref.type, DEFAULT_SOURCE_FIELD))
    if source:
        doc["source"] = source
    inst = _text(ref, INSTITUTION_FIELDS.get(ref.type, DEFAULT_INSTITUTION_FIELD))
    if inst:
        doc["institution"] = inst
    for mname, fname in INT_FIELDS.items():
        number = _int_value(ref, fname)
        if number is not None:
            doc[mname] = number
    for mname, fname in FLAG_FIELDS.items():
        value = ref.get(fname)
        if value in ("true", "false"):
            doc[mname] = value == "true"
    for mname, fname in LIST_FIELDS.items():
        items = split_list(_text(ref, fname))
        if items:
            doc[mname] = items
    if ref.tags:
        doc["tags"] = ref.tags
    websites = [w for w in [ref.get("url")] + ref.get("mendeley-websites").split() if w]
    if websites and "url" not in ref.expressions:
        doc["websites"] = websites
    identifiers = {}
    for ident, fname in IDENTIFIERS.items():
        if ident == "arxiv" and ref.get("eprinttype").lower() not in ("", "arxiv"):
            continue
        value = _text(ref, fname)
        if value:
            identifiers[ident] = value
    for fname in ref.fields:
        if fname.startswith(IDENTIFIER_PREFIX):
            identifiers[fname[len(IDENTIFIER_PREFIX):]] = _text(ref, fname)
    if identifiers:
        doc["identifiers"] = identifiers
    doc["citation_key"] = ref.key
    if ref.get(CLIENT_DATA_FIELD):
        doc["client_data"] = ref.get(CLIENT_DATA_FIELD)
    if "title" not in doc:
        doc["title"] = ""
    return doc


def person_to_mendeley(p: Person) -> dict:
    from ..latex import latex_to_text

    if p.literal:
        return {"last_name": latex_to_text(p.literal)}
    last = " ".join(x for x in (p.particle, p.family) if x)
    last = latex_to_text(last)
    if p.suffix:
        last = f"{last}, {latex_to_text(p.suffix)}"
    out = {"first_name": latex_to_text(p.given)} if p.given else {}
    out["last_name"] = last
    return out


def _int_value(ref: Reference, fname: str) -> int | None:
    text = ref.text(fname).strip()
    if not text:
        return None
    if fname == "month":
        low = text[:3].lower()
        if low in MONTH_MACROS:
            return MONTH_MACROS.index(low) + 1
    if text.isdigit():
        return int(text)
    return None


def writable(doc: dict) -> dict:
    """The document without server-managed fields (what POST/PATCH may send)."""
    return {k: v for k, v in doc.items() if k not in READ_ONLY}


def changed_fields(old: dict, new: dict) -> dict:
    """A PATCH body: fields of `new` that differ from `old`; ``None`` clears a field."""
    out = {}
    for name in set(old) | set(new):
        if name in READ_ONLY:
            continue
        if name not in new:
            out[name] = None
        elif old.get(name) != new[name]:
            out[name] = new[name]
    return out


# -- the stash in client_data -----------------------------------------------------

def _parse_client_data(value) -> tuple[dict | None, str | None]:
    if not value:
        return None, None
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except (ValueError, RecursionError):
            return None, value
        if isinstance(data, dict):
            return data, None
    return None, value if isinstance(value, str) else json.dumps(value)


def _read_stash(value):
    data, _ = _parse_client_data(value)
    return data.get(STASH_KEY) if data else None


def _without_stash(value) -> str:
    data, raw = _parse_client_data(value)
    if data is None:
        return raw or ""
    if isinstance(data.get("_original"), str) and set(data) <= {"_original", STASH_KEY}:
        return data["_original"]
    rest = {k: v for k, v in data.items() if k != STASH_KEY}
    if STASH_KEY not in data:
        return value
    return json.dumps(rest, separators=(",", ":"), ensure_ascii=False) if rest else ""


def _with_stash(value, stash: dict) -> str:
    data, raw = _parse_client_data(value)
    if data is None:
        data = {"_original": raw} if raw else {}
    data = {k: v for k, v in data.items() if k != STASH_KEY}
    data[STASH_KEY] = stash
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


# -- annotations ------------------------------------------------------------------

def note_to_mendeley(ref: Reference, document_id: str) -> dict | None:
    """The group annotation to send for a reference (None when it has none)."""
    text = ref.annotation
    if not text:
        return None
    return {"document_id": document_id, "text": text, "privacy_level": "group"}
