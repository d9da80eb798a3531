"""Numbers and labels (CSL 1.0.2 "Number", "Label", "Page Ranges",
"Ordinal Suffixes"): numeric variables and ranges, ordinals, page-range
formats, and the singular/plural choice of labels."""

from __future__ import annotations

import re

from citeproc import model as m
from citeproc.source import VariableError
from citeproc.string import String

from .formatting import CSL_NS, DisplayMixin, NS, StripPeriodsMixin, TextCaseMixin
from .state import RENDER_STATE, VariableCallMixin, _suppressed

NUMERIC_VARIABLES = {"volume", "issue", "number", "edition", "chapter-number",
                     "collection-number", "number-of-pages", "number-of-volumes"}
# a range of two numbers, each with an optional letter prefix (citeproc-js's
# "particle": "c3", "S12", "e101"; not "3:" or "12.5.")
_RANGE = re.compile(r"^((?:[0-9]*[A-Za-z]+0*)?)(\d+)\s*(?:-+|\u2013)\s*((?:[0-9]*[A-Za-z]+0*)?)(\d+)$")
# two numbers or roman numerals: citeproc-js joins them with the range
# delimiter ("61-I" -> "61–I")
_NUMBER_OR_ROMAN_RANGE = re.compile(
    r"^(\d+|[ivxlcdmIVXLCDM]+)\s*(?:-+|\u2013)\s*(\d+|[ivxlcdmIVXLCDM]+)$")
_ROMAN_RANGE = re.compile(r"^([ivxlcdm]+)\s*(?:-+|\u2013)\s*([ivxlcdm]+)$", re.I)


class NumericRangeMixin:
    def _process(self, value, variable):
        """Numbers and ranges (CSL 1.0.2 "Page Ranges", "Number"): a range of
        two numbers with the same (or no) prefix gets the range delimiter and,
        for ``page``, the style's ``page-range-format``; anything else is left
        exactly as written ("N110-5", "3-B"); ``\\-`` is a literal hyphen;
        lists keep their ", " and " & " (fixtures ``page_*``, ``number_*``)."""
        text = str(value)
        if written_en_dash(text, variable):
            return String(text.strip())
        if variable == "page-first":
            match = re.match(r"\s*([^\s,&\-\u2013]+)", text)
            return String(match.group(1)) if match else String(text)
        delimiter = "\u2013"
        if variable in ("page", "locator") or variable in NUMERIC_VARIABLES and "\u2013" not in text:
            # an en dash written in a number variable stays an en dash
            # (citeproc-js: AMA "2(1–2):83-97" from BibTeX "1--2")
            term = str(self.get_single_term(name="page-range-delimiter") or "")
            delimiter = term or delimiter
        range_format = self.get_root().get_option("page-range-format") if variable == "page" else None
        out = []
        for part in re.split(r"(\s*,\s*|\s*&\s*)", text):
            if not part:
                continue
            if part.strip() in (",", "&"):
                # "&" in a number list is the locale's "and" symbol
                # (label_PluralWithLocalizedAmpersand)
                out.append(", " if part.strip() == "," else
                           f" {self.get_single_term('and', 'symbol') or '&'} ")
                continue
            match = _RANGE.match(part.strip()) if "\\-" not in part else None
            roman = _ROMAN_RANGE.match(part.strip()) if "\\-" not in part else None
            if match and match.group(1) == match.group(3) and not _ascending(match.group(2), match.group(4)):
                # not a range going up ("c3-c3"): as written, with the delimiter
                # (citeproc-js leaves the end's prefix and the page-range-format alone)
                out.append(f"{match.group(1)}{match.group(2)}{delimiter}{match.group(3)}{match.group(4)}")
            elif match and match.group(1) == match.group(3):
                prefix, first, last = match.group(1), match.group(2), match.group(4)
                last_prefix = prefix if range_format in (None, "expanded") else ""
                last = format_page_range_end(range_format, first, last) if range_format else last
                out.append(f"{prefix}{self.format_number(first)}{delimiter}"
                           f"{last_prefix}{self.format_number(last)}")
            elif roman:
                out.append(f"{roman.group(1)}{delimiter}{roman.group(2)}")
            elif _NUMBER_OR_ROMAN_RANGE.match(part.strip()) and "\\-" not in part:
                mixed = _NUMBER_OR_ROMAN_RANGE.match(part.strip())
                out.append(f"{mixed.group(1)}{delimiter}{mixed.group(2)}")
            elif match:
                # different prefixes: kept as written, spaces around a hyphen
                # dropped (citeproc-js "N110 - 5" -> "N110-5"; page_Expand*, page_Minimal)
                glue = "-" if re.search(r"\d\s*-+\s*\D*\d+$", part.strip()) else None
                out.append(f"{match.group(1)}{match.group(2)}{glue}{match.group(3)}{match.group(4)}"
                           if glue else part.strip())
            else:
                out.append(self.format_number(part.replace("\\-", "-")) if part.strip().isdigit()
                           else self._chain(part, delimiter, range_format).replace("\\-", "-"))
        return String("".join(str(o) for o in out))

    @staticmethod
    def _chain(part: str, delimiter: str, range_format) -> str:
        """:func:`last_link_of_chain`; with a ``page-range-format`` a page
        with spaces in it stays as written (citeproc-js's page-range
        mangler: MLA "pp. 43-49 (or 43-48??)", but "p. M-1-M–12")."""
        if range_format and re.search(r"\s", part.strip()):
            return part
        return last_link_of_chain(part, delimiter)


