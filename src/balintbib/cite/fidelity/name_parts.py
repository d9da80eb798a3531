"""Name parts (CSL 1.0.2 "Name-part Order", "Name-part Formatting",
"initialize-with", particles): how one personal name prints. Given names
become initials, particles and suffixes written into the name parts are split
off as citeproc-js parses them, and the parts are put in display or sort
order. Lists of names, et-al and substitution are in :mod:`.names`."""

from __future__ import annotations

import re

from citeproc.string import String

from .punctuation import thin_spaces

def initialize_given(given: str, initialize_with: str, initialize: bool, hyphen: bool) -> str:
    """CSL 1.0.2 "initialize-with" / "initialize": given names become initials
    followed by ``initialize-with``; with ``initialize="false"`` full given
    names stay and only existing initials get the punctuation (citeproc-py
    initialized them anyway: Chicago/MLA "Kjeldmand, D." gap;
    ``name_InitializeWith*``). Hyphenated names keep the hyphen ("M.-J.")
    when ``initialize-with-hyphen`` is true; lower-case particles stay."""
    if not initialize:
        # initialize-with-hyphen="false": citeproc-js prints the hyphen as a space
        given = re.sub(r"\s*-\s*", "-" if hyphen else " ", given)
    else:
        given = lowercase_after_hyphen(given, hyphen)
    tokens = [t for t in re.split(r"\s+|(?<=\.)(?=[^\s.\-])", given.strip()) if t]
    if not initialize:
        tokens = [part for token in tokens for part in split_hyphenated_initials(token)]
        tokens = [dot_hyphenated_initial(token, initialize_with) for token in tokens]
    out = ""
    previous_initial = False
    for token in tokens:
        core = token.rstrip(".")
        if not core:
            continue
        is_initial = len(core) == 1 or (token.endswith(".") and len(core) <= 2 and core[0].isupper())
        if core[0].islower() and not is_initial:
            piece, initial = core, False
        elif initialize or is_initial:
            pieces = core.split("-") if "-" in core else [core]
            if "-" in core and not hyphen:
                piece = "".join(p[:1] + initialize_with for p in pieces if p)
            elif "-" in core:
                piece = "-".join((p[:1] + initialize_with).rstrip() for p in pieces if p)
                piece += initialize_with[len(initialize_with.rstrip()):]
            elif len(core) == 2 and token.endswith("."):
                piece = core + initialize_with  # "Th." / "ME." are kept as written
            else:
                piece = initial_letters(core) + initialize_with
            initial = True
        else:
            piece, initial = token, False
        if out and not out.endswith(" ") and not (previous_initial and initial):
            out += " "
        out += piece
        previous_initial = initial
    return out.strip()


def initial_letters(name: str) -> str:
    """The initial of a given name: its first letter, followed by the capitals
    after it, lower-cased, when lower-case letters follow them, as citeproc-js
    initializes a transliterated digraph: "TSerendorjiin" -> "Ts." (fixture
    ``name_LongAbbreviation``); "JOHN" -> "J.", "McDonald" -> "M."."""
    rest = name[1:]
    capitals = 0
    while capitals < len(rest) and rest[capitals].isupper():
        capitals += 1
    if 0 < capitals < len(rest) and rest[capitals:capitals + 1].isalpha():
        return name[0] + rest[:capitals].lower()
    return name[:1]


def lowercase_after_hyphen(given: str, hyphen: bool) -> str:
    """A given name whose part after a hyphen starts in lower case (romanized
    Korean and Chinese names: "Seung-jin", "Tien-chang") is one name to
    citeproc-js: initialized, only its first letter is kept ("Lee, S.",
    "Lu, T." where "S.-j." was printed). With ``initialize-with-hyphen="false"``
    the hyphen is a space instead, so the lower-case part stays as a word, as
    a particle would (AMA, Vancouver: "Lee C wei" for "Chih-wei")."""
    if "-" not in given:
        return given
    if not hyphen:
        return re.sub(r"\s*-\s*", " ", given)
    return re.sub(r"(?<=\w)\s*-\s*[a-z][^\s-]*", "", given)


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


