"""Name parts (CSL 1.0.2 "Name-part Order", "Name-part Formatting",
"initialize-with", particles): how one personal name prints. Given names
become initials, particles and suffixes written into the name parts are split
off as citeproc-js parses them, and the parts are put in display or sort
order. Lists of names, et-al and substitution are in :mod:`.names`."""

from __future__ import annotations

import re

from citeproc.string import String

from .punctuation import SEAL, thin_spaces

# Character classes citeproc-js uses when it initializes a given name (its
# NAME_INITIAL, ROMANESQUE and STARTSWITH_ROMANESQUE patterns): which words
# can become an initial, which are left as written.
_INITIAL_FIRST = ("A-Z\u0e01-\u0e5b\u00c0-\u017f\u0400-\u042f\u0590-\u05d4\u05d6-\u05ff"
                  "\u0600-\u06ff\u0370\u0372\u0376\u0386\u0388-\u03ab\u03e2\u03e4\u03e6"
                  "\u03e8\u03ea\u03ec\u03ee\u03f4\u03f7\u03fd-\u03ff")
_INITIAL_REST = "a-zA-Z\u0e01-\u0e5b\u00c0-\u017f\u0400-\u052f\u0600-\u06ff\u0370-\u03ff\u1f00-\u1fff"
_NAME_WORD = re.compile(f"([{_INITIAL_FIRST}])([{_INITIAL_REST}]*)(\\.)?")
_LETTERS = ("a-zA-Z\u0e01-\u0e5b\u00c0-\u017f\u0370-\u03ff\u0400-\u052f\u0590-\u05d4"
            "\u05d6-\u05ff\u1f00-\u1fff\u0600-\u06ff\u200c\u200d\u200e\u0218-\u021b"
            "\u202a-\u202e")
_HAS_LETTER = re.compile(f"[-0-9{_LETTERS}]")
_STARTS_LETTER = re.compile(f"[&{_LETTERS}]")
# what separates the words of a given name: spaces and hyphens, and inline
# markup tags with the spaces or hyphens around them
_GIVEN_SEPARATOR = re.compile(
    r'(?:[-\s]*</*(?:span class="no(?:case|decor)"|i|sc|b|sub|sup)>[-\s]*|[-\s]+)')
_TAG = re.compile(r"-*<[^>]+>-*")
_TAGS = re.compile(r"(?:<[^>]+>)+")
_END_SPACE = re.compile("[\t\n\x0b\x0c\r \ufeff\u00a0]+$")
_SPACES = re.compile("[\t\n\x0b\x0c\r ]+")


def initialize_given(given: str, initialize_with: str, initialize: bool, hyphen: bool) -> str:
    """CSL 1.0.2 "initialize-with" / "initialize", as citeproc-js applies them
    to a given name (or a suffix), word by word; words are separated by
    spaces and hyphens.

    - A word that starts with a capital letter becomes its initial followed
      by ``initialize-with`` ("Frederic William" -> "F. W."); the capitals
      right after it stay when lower-case letters follow ("TSerendorjiin" ->
      "Ts.", "JOHN" -> "J."); an initial with a period keeps its letters
      ("Th." -> "Th.").
    - A word that starts with a lower-case letter or with punctuation is left
      as written: machine-made data prints "Bazin,  a." where the given name
      is "a.", and "T. L. (Frank)" stays "T. L. (Frank)" while "Frederic W.
      (Frederic William)" prints "F. W. (Frederic W." (the word "William)"
      starts with a capital).
    - A hyphen between two initials stays ("Marie-Jeanne" -> "M.-J."); one
      before a lower-case word drops it when initialized ("Seung-jin" ->
      "S."); with ``initialize-with-hyphen="false"`` hyphens are spaces.
    - With ``initialize="false"`` (or for a suffix) only words that are
      already initials ("J", "J.", "Jr.") get the punctuation: "John Q" ->
      "John Q.", "H.-M." -> "H. M.".
    - A given name of one word that is a single capital gets a period first
      ("J" -> "J. "); "Lord" and "Lady" never change, nor does a name that
      does not start with a letter."""
    if not given:
        return ""
    if given in ("Lord", "Lady") or (
            not _STARTS_LETTER.match(re.sub(r"^(?:<[^>]+>)*", "", given))
            and "%s" not in initialize_with):
        return given
    if not hyphen:
        given = given.replace("-", " ")
    given = re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", given))
    given = re.sub("-([a-z])", "\u2013\\1", given)  # a lower-case word after a hyphen
    given = re.sub(r"\.(?=[^ ])", ". ", given)  # "J.Q." is "J. Q."
    words = _GIVEN_SEPARATOR.split(given)
    separators = _GIVEN_SEPARATOR.findall(given)
    if not separators:
        last = re.search(r"[^.]+$", words[0])
        if last and len(last.group(0)) == 1 and last.group(0) != last.group(0).lower():
            words[0] += "."
    parts = [words[0]]
    for separator, word in zip(separators, words[1:]):
        parts += [separator, word]
    text = (_initialize_words if initialize else _normalize_initials)(parts, initialize_with)
    return text.replace("\u2013", "-")