_LIST_SEPARATOR = re.compile(r"(\s*,\s+|\s*;\s+|\s*&\s*|\s+and\s+)")
_LETTERS_THEN_DIGITS = re.compile(r"^[A-Za-z]+\d+$")


def last_link_of_chain(text: str, delimiter: str = "\u2013") -> str:
    """A chain of three or more parts joined by hyphens that citeproc-js's
    number parser reads as ending in a range gets the range delimiter at its
    last hyphen only (report numbers and pages of machine-made data): numbers
    only ("93-12-04" -> "93-12–04", "1-3-5-7" -> "1-3-5–7"), numbers after a
    prefixed number ("NPS012-81-005" -> "NPS012-81–005"), and a letter prefix
    written on both ends ("M-1-M-12" -> "M-1-M–12"). Chains with words in
    them stay as written ("STAN-CS-83-974", "NPS-09-95-003", "A-B-3",
    "C3-27-C3-32"). Each item of a list (", ", "; ", "&", "and") is a chain of
    its own; a ``\\-`` is a literal hyphen: left alone."""
    if text.count("-") < 2 or "\\-" in text:
        return text
    pieces = _LIST_SEPARATOR.split(text)
    for index in range(0, len(pieces), 2):
        parts = pieces[index].split("-")
        if len(parts) >= 3 and _reads_as_range_chain(parts):
            pieces[index] = "-".join(parts[:-1]) + delimiter + parts[-1]
    return "".join(pieces)


def _reads_as_range_chain(parts: list[str]) -> bool:
    if all(part.isdigit() for part in parts[1:]):
        return parts[0].isdigit() or bool(_LETTERS_THEN_DIGITS.match(parts[0]))
    return len(parts) == 4 and parts[0] == parts[2] and parts[0].isalpha() \
        and parts[1].isdigit() and parts[3].isdigit()


def number_variable_ranges(text: str, delimiter: str) -> str:
    """A number variable written as a list of ranges gets the range
    delimiter in each ("12-15, 17-19" -> "12–15, 17–19", citeproc-js),
    and a hyphen chain its last link (:func:`last_link_of_chain`)."""
    pieces = _LIST_SEPARATOR.split(text)
    if len(pieces) > 1:
        for index in range(0, len(pieces), 2):
            if _SIMPLE_RANGE.fullmatch(pieces[index]):
                a, b = re.split(r"\s*[-\u2013]\s*", pieces[index].strip())
                pieces[index] = a + delimiter + b
    return last_link_of_chain("".join(pieces), delimiter)


