"""Disambiguation and cite collapsing (CSL 1.0.2 "Disambiguation", "Cite
Grouping", "Cite Collapsing"): which printed name a person gets when
given names disambiguate, grouping of cites by author, collapsing of
numbers and years in a citation."""

from __future__ import annotations

import re

from citeproc.string import String

from ..markup import MARKERS
from .state import RENDER_STATE
from .name_parts import initialize_given

def _group_cites(pieces, delimiter):
    """``cite-group-delimiter`` without ``collapse``: cites with the same
    names move next to the first of them and are joined by that delimiter
    ("Banda 1999; Aalto 2000, Aalto 2001"; sort_CiteGroupDelimiter)."""
    groups: list[list] = []
    for piece in pieces:
        for group in groups:
            if piece[2] and group[0][2] == piece[2]:
                group.append(piece)
                break
        else:
            groups.append([piece])
    out = []
    for group in groups:
        if len(group) == 1:
            out.append(group[0])
            continue
        joined = delimiter.join(str(p[1]) for p in group)
        out.append((group[0][0], String(joined), group[0][2]))
    return out


def _capitalize_first_term(output, cite, root, first: bool):
    """A term that opens a citation of a note style — at its very start or
    after a cite prefix that ends a sentence — starts with a capital: "Ibid."
    (citeproc-js; fixtures ``position_Ibid*``, ``magic_CapitalizeFirstOccurringTerm``,
    ``magic_TermCapitalizationWithPrefix``)."""
    if root.get("class") == "in-text":
        return output
    prefix = str(cite.get("prefix", "") or "").rstrip()
    if not prefix and not first:
        return output
    if prefix and (not re.search(r"[.!?][\"'\u201d\u2019)\]]*$", markup_strip(prefix))
                   or is_abbreviation_prefix(prefix)):
        return output
    text = str(output)
    term = RENDER_STATE["first_term"]
    start = 0
    while start < len(text) and text[start] in MARKERS:
        start += 1
    if not text.startswith(term, start) or not text[start:start + 1].islower():
        return output
    return String(text[:start] + text[start].upper() + text[start + 1:])


def is_abbreviation_prefix(prefix: str) -> bool:
    """A cite prefix of one word ending in a period ("Cf.", "Nocapsafter.")
    reads as an abbreviation, not as the end of a sentence: citeproc-js
    keeps the term after it in lower case ("Nocapsafter. ibid." but "Caps
    after. Ibid."; fixture ``bugreports_CapsAfterOneWordPrefix``)."""
    text = markup_strip(prefix).strip()
    return text.endswith(".") and not re.search(r"\s", text)


def markup_strip(text: str) -> str:
    return "".join(c for c in text if c not in MARKERS)


def _collapse_numbers(pieces, delimiter, owner):
    after = owner.get("after-collapse-delimiter", delimiter)
    out, i = [], 0
    while i < len(pieces):
        j = i
        while (j + 1 < len(pieces) and _plain_number(pieces[j + 1]) is not None
               and _plain_number(pieces[j]) is not None
               and _plain_number(pieces[j + 1]) == _plain_number(pieces[j]) + 1):
            j += 1
        if j - i >= 2:
            out.append((String(str(pieces[i][1]) + "\u2013" + str(pieces[j][1])), True))
            i = j + 1
        else:
            out.append((pieces[i][1], False))
            i += 1
    return _join_collapsed(out, delimiter, after)


def _plain_number(piece):
    """The citation number a cite prints alone, or None. A locator the style
    does not print does not stop collapsing (citeproc-js prints "(1–3)" where
    balintbib printed "(1,2,3)"; a printed locator adds digits and does)."""
    from ..markup import strip_markers
    cite, text, _ = piece
    plain = strip_markers(str(text)).strip()
    match = re.fullmatch(r"\D*?(\d+)\D*", plain)
    if match and int(match.group(1)) == cite.number \
            and not cite.get("prefix") and not cite.get("suffix"):
        return int(match.group(1))
    return None


def _join_collapsed(parts, delimiter, after):
    text = ""
    for index, (part, collapsed) in enumerate(parts):
        if index:
            text += after if parts[index - 1][1] else delimiter
        text += str(part)
    return String(text)