def _with_tags(separator: str, punctuation: str) -> str:
    """The punctuation after an initial, keeping inline markup tags that stood
    in the separator (before the punctuation's trailing space)."""
    tags = _TAG.findall(separator)
    if not tags:
        return punctuation
    body = punctuation.rstrip()
    return body + "".join(tags) + punctuation[len(body):]


def _finish_initials(parts: list[str]) -> str:
    text = _END_SPACE.sub("", "".join(parts))
    return _SPACES.sub(" ", re.sub(r"\s*-\s*", "-", text))


def _initialize_words(parts: list[str], mark: str) -> str:
    """``initialize="true"``: each word that starts with a capital becomes an
    initial (see :func:`initialize_given`); ``parts`` alternates words and
    separators."""
    count = len(parts)
    for i in range(0, count, 2):
        word = parts[i]
        if not word:
            continue
        match = _NAME_WORD.match(word)
        head = rest = ""
        if match:
            head, rest = match.group(1), match.group(2)
            if rest and match.group(3):
                head, rest = head + rest, ""  # "Th." stays "Th."
        elif not _STARTS_LETTER.match(word) and len(word) > 1 and "%s" in mark:
            head, rest = word[0], word[1:]
        if head and head[0] == head[0].upper():
            capitals = 0
            while capitals < len(rest) and rest[capitals] == rest[capitals].upper():
                capitals += 1
            initial = head + (rest[:capitals].lower() if capitals < len(rest) else "")
            if "%s" in mark:
                parts[i] = mark.replace("%s", initial, 1)
            else:
                parts[i] = initial
                if i < count - 1:
                    separator = parts[i + 1]
                    if "-" in separator:
                        parts[i + 1] = _with_tags(separator.replace("-", "", 1), mark) + "-"
                    else:
                        parts[i + 1] = _with_tags(separator, mark)
                else:
                    parts.append(mark)
        elif _HAS_LETTER.search(word) and not (match and match.group(3)):
            parts[i] = " " + word
    return _finish_initials(parts)


def _normalize_initials(parts: list[str], mark: str) -> str:
    """``initialize="false"`` (and suffixes): words that are initials already
    ("J", "J.", "Jr.") get the ``initialize-with`` punctuation, full words stay
    (see :func:`initialize_given`); ``parts`` alternates words and separators."""
    abbreviation = []
    for i, part in enumerate(parts):
        bare = _TAGS.sub("", part, count=1) if part.startswith("<") else part
        if len(bare) > 1 and bare.endswith("."):
            head, dot, tail = part.rpartition(".")
            parts[i] = head + tail
            abbreviation.append(True)
        else:
            abbreviation.append(len(part) == 1 and part.upper() == part)
    for i in range(0, len(parts), 2):
        if not abbreviation[i]:
            continue
        if i < len(parts) - 2:
            tags = _TAGS.search(parts[i + 1])
            separator = tags.group(0) if tags else parts[i + 1]
            if not abbreviation[i + 2]:
                separator += " "
            if len(parts[i + 2]) > 1:
                parts[i + 1] = re.sub("\ufeff$", "", mark) + separator
            else:
                parts[i + 1] = _with_tags(separator, mark)
        if i == len(parts) - 1:
            parts[i] += mark
    return _finish_initials(parts)


_FAMILY_PARTICLE = re.compile(r"^([^ ]+(?:-|\u02bb|\u2019| |') *)(.+)$", re.S)
_GIVEN_PARTICLE = re.compile(r"^([^ ]+(?:\u02bb |\u2019 | |' ) *)(.+)$", re.S)  # on the reversed text
_SUFFIX_COMMA = re.compile(r"\s*,!*\s*")