_SIMPLE_RANGE = re.compile(r"\s*\d+\s*-\s*\d+\s*")


def written_en_dash(text: str, variable: str) -> bool:
    """A number variable (not ``page`` or ``locator``) with an en dash written
    in it is printed as written, spaces and all: citeproc-js reads only
    hyphens as a range ("1 - 2" -> "1–2") and leaves "1 – 2" alone (AIJ
    "109(1 – 2)"; the page "111 – 159" still becomes "111–159")."""
    return "\u2013" in text and variable in NUMERIC_VARIABLES


def _ascending(first: str, last: str) -> bool:
    """Whether first-last goes up once an abbreviated end is expanded
    ("639-42" does, "c3-c3" and "100-50" do not)."""
    if len(last) < len(first):
        last = first[:len(first) - len(last)] + last
    return int(first) < int(last)


class Number(NumericRangeMixin, VariableCallMixin, DisplayMixin, TextCaseMixin, StripPeriodsMixin,
             m.Number):
    # (page ranges: see Text._format_last_page)
    def process(self, item, context=None, **kwargs):
        """``cs:number`` for a variable with a hyphen in its name
        (``number-of-volumes``, ``chapter-number``, ``collection-number``):
        citeproc-py looked it up under the hyphenated name and printed
        nothing; APA's "(Vols. 1–5)" for a five-volume book was lost."""
        variable = self.get("variable")
        if variable in _suppressed(context if context is not None else self):
            return None
        if variable and "-" in variable and variable not in ("page-first",):
            text = self._process(item.reference[variable.replace("-", "_")], variable)
        else:
            text = super().process(item, context=context, **kwargs)
        if RENDER_STATE.get("macro_key") and text is not None and variable:
            from .sorting import number_in_macro_key  # (sorting imports names, which need no numbers)
            text = number_in_macro_key(variable, dict.get(item.reference, variable.replace("-", "_"), ""), text)
        return text

    def format_number(self, number):
        """Ordinals: ``long-ordinal`` above 10 falls back to ``ordinal``; roman
        numerals in lower case (CSL 1.0.2 "Number"). A number written with a
        leading zero is printed as written in every form, as citeproc-js does
        (issue "07" -> "no. 07", edition "02" -> "02 ed.")."""
        form = self.get("form", "numeric")
        if has_leading_zero(number):
            return number
        try:
            value = int(number)
        except ValueError:
            return number
        if form == "ordinal" or (form == "long-ordinal" and value > 10):
            return ordinal(value, self, term_gender(self, self.get("variable")))
        if form == "long-ordinal":
            return self.get_single_term(name="long-ordinal-{:02}".format(value))
        if form == "roman":
            return roman(value)
        return str(value)

    def _format_last_page(self, first, last):
        return format_page_range_end(self.get_root().get_option("page-range-format"), first, last)


_NUMERIC_SEPARATOR = re.compile(r"\s*(?:-+|\u2013|,|&|\band\b)\s*")
_NUMERIC_PART = re.compile(r"^(?:[A-Za-z]*\d+[A-Za-z]*|\d+(?:/\d+)+)$")


def is_numeric_value(value) -> bool:
    """``is-numeric`` (CSL 1.0.2 "Choose"), as citeproc-js decides it: a
    number with letter affixes ("3a", "L2d"), numbers joined by a slash
    ("13/14", "2/1"), and ranges and lists of those ("1-2", "1 & 2",
    "D2, D3", "1 and 2", "3-B", "i-ix"); not "1 / 2", "12a/13", "2/B",
    "PC-26" (a range must start with a number; MLA
    prints "vol. 13/14" only for a numeric volume)."""
    text = str(value).strip()
    parts = _NUMERIC_SEPARATOR.split(text)
    if len(parts) == 1:
        return _NUMERIC_PART.match(text) is not None
    if not all(parts):
        return False
    if all(re.fullmatch(r"[ivxlcdm]+", p, re.I) for p in parts):
        return True
    return (_NUMERIC_PART.match(parts[0]) is not None
            and all(_NUMERIC_PART.match(p) or p.isalpha() for p in parts))


