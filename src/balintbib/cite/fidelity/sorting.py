"""Sorting (CSL 1.0.2 "Sorting"): sort keys from variables and macros, name
and date keys, numeric macros, and the collation citeproc-js uses."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from citeproc import model as m
from citeproc.source import DateRange, LiteralDate, VariableError
from citeproc.string import String

from .formatting import CSL_NS, NS
from .state import RENDER_STATE
from .names import render_name_list


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


@lru_cache(maxsize=None)
def _collator(locale: str):
    """The ICU collator of citeproc-js's comparison for ``locale`` (None when
    PyICU is not installed)."""
    try:
        import icu
    except ImportError:  # pragma: no cover - pyicu-wheels is a dependency
        return None
    tag = (locale or "en-US").replace("_", "-")
    collator = icu.Collator.createInstance(icu.Locale.forLanguageTag(tag))
    collator.setStrength(icu.Collator.PRIMARY)  # sensitivity "base"
    collator.setAttribute(icu.UCollAttribute.ALTERNATE_HANDLING,  # ignorePunctuation
                          icu.UCollAttributeValue.SHIFTED)
    collator.setAttribute(icu.UCollAttribute.NUMERIC_COLLATION,  # numeric
                          icu.UCollAttributeValue.ON)
    return collator.getSortKey


def collation_key(value: str, locale: str = "en-US"):
    """The sort key of a rendered sort-key string, ordered as citeproc-js
    orders them. citeproc-js turns every space of a key into ``|`` (and ends
    the key with one), then compares keys with the JavaScript
    ``localeCompare`` for the style's locale with ``{sensitivity: "base",
    ignorePunctuation: true, numeric: true}``, i.e. the ICU collation of that
    locale at primary strength, punctuation and spaces ignored, digits
    compared as numbers. So accents and case never order two keys (a tie
    keeps the input order); ``ł`` sorts as ``l`` ("Goldman-Rakic" <
    "Gołosz" < "Gong"), hyphens, commas and periods are ignored, the
    non-ignorable ``|`` makes a word end sort before any letter
    ("Cormen, Thomas ; Leiserson" < "Cormen, Thomas H."), "Vol 9" < "Vol
    10", and the locale's own letters count (Slovak/Czech ``ch`` after
    ``h``: "Hudec" < "Chalupa"). Computed once per item (a byte string)."""
    # the engine's private-use marks (formatting, sealed punctuation) are not text
    text = "|".join(_PRIVATE_USE.sub("", str(value)).split(" ")) + "|"
    key = _collator(locale)
    if key is not None:
        return key(text)
    # without ICU: accents and punctuation dropped, case folded
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^\w|]", "", base.replace("\u0142", "l")).encode("utf-8")


class Sort(m.Sort):
    def sort(self, items, context, authorstrings=None):
        """Stable multi-key sort where empty keys go last in both directions
        (CSL 1.0.2 "Sorting"), strings by :func:`collation_key`, numbers and
        dates numerically; items tied on every key keep their input order
        (citeproc-js's stable order: the registry order in a bibliography,
        the order of the cites in a citation cluster: "(Smith, 2001b,
        2001a)" when the style sorts cites by author and a date macro). In a
        citation, a key on a date variable is followed by the year suffix
        (citeproc-js: "(Smith 2001a, 2001b)" whatever the cites' order).
        ``authorstrings`` (what each cite prints as its names, by ``id``)
        asks for citeproc-js's grouped sort (:func:`_grouped_sort`)."""
        keys = self.findall("cs:key", NS)
        if self.getparent().tag == f"{{{CSL_NS}}}citation":
            keys = [part for key in keys for part in
                    ((key, _YEAR_SUFFIX) if key.get("variable") in _DATE_VARIABLES else (key,))]
        items = _sort_by_keys(list(items), keys, context)
        if authorstrings is None or len(items) < 2 or not keys:
            return items
        return _grouped_sort(items, keys, context, authorstrings)


def uses_grouped_sort(citation) -> bool:
    """Whether citeproc-js sorts this ``cs:citation``'s cites in author
    groups: an in-text style that collapses, or one with a
    ``cite-group-delimiter`` whose citations show neither citation numbers
    nor positions."""
    memo = citation.__dict__.get("_grouped_sort")
    if memo is None:
        root = citation.getroottree().getroot()
        layout = citation.find("cs:layout", NS)
        numeric_or_position = layout is not None and bool(layout.xpath(
            ".//cs:text[@variable='citation-number']|.//*[@position]", namespaces=NS))
        memo = citation._grouped_sort = bool(
            (root.get("class") == "in-text" and citation.get("collapse"))
            or (citation.get("cite-group-delimiter") and not numeric_or_position))
    return memo


def _grouped_sort(items, keys, context, authorstrings):
    """citeproc-js's grouped sort of a cluster's cites: sorted first by the
    names each cite prints, then by the sort keys; each run of cites with
    the same names takes the first key of its first cite, and the cites are
    sorted again on that (then on their place in the first sort): "(Goldman-
    Rakic, 1999; Gołosz, 1999; Gong, 1999)" for three cites of 1999 given in
    another order when Harvard sorts cites by year alone, and the cites of one
    author stay together."""
    direction = keys[0].get("sort", "ascending")
    locale = sort_locale(context)
    names = {id(item): authorstrings.get(id(item)) for item in items}
    by_name = _MappedKey({i: None if n is None else collation_key(n, locale)
                          for i, n in names.items()}, direction)
    order = _sort_by_keys(items, [by_name] + keys, context)
    first = dict(zip(map(id, order), keys[0].sort_keys(order, context)))
    group_keys, group_key, last = {}, None, object()
    for index, item in enumerate(order):
        if names[id(item)] != last:
            group_key, last = first[id(item)], names[id(item)]
        group_keys[id(item)] = None if group_key is None else (group_key, index)
    return _sort_by_keys(order, [_MappedKey(group_keys, direction)] + keys, context)


class _MappedKey:
    """A sort key whose values are known in advance (by the item's ``id``)."""

    def __init__(self, values, direction):
        self.values, self.direction = values, direction

    def get(self, name, default=None):
        return self.direction if name == "sort" else default

    def sort_keys(self, items, context):
        return [self.values.get(id(item)) for item in items]


def cite_authorstrings(layout, cites) -> dict:
    """What each cite prints as its first names (citeproc-js's
    "authorstring"), by ``id``, for :func:`_grouped_sort`: each cite is
    rendered once on its own."""
    out = {}
    for cite in cites:
        RENDER_STATE["first_names"] = None
        RENDER_STATE["cite_mode"] = cite.get("mode")
        try:
            layout.render_children(cite)
        except VariableError:
            pass
        finally:
            RENDER_STATE["cite_mode"] = None
        out[id(cite)] = RENDER_STATE["first_names"]
    RENDER_STATE["first_names"] = None
    return out


def _sort_by_keys(items, keys, context):
    """Items sorted by the first key, ties by the next ones (stable, empty
    values last). Speed: a key is rendered only for the items still tied on
    the keys before it (a single item needs none), not for every item."""
    if len(items) < 2 or not keys:
        return items
    key, rest = keys[0], keys[1:]
    spread = RENDER_STATE.get("spread")  # the engine may spread long lists over processes
    values = spread(lambda part: key.sort_keys(part, context), items) if spread \
        else key.sort_keys(items, context)
    present = [i for i in range(len(items)) if values[i] is not None and values[i] != ""]
    missing = [i for i in range(len(items)) if values[i] is None or values[i] == ""]
    present.sort(key=lambda i: values[i], reverse=key.get("sort", "ascending") == "descending")
    out, run = [], []
    for i in present:
        if run and values[run[-1]] != values[i]:
            out += _sort_by_keys([items[j] for j in run], rest, context)
            run = []
        run.append(i)
    out += _sort_by_keys([items[j] for j in run], rest, context)
    return out + _sort_by_keys([items[j] for j in missing], rest, context)


class _YearSuffixKey:
    """The key citeproc-js adds after a date-variable key of a citation sort:
    the item's year suffix as a number, always ascending, where "a" and no
    suffix are both 0 ("b" is 1, "aa" 26): "(Day 2005a, 2005b; Mian 2005)"
    for the cites Day 2005a, Mian 2005, Day 2005b (sort_AuthorDateWithYearSuffix)."""

    @staticmethod
    def get(name, default=None):
        return default

    @staticmethod
    def sort_keys(items, context):
        keys = []
        for item in items:
            number = 0
            for letter in str(item.reference.get("year_suffix") or "").lower():
                number = number * 26 + ord(letter) - ord("a") + 1 if "a" <= letter <= "z" else number
            keys.append(max(number - 1, 0))
        return keys


_YEAR_SUFFIX = _YearSuffixKey()
_DATE_VARIABLES = {"accessed", "available-date", "event-date", "issued", "original-date",
                   "submitted"}


def _empty(value) -> bool:
    """A missing sort value. (``value in (None, "")`` compared a date range
    with ``==``, which citeproc-py's DateRange refuses with
    NotImplementedError: ``format --style apa`` on an entry with a date
    range, corpus file biber/dateformats.bib.)"""
    return value is None or (isinstance(value, str) and value == "")


def sort_locale(element) -> str:
    """The locale whose collation orders the keys: the locale the style
    renders in (citeproc-js: the style's ``default-locale``, else the
    processor's language, else en-US)."""
    root = element.getroottree().getroot()
    return root.__dict__.get("sort_locale") or root.get("default-locale") or "en-US"


class Key(m.Key):
    def sort_keys(self, items, context):
        """Sort keys per CSL 1.0.2 "Sorting": name variables as sort-order name
        lists with particles demoted unless ``demote-non-dropping-particle`` is
        ``never``; dates as Y-M-D numbers; numbers as integers; macros
        rendered with names in sort order, the key's ``names-*`` overrides and
        dates as numbers (:func:`date_sort_text`), compared by
        :func:`collation_key` in the style's locale."""
        locale = sort_locale(self)
        if "variable" in self.attrib:
            variable = self.get("variable")
            attr = variable.replace("-", "_")
            keys = []
            for item in items:
                ref = item.reference
                if variable == "citation-number":
                    keys.append((item.number,))
                    continue
                if attr not in ref or _empty(ref[attr]):
                    keys.append(None)
                    continue
                value = ref[attr]
                if attr in m.NAMES:
                    text = render_name_list(None, value, self, item,
                                            sort_options={"name-as-sort-order": "all",
                                                          "and": None, "form": "long",
                                                          "et-al-min": None,
                                                          "initialize-with": None,
                                                          "delimiter": "; ",
                                                          "sort-separator": ", "})
                    keys.append(collation_key(str(text), locale) if text else None)
                elif attr in m.DATES:
                    keys.append(_date_key(value))
                elif attr in m.NUMBERS:
                    match = re.search(r"\d+", str(value))
                    keys.append((0, int(match.group()), str(value)) if match else (1, 0, str(value)))
                else:
                    keys.append(collation_key(str(value), locale))
            return keys
        macro = self.get_macro(self.get("macro"))
        layout = context.get_layout()
        # names in sort keys (citeproc-js): every name family first, the
        # family and given names one word apart, no "and" term, the name
        # delimiter of the style ("Cormen, Thomas ; Leiserson" keeps its
        # ";" as a word of its own)
        sort_options = {"name-as-sort-order": "all", "and": None, "sort-separator": ", ",
                        "delimiter-precedes-last": "never"}
        for option in ("names-min", "names-use-first", "names-use-last"):
            if option in self.attrib:
                sort_options[option.replace("names", "et-al")] = self.get(option)
        keys = []
        for item in items:
            layout.repressed = {}
            layout._rendered_vars = set()
            text = macro_sort_text(macro, macro.render(item, context=context,
                                                       sort_options=sort_options))
            text = text.replace(_DATE_OPEN, "").replace(_DATE_CLOSE, "") if text else ""
            keys.append(collation_key(text, locale) if text else None)
        return keys


# a date in a sort key is wrapped in these (private-use characters), so that
# a macro with a date can keep its dates only (macro_sort_text)
_DATE_OPEN, _DATE_CLOSE = "\ue0d0", "\ue0d1"
_DATES_IN = re.compile("\ue0d0[^\ue0d1]*\ue0d1")


_KEY_NUMBER = re.compile(r"^[A-Za-z]*[1-9][0-9]*$")
_KEY_ELEMENTS = re.compile(r"\s*(?:,|&|\band\b|-|\u2013)\s*")
KEY_NUMBER_VARIABLES = frozenset({"volume", "issue", "number", "edition", "chapter-number",
                                  "collection-number", "number-of-pages", "number-of-volumes",
                                  "page", "locator"})


def number_in_macro_key(variable: str, value, text):
    """A number printed inside a macro that is a sort key: citeproc-js's key
    text carries the string "undefined" before a value its number parser
    reads as numeric (its first element a number, a letter prefix allowed:
    "3", "43-49", "A1", "1 & 2"; not "07", "12a", "2nd", "STAN-CS"), so such
    values sort after words. MLA's ``container1`` key of two items with the
    same author and title: "no. abc" < "no. STAN-CS" < "no. 2" < "no. 10"
    (citeproc-js 2.4.63's order; its key reads "no.|undefined2"). Only while
    a macro key is rendered (``RENDER_STATE["macro_key"]``)."""
    if not RENDER_STATE.get("macro_key") or text is None or variable not in KEY_NUMBER_VARIABLES:
        return text
    first = _KEY_ELEMENTS.split(str(value).strip(), 1)[0]
    if not _KEY_NUMBER.match(first):
        return text
    return String("undefined" + str(text))


def macro_sort_text(macro, text) -> str | None:
    """What a macro adds to a sort key. citeproc-js keeps only the dates of
    a macro that contains a ``cs:date`` ("doing-macro-with-date"): its
    names, terms and texts are dropped, so APA's or Elsevier-Harvard's
    ``issued`` macro keys on the date alone, and an item without a date has
    an empty key (last, also in a descending sort) even where the macro
    prints "n.d.". Macros without a date give all they render."""
    if text is None:
        return None
    text = str(text)
    has_date = macro.__dict__.get("_sort_has_date")
    if has_date is None:
        has_date = macro._sort_has_date = bool(macro.findall(".//cs:date", NS))
    if not has_date:
        return text
    return "".join(_DATES_IN.findall(text)) or None


def _ymd(value):
    """(year, month, day) of one date, 0 for a missing part; None without a
    year. A literal date that opens with an ISO-like date ("2009-02?") has
    one, as citeproc-js's date parser finds it; "forthcoming" has none."""
    if isinstance(value, LiteralDate):
        match = _LITERAL_DATE.match(str(value.text))
        return tuple(int(part or 0) for part in match.groups()) if match else None
    try:
        return (int(value.year), int(value.get("month", 0) or 0), int(value.get("day", 0) or 0))
    except (TypeError, ValueError, VariableError, AttributeError):
        return None


_LITERAL_DATE = re.compile(r"\s*(\d{3,4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?!\d)")


def _date_key(value):
    """A date variable's key: (year, month, day) of the start, then of the
    end of a range. A date without a year ("forthcoming") has none
    (citeproc-js writes no key for it: it sorts last)."""
    if isinstance(value, DateRange):
        begin = _ymd(value.begin)
        if begin is None:
            return None
        end = _ymd(value.end) if value.get("end") else None
        return begin + (end or ())
    return _ymd(value)


def date_sort_text(date, item, variable):
    """A date inside a sort macro, as citeproc-js writes it into the key:
    only the date parts the ``cs:date`` renders (its ``cs:date-part``
    children, or the ``date-parts`` of a localized date), zero-filled
    numbers, start then end: ``<date variable="issued" date-parts="year"
    form="numeric"/>`` gives "12000000010000000" for 2000-11-02, so items of
    the same year tie and the next key orders them
    (sort_LocalizedDateLimitedParts), and a branch of a ``cs:choose`` that
    shows only the year ties on month and day (sort_ConditionalMacroDates).
    None when the item has no date with a year. The text is wrapped in
    marks for :func:`macro_sort_text`."""
    value = item.reference.get(variable.replace("-", "_")) if variable else None
    if _empty(value):
        return None
    if date.get("form") is not None:
        parts = set(date.get("date-parts", "year-month-day").split("-"))
    else:
        parts = {part.get("name") for part in date.findall("cs:date-part", NS)}
    begin, end = (value.begin, value.end if value.get("end") else None) \
        if isinstance(value, DateRange) else (value, None)

    def one(date_value):
        numbers = _ymd(date_value) if date_value is not None else (0, 0, 0)
        if numbers is None:
            return None
        year, month, day = (n if name in parts else 0
                            for n, name in zip(numbers, ("year", "month", "day")))
        year_text = f"1{year:04d}" if year >= 0 else f"0{9999 + year:04d}"
        return f"{year_text}{month:02d}{day:02d}"

    start = one(begin)
    if start is None:
        return None
    end_text = one(end) if end is not None else None
    return _DATE_OPEN + start + (end_text or one(None)) + _DATE_CLOSE
