"""XML helpers for the PubMed and EndNote readers: safe parsing, record lines,
rich text, and keeping every element no mapping used.

Parsing goes through defusedxml: a DOCTYPE is accepted (PubMed sends one) but
never fetched, and entity declarations are refused.  A file that is not
well-formed is read record by record, so the good records survive and the
bad one is reported as ``file:line: reason``.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..latex import text_to_latex
from .records import ImportProblem

_RICH = {"i": "textit", "b": "textbf", "sup": "textsuperscript", "sub": "textsubscript", "u": "underline",
         "em": "emph"}


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def text_of(elem: Element | None) -> str:
    if elem is None:
        return ""
    return " ".join("".join(elem.itertext()).split())


def rich_content(elem: Element) -> str:
    """BibTeX content of an element with inline markup (``<i>``, ``<sup>``...; MathML as its text)."""
    out = [text_to_latex(elem.text or "")]
    for child in elem:
        name = local(child.tag)
        inner = rich_content(child)
        if name in _RICH and inner.strip():
            out.append(f"\\{_RICH[name]}{{{inner}}}")
        else:
            out.append(inner)
        out.append(text_to_latex(child.tail or ""))
    return " ".join("".join(out).split())


def line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def parse(text: str, path: str, record_tags: tuple[str, ...], problems: list[ImportProblem]
          ) -> list[tuple[int, Element]]:
    """``[(line, record element)]``: the whole document if it is well-formed, else each record alone."""
    starts = [m.start() for m in re.finditer(r"<(?:%s)[\s>/]" % "|".join(record_tags), text)]
    try:
        root = fromstring(text.encode("utf-8"))
    except DefusedXmlException as exc:
        problems.append(ImportProblem(path, 1, f"refused: {exc} (entities are not read)"))
        return []
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        problems.append(ImportProblem(path, line, f"not well-formed XML ({str(exc).split(':')[0]}); "
                                      "the records around it are read one by one"))
        return _records_one_by_one(text, path, record_tags, starts, problems)
    records = [root] if local(root.tag) in record_tags else [
        e for e in root.iter() if local(e.tag) in record_tags]
    lines = [line_at(text, s) for s in starts]
    if len(lines) != len(records):
        lines = [1] * len(records)
    return list(zip(lines, records))


def _records_one_by_one(text, path, record_tags, starts, problems):
    out = []
    for i, start in enumerate(starts):
        tag = re.match(r"<(\w[\w-]*)", text[start:]).group(1)
        close = text.find(f"</{tag}>", start)
        end_next = starts[i + 1] if i + 1 < len(starts) else len(text)
        line = line_at(text, start)
        if close == -1 or close > end_next:
            problems.append(ImportProblem(path, line, f"<{tag}> is not closed; this record is not read"))
            continue
        chunk = text[start:close + len(tag) + 3]
        try:
            out.append((line, fromstring(chunk.encode("utf-8"))))
        except (ParseError, DefusedXmlException) as exc:
            pos = getattr(exc, "position", None)
            problems.append(ImportProblem(path, line + (pos[0] - 1 if pos else 0),
                                          f"not well-formed XML ({str(exc).split(':')[0]}); this record is not read"))
    return out


class Leftovers:
    """Marks elements a mapping used; `keep` then stores every other subtree as one value."""

    def __init__(self):
        self.used: set[int] = set()

    def use(self, elem: Element | None, deep: bool = True) -> Element | None:
        if elem is not None:
            if deep:
                self.used.update(id(e) for e in elem.iter())
            else:
                self.used.add(id(elem))
        return elem

    def _has_used(self, elem: Element) -> bool:
        return any(id(e) in self.used for e in elem.iter())

    def keep(self, root: Element, keep) -> None:
        """Call ``keep(tag, value)`` for every unused subtree under `root`."""
        for child in root:
            if id(child) in self.used and all(id(e) in self.used for e in child.iter()):
                continue
            if self._has_used(child):
                self.keep(child, keep)
                continue
            value = flatten(child)
            if value:
                keep(local(child.tag), value)


def _attrs(elem: Element) -> str:
    if not elem.attrib:
        return ""
    return " (" + ", ".join(f"{local(k)}={v}" for k, v in elem.attrib.items()) + ")"


def flatten(elem: Element) -> str:
    """A subtree as one line: its own text, or ``Child (attr=v): text; ...`` for its leaves."""
    if len(elem) == 0 or all(local(c.tag) in _RICH or local(c.tag) == "style" for c in elem):
        text = text_of(elem)
        return f"{text}{_attrs(elem)}" if text and len(elem) == 0 else text
    parts = []
    if (elem.text or "").strip():
        parts.append(elem.text.strip())
    for leaf in elem.iter():
        if leaf is elem:
            continue
        if len(leaf):
            if leaf.attrib:
                parts.append(f"{local(leaf.tag)}{_attrs(leaf)}")
            continue
        text = text_of(leaf)
        if text and local(leaf.tag) == "style":
            parts.append(text)  # EndNote's formatting runs: the text is the value
        elif text:
            parts.append(f"{local(leaf.tag)}{_attrs(leaf)}: {text}")
    head = _attrs(elem).strip()
    return (head + " " if head else "") + "; ".join(parts)