def has_leading_zero(number) -> bool:
    """A number of two or more digits starting with "0" ("07", "014", "00"):
    citeproc-js keeps it as written instead of reading it as an integer."""
    text = str(number).strip()
    return len(text) > 1 and text.isdigit() and text.startswith("0")


def roman(value: int) -> str:
    """Lower-case roman numerals for 1-5999, nothing otherwise, as citeproc-js
    (edition 9882 printed "mmmmmmmmmdccclxxxii", and a volume of 99999999999
    a string of 100 million "m"s)."""
    return m.romanize(value).lower() if 0 < value < 6000 else ""


def _locales_of(element):
    root = element.get_root()
    return root.style.locales if isinstance(root, m.Locale) else root.locales


def term_gender(element, name) -> str | None:
    """The grammatical gender a locale gives the noun of a term ("edition" is
    feminine in French, "month-01" masculine in Italian): the ``gender`` of
    the first ``cs:term`` of that name in the locale chain."""
    if not name:
        return None
    chain = _locales_of(element)
    if not chain:
        return None
    memo = chain[0].__dict__.setdefault("_term_genders", {})  # (speed: asked per number)
    if name not in memo:
        memo[name] = _term_gender(chain, name)
    return memo[name]


def _term_gender(chain, name) -> str | None:
    for locale in chain:
        for term in locale.iterfind(f"cs:terms/cs:term[@name='{name}']", NS):
            if term.get("gender"):
                return term.get("gender")
    return None


def _ordinal_table(locale) -> dict:
    """(name, gender-form or None) -> (suffix, match) of a locale's long
    ordinal terms; remembered per locale (speed: asked per ordinal)."""
    table = locale.__dict__.get("_ordinal_table")
    if table is None:
        table = locale._ordinal_table = _read_ordinal_table(locale)
    return table


def _read_ordinal_table(locale) -> dict:
    table = {}
    terms = locale.find("cs:terms", NS)
    if terms is None:
        return table
    for term in terms.findall("cs:term", NS):
        name = term.get("name", "")
        if (name == "ordinal" or re.fullmatch(r"ordinal-\d\d", name)) and term.get("form") in (None, "long"):
            text = term.findtext("cs:single", default=None, namespaces=NS) or term.text or ""
            table[name, term.get("gender-form")] = (text, term.get("match"))
    return table


def ordinal(number: int, element, gender: str | None = None) -> str:
    """CSL 1.0.2 "Ordinal Suffixes": the first locale in the fallback chain
    that defines ordinal terms decides; ``ordinal-10``..``ordinal-99`` match
    the last two digits (or the whole number), ``ordinal-00``..``09`` the last
    digit, ``ordinal`` is the default (German "2." not "2nd"; French "2ᵉ").

    Gender-specific ordinals (CSL 1.0.2): the suffix agrees with the gender of
    the counted noun (`gender`, see :func:`term_gender`): French "1ʳᵉ éd."
    (feminine edition) but "1ᵉʳ janvier", Italian "1º gen." (masculine months)
    but "1ª ed.", Russian "1-е изд.". As in citeproc-js, a match of the
    noun's gender is looked for first (whole number, last two digits, last
    digit), then one without a gender; a term that exists only in gendered
    forms stands, without a gender, for its feminine form (else masculine)."""
    for locale in _locales_of(element):
        table = _ordinal_table(locale)
        if not table:
            continue
        for wanted in ([gender] if gender else []) + [None]:
            suffix = _ordinal_match(number, table, wanted)
            if suffix is not None:
                return f"{number}{_gendered(table, suffix, gender)}"
        default = _gendered(table, "ordinal", gender)
        return f"{number}{default}" if default is not None else str(number)
    return str(number)