def _is_particle(piece: str) -> bool:
    first = piece.lstrip("-'\u02bb\u2019 \t\n")[:1]
    return bool(first) and first.upper() != first


def parse_particles(name: dict) -> dict:
    """Particles and a suffix written into the name parts, split off as
    citeproc-js does before it renders a personal name that has a family and
    a given name, no ``non-dropping-particle`` and no quoted family (CSL-JSON
    ``parse-names``): leading lower-case words of the family name become the
    non-dropping particle (``{de Broglie}`` from BibTeX reaches CSL as family
    "de Broglie": Chicago prints "Broglie, Louis de", APA "de Broglie, L.");
    what follows a comma in the given name becomes the suffix ("John, III";
    "John,! Jr." for a comma before it, fixtures ``magic_NameSuffix*``);
    trailing lower-case words of the given name become the dropping particle
    ("Ludwig van"). A name with a particle already (or ``static-particles``,
    ``parse-names: false``) keeps its parts as written, commas included:
    given "Tanabe, Ryoji" initializes to "T. R."."""
    family, given = name.get("family"), name.get("given")
    if (not isinstance(family, str) or not isinstance(given, str) or not family or not given
            or name.get("non-dropping-particle") or name.get("static-particles")
            or name.get("parse-names") in (False, 0, "false")
            or (len(family) > 1 and family[0] == family[-1] == '"')):
        return name
    name = dict(name)
    particles, rest = "", family
    match = _FAMILY_PARTICLE.match(rest)
    while match and _is_particle(match.group(1)):
        particles += match.group(1)
        rest = match.group(2)
        match = _FAMILY_PARTICLE.match(rest)
    if particles:
        trimmed = particles.strip()
        if particles.endswith(" ") and trimmed.endswith(("'", "\u2019")):
            trimmed += " "
        name["family"], name["non-dropping-particle"] = rest, trimmed
    comma = _SUFFIX_COMMA.search(given)
    if comma and not name.get("suffix"):
        if comma.group(0).replace(" ", "").strip() == ",!":
            name["comma-suffix"] = True
        name["suffix"] = given[comma.end():]
        given = given[:comma.start()]
    pieces, rest = [], given[::-1]
    match = _GIVEN_PARTICLE.match(rest)
    while match and _is_particle(match.group(1)[::-1]):
        pieces.append(match.group(1)[::-1])
        rest = match.group(2)
        match = _GIVEN_PARTICLE.match(rest)
    if pieces:
        name["dropping-particle"] = " ".join(p.strip() for p in reversed(pieces))
        given = given[:len(rest)]
    name["given"] = given
    return name


def romanesque_level(name) -> int:
    """How citeproc-js orders a personal name by its script: 2 when the
    family name has a letter of a Latin, Greek, Cyrillic, Hebrew, Arabic or
    Thai script anywhere (quotes aside): the style's order and separators;
    1 when it has none but the given name starts with one: family, a space,
    given, whatever the style ("毛 Zedong"); 0 otherwise: particle, family
    and given run together ("毛泽东"). A Latin family name with a given name
    in another script ("Zhang, 伟") is 2."""
    family = str(name.get("family") or "").replace('"', "")
    if _HAS_LETTER.search(family):
        return 2
    return 1 if _STARTS_LETTER.match(str(name.get("given") or "")) else 0


def _sort_particle(particle: str) -> str:
    """A particle in a sort key loses its first apostrophe and stands as a
    word of its own, as citeproc-js keys it: "d’Wander" sorts as "d Wander",
    before "de’ Frinkle", and "in ’t Horvath" as "in t Horvath"
    (sort_LeadingApostropheOnNameParticle; sorting.py collates the key)."""
    return re.sub("['\u2019]", "", particle, count=1)


def particle_space(root) -> str:
    """The space between a name particle and the family name: a no-break
    space when the style's ``default-locale`` is French, Russian or Czech, as
    citeproc-js joins them ("van\u00a0Gennep", "DE\u00a0OLIVEIRA (A.G.)" in
    French styles; not in sort keys)."""
    return "\u00a0" if (root.get("default-locale") or "en-US")[:2].lower() in ("fr", "ru", "cs") else " "