def _collapse_years(pieces, delimiter, owner, collapse):
    # cite-group-delimiter defaults to ", ", but in note styles citeproc-js
    # keeps the layout delimiter ("Smith 2000a; 2000b"; disambiguate_Year*,
    # collapse_*NoYearSuffixDelimiter, date_YearSuffixDelimiter)
    group_delimiter = owner.get("cite-group-delimiter", delimiter if owner.get_root().get(
        "class") == "note" else ", ")
    suffix_delimiter = owner.get("year-suffix-delimiter", owner.get("cite-group-delimiter", delimiter))
    after = owner.get("after-collapse-delimiter", delimiter)
    groups: list[list] = []
    for piece in pieces:
        names = piece[2]
        # a cite joins the one before it when both print the same names (also
        # cites printing no names, when year suffixes collapse: "(1965a,b)";
        # magic_ImplicitYearSuffix*); cites are never moved here: only sorting moves them
        group = groups[-1] if groups else None
        if group is not None and group[0][2] == names and (names or collapse != "year"):
            group.append(piece)
        else:
            groups.append([piece])
    parts = []
    for group in groups:
        names = group[0][2]
        segments = []  # [base, [suffixes], has_locator]
        for index, piece in enumerate(group):
            text = str(piece[1]) if index == 0 else _rest(piece, names)[0]
            suffix = str(piece[0].reference.get("year_suffix") or "")
            locator = bool(piece[0].get("locator"))
            base = text[:-len(suffix)] if suffix and text.endswith(suffix) else None
            previous = segments[-1] if segments else None
            previous_base = None
            if previous is not None:
                previous_base = previous[0] if previous[0] is not None else _rest_text(previous[3], names)
            if (collapse != "year" and base is not None and previous is not None
                    and previous[1] and previous_base == base and not locator
                    and not previous[2]):
                previous[1].append(suffix)
            elif base is not None and index and collapse != "year":
                segments.append([base, [suffix], locator])
            elif base is not None and index == 0 and collapse != "year":
                segments.append([None, [suffix], locator, text[:-len(suffix)]])
            else:
                segments.append([text, [], locator])
        rendered = []
        for segment in segments:
            if segment[1]:
                head = segment[3] if segment[0] is None else segment[0]
                rendered.append(head + _suffix_list(segment[1], suffix_delimiter, collapse))
            else:
                rendered.append(segment[0])
        joined = rendered[0]
        for previous, segment, text in zip(segments, segments[1:], rendered[1:]):
            joined += _delimiter_in_group(previous[2], owner, delimiter, group_delimiter) + text
        parts.append((String(joined), _after_collapse(len(group) > 1, segments[-1][2], collapse)))
    return _join_collapsed(parts, delimiter, after)


def _after_collapse(collapsed: bool, locator: bool, collapse: str) -> bool:
    """Whether an explicit ``after-collapse-delimiter`` follows a group of
    cites (citeproc-js): after a collapsed group, after a cite with a
    locator, and, unless ``collapse="year-suffix"``, after any group
    ("(Whittaker 1967; Wiens 1989b)" with the layout delimiter ", ";
    collapse_ChicagoAfterCollapse)."""
    return collapsed or locator or collapse != "year-suffix"


def _delimiter_in_group(after_locator: bool, owner, delimiter: str, group_delimiter: str) -> str:
    """The delimiter between two collapsed cites of one author, as
    citeproc-js chooses it: after a cite with a locator, an explicit
    ``after-collapse-delimiter`` ("(Wong 1999, 328; 2000, 475)",
    collapse_ChicagoAfterCollapse); else with an explicit
    ``after-collapse-delimiter`` the layout delimiter; else the
    ``cite-group-delimiter`` (", " by default) whether or not a locator
    came before (APA "(Smith, 2010a, 2010b, p. 3)", where balintbib printed
    "(Smith, 2010a; 2010b, p. 3)")."""
    after = owner.get("after-collapse-delimiter")
    if after is not None:
        return after if after_locator else delimiter
    return group_delimiter


def _suffix_list(suffixes, suffix_delimiter, collapse):
    if collapse != "year-suffix-ranged":
        return suffix_delimiter.join(suffixes)
    out, i = [], 0
    while i < len(suffixes):
        j = i
        while j + 1 < len(suffixes) and len(suffixes[j + 1]) == 1 == len(suffixes[j]) \
                and ord(suffixes[j + 1]) == ord(suffixes[j]) + 1:
            j += 1
        out.append(suffixes[i] + "\u2013" + suffixes[j] if j - i >= 2 else
                   suffix_delimiter.join(suffixes[i:j + 1]))
        i = j + 1
    return suffix_delimiter.join(out)