def _ordinal_match(number: int, table: dict, gender) -> str | None:
    """The name of the ordinal term matching `number` among the terms of one
    gender form (None: terms without a gender form), or None."""
    matches = {}
    for (name, form), (_, match) in table.items():
        if form != gender or name == "ordinal":
            continue
        digits = name[len("ordinal-"):]
        match = match or ("last-digit" if digits.startswith("0") else "last-two-digits")
        matches.setdefault(match, {})[int(digits)] = name
    for match, key in (("whole-number", number), ("last-two-digits", number % 100),
                       ("last-digit", number % 10)):
        if key in matches.get(match, {}):
            return matches[match][key]
    return None


def _gendered(table: dict, name: str, gender) -> str | None:
    for form in ((gender,) if gender else ()) + (None, "feminine", "masculine"):
        if (name, form) in table:
            return table[name, form][0]
    return None


def format_page_range_end(range_format, first: str, last: str) -> str:
    """CSL 1.0.2 Appendix V "Page Range Formats": ``expanded``, ``minimal``,
    ``minimal-two``, ``chicago``/``chicago-15``/``chicago-16``. An abbreviated
    end ("639-42") is first expanded. Fixes citeproc-py's ``minimal-two``
    (5-11 printed as 5-1) and ``expanded`` (321-28 left as is) (fixtures
    ``page_*``; MLA gap)."""
    if not range_format:
        return last
    if not (first.isdigit() and last.isdigit()):
        prefix_match = re.match(r"^(.*?)(\d+)$", first)
        last_match = re.match(r"^(.*?)(\d+)$", last)
        if not (prefix_match and last_match and prefix_match.group(1) == last_match.group(1)):
            return last
        prefix = prefix_match.group(1)
        return prefix + format_page_range_end(range_format, prefix_match.group(2),
                                              last_match.group(2)) \
            if last_match.group(1) else last
    if len(last) < len(first):
        last = first[:len(first) - len(last)] + last
    if range_format == "expanded":
        return last
    if int(last) <= int(first):
        return last

    def minimal(keep: int) -> str:
        if len(first) != len(last):
            return last
        i = 0
        while i < len(first) and first[i] == last[i]:
            i += 1
        return last[min(i, max(len(last) - keep, 0)):]

    if range_format == "minimal":
        return minimal(1)
    if range_format == "minimal-two":
        return minimal(2)
    if range_format in ("chicago", "chicago-15", "chicago-16"):
        number = int(first)
        if number < 100 or number % 100 == 0:
            return last
        if number % 100 < 10:
            return minimal(1)
        if range_format in ("chicago", "chicago-15") and len(first) == 4 and len(last) == 4 \
                and len(minimal(1)) >= 3:
            return last
        return minimal(2)
    return last


class Label(DisplayMixin, TextCaseMixin, StripPeriodsMixin, m.Label):
    def process(self, item, variable=None, plural=None, context=None, **kwargs):
        """``cs:label`` renders nothing when its variable is empty (CSL 1.0.2
        "Label"; citeproc-py issue #204: stray "Edition", "(Publication)")."""
        if variable is None:
            variable = self.get("variable")
            if variable == "locator":
                if not item.has_locator:
                    return None
            elif variable is not None:
                key = variable.replace("-", "_")
                if variable in _suppressed(context if context is not None else self):
                    return None
                if key not in item.reference:
                    if not self._beside_another_variable(variable):
                        return None
                    plural = False
                if variable == "page" and plural is None:
                    plural = is_plural_number(str(item.reference[key]))
                elif variable == "number-of-pages" and plural is None:
                    plural = _is_plural_value(str(item.reference[key]))
        return super().process(item, variable=variable, plural=plural, context=context, **kwargs)

    def _beside_another_variable(self, variable) -> bool:
        """A label of an empty number variable in a group with a different
        variable prints its term in the singular, and the group decides
        (citeproc-js; Harvard Cite Them Right's ``number-of-volumes`` with
        ``<label variable="volume"/>``: "Computers & Typesetting (5 vol)").
        Alone, or beside its own variable, it prints nothing (citeproc-py
        issue #204: no stray "Edition")."""
        memo = self.__dict__.setdefault("_beside_memo", {})
        if variable not in memo:
            parent = self.getparent()
            memo[variable] = parent is not None and parent.tag == f"{{{CSL_NS}}}group" \
                and variable in NUMERIC_VARIABLES and any(
                    child.get("variable") not in (None, variable)
                    for child in parent if child is not self)
        return memo[variable]

    def _is_plural(self, item):
        variable = self.get("variable")
        if variable and variable.startswith("number-of"):
            try:
                return int(str(item.reference[variable.replace("-", "_")])) > 1
            except (ValueError, VariableError):
                return False
        if variable and variable != "locator":
            return self._is_plural_number(item, variable)
        if variable == "locator" and "\\-" in str(item.locator.identifier):
            return False  # an escaped hyphen is no range: "page 327-30" (citeproc-js)
        return super()._is_plural(item)

    @staticmethod
    def _is_plural_number(item, variable) -> bool:
        """A number variable's label: see :func:`is_plural_number`."""
        try:
            value = item.reference[variable.replace("-", "_")]
        except VariableError:
            return False
        return is_plural_number(str(value))


