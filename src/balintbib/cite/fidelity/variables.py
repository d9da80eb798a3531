"""Variables the processor supplies itself (CSL 1.0.2 Appendix IV
"Variables"): ``citation-label``."""

from __future__ import annotations

import re

#: citeproc-js's default trigraph "Aaaa00:AaAa00:AaAA00:AAAA00": how many
#: letters of each name for one, two, three, four or more names.
TRIGRAPH = ((4,), (2, 2), (2, 1, 1), (1, 1, 1, 1))
_CREATORS = ("author", "editor", "translator", "recipient", "interviewer", "composer",
             "original-author", "container-author", "collection-editor", "director")
_PARTICLE = re.compile(r"^[ '\u2019a-z]+\s+")
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.I)


def citation_label(item: dict) -> str:
    """The ``citation-label`` citeproc-js makes for an item without one: the
    first letters of the first names' family names (particles and a leading
    article dropped) after the trigraph "Aaaa00:AaAa00:AaAA00:AAAA00", and
    the last two digits of the year ("0000" without a date). Doe 1965 ->
    "Doe65", Roe and Noakes 1978 -> "RoNo78", von Dipheria, Eczema,
    Flatulence, Goiter and Hiccups 1926 -> "DEFG26" (fixtures
    ``magic_CitationLabel*``, ``disambiguate_CitationLabel*``,
    ``disambiguate_Trigraph``)."""
    label = ""
    for variable in _CREATORS:
        names = [n for n in item.get(variable) or [] if isinstance(n, dict)]
        if not names:
            continue
        widths = TRIGRAPH[min(len(names), len(TRIGRAPH)) - 1]
        for name, width in zip(names, widths):
            text = str(name.get("family") or name.get("literal") or "")
            text = _ARTICLE.sub("", _PARTICLE.sub("", text))
            text = "".join(ch for ch in text if ch.isalpha())
            if not text:
                break
            text = text[:width]
            label += text[:1].upper() + text[1:].lower()
        break
    year = "0000"
    issued = item.get("issued")
    if isinstance(issued, dict) and issued.get("date-parts") and issued["date-parts"][0]:
        year = str(issued["date-parts"][0][0])
    return label + year[-2:]
