"""The data tables of the Zotero mapping (`balintbib.formats.zotero`).

* `SCHEMA`: every Zotero item type (schema version 41) with its fields, the
  base field each type-specific field maps to, and its creator types (the
  primary one first); from ``zotero_schema.json`` next to this module.
* `TYPES` / `BIBTEX_TYPES`: Zotero item type <-> BibTeX/biblatex entry type.
  Where the way back would give another Zotero type, the Zotero type is kept
  in ``zotero-type``.
* `FIELDS`: a Zotero (base) field -> the BibTeX field it lives in;
  `FIELDS_BY_TYPE` overrides it per entry type.  A Zotero field with no home
  (or whose home another field of the same item type already took) lives in
  ``zotero-<field>``, so nothing is lost.
* `CREATORS`: Zotero creator type -> BibTeX name-list field (others:
  ``zotero-<creatorType>``).
* `EXTRA_FIELDS`: ``Key: value`` lines of ``extra`` that are read into fields
  when the item type has no real field for them.
"""

from __future__ import annotations

import json
from importlib import resources

SCHEMA: dict = json.loads(resources.files("balintbib.formats").joinpath("zotero_schema.json").read_text("utf-8"))
ITEM_TYPES: dict[str, dict] = SCHEMA["itemTypes"]
NOT_REFERENCES = ("note", "attachment", "annotation")

#: Zotero item type -> entry type.
TYPES: dict[str, str] = {
    "journalArticle": "article",
    "magazineArticle": "article",
    "newspaperArticle": "article",
    "book": "book",
    "bookSection": "incollection",
    "conferencePaper": "inproceedings",
    "thesis": "phdthesis",
    "report": "techreport",
    "webpage": "online",
    "blogPost": "online",
    "forumPost": "online",
    "document": "misc",
    "manuscript": "unpublished",
    "preprint": "unpublished",
    "patent": "patent",
    "computerProgram": "software",
    "dataset": "dataset",
    "film": "movie",
    "videoRecording": "video",
    "tvBroadcast": "video",
    "audioRecording": "audio",
    "podcast": "audio",
    "radioBroadcast": "audio",
    "statute": "legislation",
    "bill": "legislation",
    "case": "jurisdiction",
    "encyclopediaArticle": "inreference",
    "dictionaryEntry": "inreference",
    "standard": "standard",
    "artwork": "artwork",
    "presentation": "misc",
    "letter": "misc",
    "email": "misc",
    "instantMessage": "misc",
    "interview": "misc",
    "map": "misc",
    "hearing": "misc",
}

#: Entry type -> Zotero item type.
BIBTEX_TYPES: dict[str, str] = {
    "article": "journalArticle",
    "periodical": "journalArticle",
    "book": "book",
    "mvbook": "book",
    "booklet": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "reference": "book",
    "incollection": "bookSection",
    "inbook": "bookSection",
    "bookinbook": "bookSection",
    "suppbook": "bookSection",
    "inproceedings": "conferencePaper",
    "conference": "conferencePaper",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "online": "webpage",
    "www": "webpage",
    "electronic": "webpage",
    "webpage": "webpage",
    "misc": "document",
    "manual": "document",
    "unpublished": "manuscript",
    "patent": "patent",
    "software": "computerProgram",
    "dataset": "dataset",
    "movie": "film",
    "video": "videoRecording",
    "audio": "audioRecording",
    "music": "audioRecording",
    "legislation": "statute",
    "legal": "statute",
    "jurisdiction": "case",
    "inreference": "encyclopediaArticle",
    "standard": "standard",
    "artwork": "artwork",
    "image": "artwork",
}
DEFAULT_TYPE = "document"