def _is_plural_value(value: str) -> bool:
    return re.search(r"\w*\d+\w*\s*(?:[-\u2013,&]|and)\s*\w*\d+", value) is not None


# what citeproc-js splits a number field at: "&", "and", "; ", ", ", hyphens
_NUMBER_JOINER = re.compile(r"\s*&\s*|,\s+and\s+|\s+and\s+|;\s+|,\s+|\s*\\*[-\u2013]+\s*")
_NUMBER_PARTICLE = re.compile(r"^(?:[0-9]*[a-zA-Z]+0*)?([0-9]+(?:[a-zA-Z]*|[-,a-zA-Z]+))$")
_NUMBER_NUMERIC = re.compile(r"^(?:[0-9]+|[ixv]+)(?:[-,:a-zA-Z]*|-[-0-9]+)$")
_NUMBER_LABEL = re.compile(r"(?:^| )(?:[a-z]{1,4}|subpara|subch|amend|bibliog|annot|illus|princ|intro|"
                           r"sched|subdiv|subsec)(?:\.| )")
_NUMBER_COLLAPSIBLE = re.compile(r"^\s*[+-]?\d|^[ivxlcmIVXLCM]+$")


def is_plural_number(value: str) -> bool:
    """The label of a number variable or ``page`` is plural as citeproc-js
    decides it: the value is split at "&", "and", "; ", ", " and hyphens;
    it is plural when there are two parts or more and the first part (a
    letter prefix set aside: "S12" is 12) is a number, or a number with a
    letter or "-" suffix ("12a"), or a roman numeral.

    "1-2", "2b-3b", "1, 2", "1 & 2", "3-B", "i-ix", "61-I", "205-??" are
    plural; "13/14", "2/1", "1,2", "3:1-3:29", "24.6/1-4", "12.5.1-12.5.4"
    and report numbers such as "TR/IRIDIA/2017-005", "STAN-CS-82-914",
    "KSL 92-71" are singular ("no. TR/IRIDIA/2017-005" where a plain
    digit-dash-digit test printed "nos."), and so is "544, with 22
    illustrations": a part with a short lower-case word is another group."""
    # an escaped hyphen ("3\\-B") joins nothing: "page 3-B"
    # (number_PlainHyphenOrEnDashAlwaysPlural)
    parts = _NUMBER_JOINER.split(value.strip().replace("\\-", ""))
    # a part with a short lower-case word ("with 22 illustrations") starts a
    # group of its own in citeproc-js (it reads the word as a label)
    count = next((i for i, part in enumerate(parts) if i and _NUMBER_LABEL.search(part)), len(parts))
    if count < 2:
        return False
    first = parts[0]
    match = _NUMBER_PARTICLE.match(first)
    if match:
        first = match.group(1)
    return bool(first) and _NUMBER_NUMERIC.match(first) is not None \
        and _NUMBER_COLLAPSIBLE.match(first) is not None