def given_markup(given: str) -> str:
    """Rich text and quotation marks in a given name print as in any field
    (CSL 1.0.2 Appendix VI), read after the name is initialized, as
    citeproc-js does: "<b>John</b> Q." prints "**J.** Q."
    (``name_InTextMarkupInitialize``), and quotes left by a BibTeX converter
    print as the style's quotation marks: "\"Andrea Valsecchi\"" prints
    "“Andrea Valsecchi”" (IEEE)."""
    if not any(mark in given for mark in '<"\u201c\u2018'):
        return given
    from ..markup import data_to_markers
    return data_to_markers(given)


_PUNCTUATION_PAIR = re.compile(r"(?<=[.,;:!?])(?=[.,;:!?])")


def seal_doubled_punctuation(part: str) -> str:
    """Punctuation written twice in a name ("Sch??lli", "R??diger": an
    encoding lost by a converter) prints as written: citeproc-js merges
    punctuation only where pieces of the rendering meet. A :data:`SEAL`
    between the two keeps the finishing pass from merging them."""
    return _PUNCTUATION_PAIR.sub(SEAL, part)


def keep_leading_space(given: str) -> str:
    """An initialized given name whose first word is left as written (it
    starts with a lower-case letter: "a.", "jian-wei") keeps the space
    citeproc-js puts before such a word, so the entry shows two spaces where
    the given name meets the family name or the sort separator: APA "Bazin, a."
    is printed "Bazin,  a.", Vancouver "Bazin  a.", IEEE "[1]  a. Bazin".
    The :data:`SEAL` keeps the finishing pass from collapsing the two spaces
    (it is removed afterwards)."""
    return SEAL + given


def _render_one_name(name, form, inverted, sort_sep, init_with, initialize, hyphen,
                     demote, fmt_part, for_sort, particle_sep=" "):
    if "literal" in name:
        return String(str(name["literal"]))
    given = str(name.get("given") or "")
    family = str(name.get("family") or "")
    dp = str(name.get("dropping-particle") or "")
    ndp = str(name.get("non-dropping-particle") or "")
    suffix = str(name.get("suffix") or "")
    comma_suffix = bool(name.get("comma-suffix"))
    if for_sort:
        dp, ndp = _sort_particle(dp), _sort_particle(ndp)
    script = romanesque_level(name)
    if not family and given:
        family, given = given, ""
    if given and init_with is not None:
        given = initialize_given(given, init_with, initialize, hyphen)
    if not for_sort:
        family, given = seal_doubled_punctuation(family), seal_doubled_punctuation(given)
        # each printed part, like any printed string: a space before ";" is narrow
        # (citeproc-js: APA "Schaffer, W. J.\u202f;," for the given name "W. J.;")
        family, given = thin_spaces(family), thin_spaces(given)
    if given and not for_sort:
        given = given_markup(given)
        if given.startswith(" "):
            given = keep_leading_space(given)
    if suffix and init_with is not None:
        # initials in a suffix get the style's punctuation: "Nease DE Jr" (AMA, NLM)
        suffix = initialize_given(suffix, init_with, False, hyphen)
    if script < 2:
        # East Asian names (CSL 1.0.2 "Name-part order"): family then given,
        # run together or (given in Latin script) with a space; citeproc-js
        # keeps a non-dropping particle before the family
        if form == "short":
            return String(fmt_part("family", ndp + (" " if script and ndp else "") + family))
        fam = fmt_part("family", ndp + (" " if script and ndp else "") + family)
        return String(fam + (" " if script and given else "") + fmt_part("given", given))

    def glue(*parts, sep=" "):
        out = ""
        for part in parts:
            if not part:
                continue
            if out and not out.endswith(("'", "\u2019", "-", "\u00a0", " ")):
                out += sep
            out += part
        return out

    if for_sort:
        particle_sep = " "
    if form == "short":
        return String(fmt_part("family", glue(ndp, family, sep=particle_sep)))
    if inverted:
        if demote in ("never", "sort-only") and not (for_sort and demote == "sort-only"):
            fam = fmt_part("family", glue(ndp, family, sep=particle_sep))
            giv = fmt_part("given", glue(given, dp))
        else:
            fam = fmt_part("family", family)
            giv = fmt_part("given", glue(given, dp, ndp)) if (given or dp or ndp) else ""
        pieces = [p for p in (fam, giv, suffix) if p]
        return String(sort_sep.join(pieces))
    fam = fmt_part("family", glue(dp, ndp, family, sep=particle_sep))
    giv = fmt_part("given", given)
    text = glue(giv, fam)
    if suffix:
        text = text + (", " if comma_suffix else " ") + suffix
    return String(text)