def _rest_text(text, names):
    if names and text.startswith(names):
        return text[len(names):].lstrip(" ,;:")
    return text


def _rest(piece, names):
    text = str(piece[1])
    if names and text.startswith(names):
        rest = text[len(names):]
        return rest.lstrip(" ,;:"), True
    return text, False


def name_key(name, level: int, form: str, init_with, initialize: bool) -> tuple:
    """How a name prints at a disambiguation level (CSL 1.0.2 "Disambiguation",
    step 2): 0 as the style renders it, 1 with initials (or the full given
    name when the style does not initialize), 2 with the full given name."""
    family = (str(name.get("non-dropping-particle") or ""), str(name.get("family") or ""),
              str(name.get("literal") or ""))
    if level == 0 and form == "short":
        return family
    given = str(name.get("given") or "")
    if level <= 1 and init_with is not None and initialize and given:
        given = initialize_given(given, init_with, True, True)
    return family + (" ".join(re.split(r"[\s.]+", given)).strip(),)


def given_level(name, opts, rivals, max_level: int, partial: bool = False) -> int:
    """The smallest level (1 or 2, at most `max_level`) at which `name`
    prints differently from every rival name (other people printed alike);
    0 when no allowed level separates them. With `partial` (the global
    ``givenname-disambiguation-rule`` values), a level that tells the name
    from some of its rivals is kept when none tells it from all: citeproc-js
    prints "A. Benjamin" for Aaron Benjamin cited beside Anna, A. S. and L.
    T. Benjamin (APA, primary-name-with-initials), but "Smith" for Cecil
    beside Charles Smith (fixture disambiguate_ToInitialOnly)."""
    form, init_with, initialize = opts
    best, fewest = 0, len(rivals)
    for level in range(1, max_level + 1):
        mine = name_key(name, level, form, init_with, initialize)
        alike = sum(1 for other, other_opts in rivals if name_key(other, level, *other_opts) == mine)
        if not alike:
            return level
        if partial and alike < fewest:
            best, fewest = level, alike
    return best


def _strip_periods(text: str) -> str:
    return re.sub(r"\s+$", "", re.sub(r"\s+", " ", text.replace(".", " ")))


def registered_person(name) -> tuple:
    """Who a name denotes for the global given-name rules (``all-names*``,
    ``primary-name*``), as citeproc-js's name registry keys it: family and
    given name with periods read as spaces, a lower-case last word of the
    given name left out. "Kehagias, Th." and "Kehagias, Th" are one person
    (no initials are added, and their two 2013 papers get year suffixes),
    "Kehagias, Th." and "Kehagias, T." are two ("Th. Kehagias", "T.
    Kehagias")."""
    given = _strip_periods(str(name.get("given") or ""))
    last = re.search(r"[,!]* ([^,]+)$", given)
    if last and last.group(1) == last.group(1).lower():
        given = given[:last.start()]
    return (_strip_periods(str(name.get("family") or "")), given,
            str(name.get("non-dropping-particle") or ""), str(name.get("literal") or ""))


def _initials_key(given: str) -> tuple:
    """The initials citeproc-js's name registry files a given name under
    ("JY", "Jie" and "Jun" are all "J")."""
    return tuple(word[0] if word[0].isupper() else word
                 for word in re.split(r"[\s\-]+", given) if word)


def same_initials_in_one_entry(names) -> set:
    """``givenname-disambiguation-rule="by-cite"`` with
    ``disambiguate-add-givenname``: in one name list of a bibliography entry
    (its authors, say), two different people of one family name whose given
    names give the same initials print their given names in full, as written
    (citeproc-js files names per item for this rule: Elsevier Harvard "Xu,
    Jie, …, Xu, Jun" and "Xu, JY, Xu, JZ", but "Kim, A., Kim, B."; an author
    "Bruce, Bertram C." with an editor "Bruce, B.C." stays "Bruce, B.C.", the
    editor being filed only after the author is printed). Returns the
    :func:`person_id` of each such name; citations are not changed (their
    short names never expand)."""
    by_family: dict = {}
    for name in names:
        family, given = registered_person(name)[:2]
        if not family or not given:
            continue
        by_family.setdefault(family, {}).setdefault(_initials_key(given), {})[given] = name
    out = set()
    from .names import person_id
    for initials in by_family.values():
        for people in initials.values():
            if len(people) > 1:
                out.update(person_id(name) for name in people.values())
    return out
