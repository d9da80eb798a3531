"""The handout's introduction, made true of the handout it introduces.

An introduction file is written once for the whole library, but a handout can be
a selection (``--tag``, ``--select``, ``--keys``) or printed without annotations
(``--no-annotated``).  So the file may hold:

* **placeholders**, replaced by what this handout holds: ``{count}`` (references
  in it), ``{annotated}`` (of those, how many carry an annotation),
  ``{unannotated}`` (how many do not), ``{library-count}`` (references in the
  whole library), ``{themes}`` (the section headings, in the handout's language:
  "empathy and burnout");
* **conditional paragraphs**, starting with ``[if CONDITION]`` (several
  conditions separated by commas must all hold; ``not-`` negates one):

  ``all``              the handout holds the whole library
  ``selection``        it holds a selection
  ``annotated``        annotations are printed
  ``every-annotated``  annotations are printed and every reference has one
  ``some-unannotated`` annotations are printed and some reference has none
  ``themes``           the handout is grouped by theme

Anything else in braces or brackets is text.  An unknown condition is an error
(a typo must not silently drop a paragraph).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import BalintError

CONDITIONS = ("all", "selection", "annotated", "every-annotated", "some-unannotated", "themes")
_IF = re.compile(r"^\[if\s+([^\]]+)\]\s*", re.I)
_PLACEHOLDER = re.compile(r"\{(count|annotated|unannotated|library-count|themes)\}")

#: "a, b and c" in the handout's language.
_AND = {"en": "and", "de": "und", "fr": "et", "es": "y", "it": "e", "nl": "en", "sv": "och"}


class IntroError(BalintError):
    """An introduction file with a condition balintbib does not know."""


@dataclass(frozen=True)
class IntroFacts:
    count: int
    annotated: int
    library_count: int
    whole_library: bool
    annotations_shown: bool
    themes: tuple[str, ...] = ()  # section headings when grouped by theme
    lang: str = "en"


def join_words(items, lang: str = "en") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    word = _AND.get(lang.split("-")[0].lower(), "and")
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _holds(condition: str, facts: IntroFacts) -> bool:
    negate = condition.startswith("not-")
    name = condition[4:] if negate else condition
    if name not in CONDITIONS:
        raise IntroError(f"unknown condition [if {condition}] in the introduction "
                         f"(known: {', '.join(CONDITIONS)}, each may start with not-)")
    value = {
        "all": facts.whole_library,
        "selection": not facts.whole_library,
        "annotated": facts.annotations_shown,
        "every-annotated": facts.annotations_shown and facts.annotated == facts.count,
        "some-unannotated": facts.annotations_shown and facts.annotated < facts.count,
        "themes": bool(facts.themes),
    }[name]
    return value != negate


def fill_intro(text: str, facts: IntroFacts) -> str:
    """The introduction with conditional paragraphs kept or dropped and placeholders filled."""
    values = {
        "count": str(facts.count),
        "annotated": str(facts.annotated),
        "unannotated": str(facts.count - facts.annotated),
        "library-count": str(facts.library_count),
        "themes": join_words([t[:1].lower() + t[1:] if facts.lang.startswith("en") else t
                              for t in facts.themes], facts.lang),
    }
    kept = []
    for para in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")):
        m = _IF.match(para.strip())
        if m:
            conditions = [c.strip().lower() for c in m.group(1).split(",") if c.strip()]
            if not all(_holds(c, facts) for c in conditions):
                continue
            para = para.strip()[m.end():]
        kept.append(_PLACEHOLDER.sub(lambda x: values[x.group(1)], para))
    return "\n\n".join(p for p in kept if p.strip())