#: Zotero base field -> BibTeX field.
FIELDS: dict[str, str] = {
    "title": "title",
    "abstractNote": "abstract",
    "shortTitle": "shorttitle",
    "volume": "volume",
    "issue": "number",
    "number": "number",
    "pages": "pages",
    "numPages": "pagetotal",
    "edition": "edition",
    "numberOfVolumes": "volumes",
    "series": "series",
    "seriesNumber": "number",
    "publisher": "publisher",
    "place": "address",
    "url": "url",
    "accessDate": "urldate",
    "DOI": "doi",
    "ISBN": "isbn",
    "ISSN": "issn",
    "PMID": "pmid",
    "PMCID": "pmcid",
    "language": "language",
    "journalAbbreviation": "shortjournal",
    "type": "type",
    "originalDate": "origdate",
    "originalPublisher": "origpublisher",
    "originalPlace": "origlocation",
    "versionNumber": "version",
    "medium": "howpublished",
    "conferenceName": "eventtitle",
}
#: Per entry type: where ``publicationTitle`` and ``publisher`` live.
FIELDS_BY_TYPE: dict[str, dict[str, str]] = {
    "article": {"publicationTitle": "journal"},
    "incollection": {"publicationTitle": "booktitle"},
    "inproceedings": {"publicationTitle": "booktitle"},
    "inreference": {"publicationTitle": "booktitle"},
    "online": {"publicationTitle": "organization"},
    "phdthesis": {"publisher": "school"},
    "techreport": {"publisher": "institution"},
}
#: Fields claimed first when two Zotero fields of one type want the same BibTeX field.
PRIORITY = ("issue", "number", "publicationTitle", "publisher")
PREFIX = "zotero-"

#: Zotero creator type -> BibTeX name-list field.
CREATORS: dict[str, str] = {
    "author": "author",
    "editor": "editor",
    "translator": "translator",
    "bookAuthor": "bookauthor",
}

#: ``Key: value`` lines of ``extra`` (key normalised: lower case, spaces to '-')
#: read into a field when the item type has no such Zotero field.
EXTRA_FIELDS: dict[str, tuple[str, str]] = {
    "pmid": ("PMID", "pmid"),
    "pmcid": ("PMCID", "pmcid"),
    "doi": ("DOI", "doi"),
    "isbn": ("ISBN", "isbn"),
    "issn": ("ISSN", "issn"),
    "arxiv": ("arXiv", "eprint"),
}
EXTRA_LABELS = {"pmid": "PMID", "pmcid": "PMCID", "doi": "DOI", "isbn": "ISBN", "issn": "ISSN", "arxiv": "arXiv"}

#: Item data keys that are not fields of the type.
NOT_FIELDS = ("key", "version", "itemType", "creators", "tags", "collections", "relations", "extra",
              "dateAdded", "dateModified", "deleted", "parentItem", "note", "citationKey")
#: Library fields for the server's bookkeeping (not copied into the library by a sync).
SERVER_FIELDS = ("zotero-date-added", "zotero-date-modified")

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


def base_of(item_type: str, field: str) -> str:
    return ITEM_TYPES.get(item_type, {}).get("base", {}).get(field, field)


def _field_homes(item_type: str, entry_type: str) -> dict[str, str]:
    """Zotero field of `item_type` -> BibTeX field, each BibTeX field used once."""
    info = ITEM_TYPES.get(item_type) or {"fields": [], "base": {}}
    order = sorted(info["fields"], key=lambda f: (base_of(item_type, f) not in PRIORITY,
                                                   PRIORITY.index(base_of(item_type, f))
                                                   if base_of(item_type, f) in PRIORITY else 0))
    homes: dict[str, str] = {}
    taken: set[str] = set()
    for f in order:
        if f in NOT_FIELDS:
            continue
        base = base_of(item_type, f)
        home = FIELDS_BY_TYPE.get(entry_type, {}).get(base) or FIELDS.get(base)
        if not home or home in taken:
            home = PREFIX + f.lower()  # BibTeX field names are read lower-cased
        homes[f] = home
        taken.add(home)
    return homes


_HOMES: dict[tuple[str, str], dict[str, str]] = {}


def field_homes(item_type: str, entry_type: str) -> dict[str, str]:
    key = (item_type, entry_type)
    if key not in _HOMES:
        _HOMES[key] = _field_homes(item_type, entry_type)
    return _HOMES[key]


#: ``zotero-<creatortype>`` field -> Zotero creator type (field names are lower case).
CREATOR_FIELDS: dict[str, str] = {PREFIX + c.lower(): c for t in ITEM_TYPES.values() for c in t.get("creators", [])
                                  if c not in CREATORS}


def creator_types(item_type: str) -> list[str]:
    return list(ITEM_TYPES.get(item_type, {}).get("creators", []))