def split_hyphenated_initials(token: str) -> list[str]:
    """citeproc-js, with ``initialize="false"``, treats initials joined by a
    hyphen as separate initials: "H.-M." / "H-M" / "H. -M." print "H. M."
    (with ``initialize-with=". "``), while a hyphen next to a full name stays
    ("Friedrich-L" -> "Friedrich-L.", "Jean-Claude"). Returns the token's
    parts, or the token itself when it is not all initials."""
    parts = token.split("-")
    if len(parts) < 2 or not all(
            len(p.rstrip(".")) == 1 and p.rstrip(".").isupper() for p in parts):
        return [token]
    return parts


def dot_hyphenated_initial(token: str, initialize_with: str) -> str:
    """citeproc-js, with ``initialize="false"``, gives a bare initial joined
    to a full name by a hyphen the ``initialize-with`` punctuation:
    "Friedrich-L" -> "Friedrich-L." (Chicago "Friedrich-L. Schein");
    "J.-Claude", "Jean-Claude" stay as written."""
    mark = initialize_with.strip()
    if "-" not in token or not mark:
        return token
    parts = token.split("-")
    return "-".join(p + mark if len(p) == 1 and p.isupper() else p for p in parts)


_ROMANESQUE = re.compile(r"^[\u0000-\u024F\u1E00-\u1EFF\u0370-\u03FF\u0400-\u052F\u0590-\u05FF"
                         r"\u0600-\u06FF\u2000-\u206F'\s\-\.]*$")


def _is_romanesque(name) -> bool:
    return all(_ROMANESQUE.match(str(name.get(k) or "")) for k in ("family", "given"))


def _sort_particle(particle: str) -> str:
    """A particle in a sort key loses its first apostrophe and stands as a
    word of its own, as citeproc-js keys it: "d’Wander" sorts as "d Wander",
    before "de’ Frinkle", and "in ’t Horvath" as "in t Horvath"
    (sort_LeadingApostropheOnNameParticle; sorting.py collates the key)."""
    return re.sub("['\u2019]", "", particle, count=1)


def _render_one_name(name, form, inverted, sort_sep, init_with, initialize, hyphen,
                     demote, fmt_part, for_sort):
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
    if not family and given:
        family, given = given, ""
    if given and init_with is not None:
        given = initialize_given(given, init_with, initialize, hyphen)
        if "." not in init_with and initialize:
            # initials without periods: citeproc-js prints "Nease DE Jr" (AMA, NLM)
            suffix = suffix.replace(".", "")
    if not for_sort:
        # each printed part, like any printed string: a space before ";" is narrow
        # (citeproc-js: APA "Schaffer, W. J.\u202f;," for the given name "W. J.;")
        given, family = thin_spaces(given), thin_spaces(family)
    if not _is_romanesque(name):
        # East Asian names: family then given, no space (CSL 1.0.2 "Name-part
        # order"); citeproc-js keeps a non-dropping particle before the family
        if form == "short":
            return String(fmt_part("family", ndp + family))
        return String(fmt_part("family", ndp + family) + fmt_part("given", given))

    def glue(*parts):
        out = ""
        for part in parts:
            if not part:
                continue
            if out and not out.endswith(("'", "\u2019", "-", "\u00a0", " ")):
                out += " "
            out += part
        return out

    if form == "short":
        return String(fmt_part("family", glue(ndp, family)))
    if inverted:
        if demote in ("never", "sort-only") and not (for_sort and demote == "sort-only"):
            fam = fmt_part("family", glue(ndp, family))
            giv = fmt_part("given", glue(given, dp))
        else:
            fam = fmt_part("family", family)
            giv = fmt_part("given", glue(given, dp, ndp)) if (given or dp or ndp) else ""
        pieces = [p for p in (fam, giv, suffix) if p]
        return String(sort_sep.join(pieces))
    fam = fmt_part("family", glue(dp, ndp, family))
    giv = fmt_part("given", given)
    text = glue(giv, fam)
    if suffix:
        text = text + (", " if comma_suffix else " ") + suffix
    return String(text)
