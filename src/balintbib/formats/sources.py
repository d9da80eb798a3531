"""Read any importable file: the format is found from the content, not the name.

`read_file(path)` returns a `ReadResult` (references, the line of each record,
``file:line`` problems).  Formats: RIS, MEDLINE/.nbib, PubMed XML, EndNote XML,
EndNote tagged (.enw), Web of Science tagged, CSL-JSON and BibTeX from another tool.
"""

from __future__ import annotations

import json
import os
import re

from . import bibtex, endnote_tagged, endnote_xml, medline, pubmed_xml, ris, wos
from ..latex import text_to_latex
from .csljson import CSL_TO_TYPE, from_csl
from .records import ImportFormatError, ImportProblem, ReadResult, decode_bytes

FORMAT_NAMES = {
    "ris": "RIS", "medline": "MEDLINE/.nbib", "pubmed": "PubMed XML", "enx": "EndNote XML",
    "enw": "EndNote tagged", "wos": "Web of Science", "csl-json": "CSL-JSON", "bibtex": "BibTeX",
}


def sniff(text: str) -> str | None:
    """The format name of a file's text, or None."""
    head = text.lstrip("\ufeff \t\r\n")[:5000]
    if head.startswith("<") or head.startswith("<?xml"):
        if pubmed_xml.sniff(head):
            return "pubmed"
        if endnote_xml.sniff(head):
            return "enx"
        return None
    if head[:1] in "[{":
        return "csl-json"
    if wos.sniff(text):
        return "wos"
    if ris.sniff(text):
        return "ris"
    if medline.sniff(text):
        return "medline"
    if endnote_tagged.sniff(text):
        return "enw"
    if re.search(r"^\s*@\s*\w+\s*[{(]", head, re.M):
        return "bibtex"
    return None


def read_text(text: str, path: str = "<string>", fmt: str | None = None) -> ReadResult:
    fmt = fmt or sniff(text)
    if fmt is None:
        raise ImportFormatError(f"{path}:1: not a format balintbib imports (RIS, MEDLINE/.nbib, PubMed XML, "
                                "EndNote XML or tagged, CSL-JSON, BibTeX)")
    if fmt == "ris":
        return ris.read_text(text, path)
    if fmt == "medline":
        return medline.read_text(text, path)
    if fmt == "pubmed":
        return pubmed_xml.read_text(text, path)
    if fmt == "enx":
        return endnote_xml.read_text(text, path)
    if fmt == "enw":
        return endnote_tagged.read_text(text, path)
    if fmt == "wos":
        return wos.read_text(text, path)
    if fmt == "csl-json":
        return _csl_json(text, path)
    if fmt == "bibtex":
        return _bibtex(text, path)
    raise ImportFormatError(f"unknown import format {fmt!r}")


def read_file(path: str | os.PathLike, fmt: str | None = None) -> ReadResult:
    path = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except IsADirectoryError:
        raise ImportFormatError(f"{path}: is a folder; give the files to import") from None
    except FileNotFoundError:
        raise ImportFormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read: {exc.strerror}") from None
    return read_text(decode_bytes(data), path, fmt)


def _csl_json(text: str, path: str) -> ReadResult:
    result = ReadResult(path, "csl-json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(ImportProblem(path, exc.lineno, f"not valid JSON: {exc.msg}"))
        return result
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            result.problems.append(ImportProblem(path, 1, f"item {i + 1} is not a CSL-JSON object; skipped"))
            continue
        ref = from_csl(item)
        ref.key = ""
        _crossref_extended(item, ref)
        if item.get("id") not in (None, ""):
            ref.fields.setdefault("import-csl-id", str(item["id"]))
        result.references.append(ref)
        result.lines.append(1)
    return result


def _crossref_extended(item: dict, ref) -> None:
    """Crossref's "CSL-JSON" is not CSL: its own type names and JATS abstracts are mapped
    like a Crossref work record (the original type and abstract are kept)."""
    from ..lookup.crossref import TYPES, jats_to_text

    ctype = item.get("type")
    if isinstance(ctype, str) and ctype not in CSL_TO_TYPE and ctype in TYPES:
        ref.type = TYPES[ctype]
        ref.fields["import-csl-type"] = ctype
    abstract = item.get("abstract")
    if isinstance(abstract, str) and "<jats:" in abstract:
        ref.fields["import-csl-abstract"] = text_to_latex(abstract)
        ref.fields["abstract"] = text_to_latex(jats_to_text(abstract))


def _bibtex(text: str, path: str) -> ReadResult:
    result = ReadResult(path, "bibtex")
    bf = bibtex.parse(text, path)
    for p in bf.problems:
        if p.severity == "error":
            result.problems.append(ImportProblem(path, p.line, p.message))
    for block in bf.blocks:
        if isinstance(block, bibtex.Entry):
            ref, _ = bibtex.entry_to_reference(block)
            if ref.expressions:
                for name in list(ref.expressions):
                    if name == "month":
                        continue
                    # another file's @string macros: resolved, so the entry stands alone
                    ref.set(name, text_to_latex(ref.text(name, bf.strings)))
            result.references.append(ref)
            result.lines.append(block.line)
    return result
