"""The fidelity layer: citeproc-py's CSL element classes, corrected.

citeproc-py turns every CSL element of a style into an instance of a Python
class chosen by tag name (an lxml class lookup). :func:`element_classes`
returns that mapping with our subclasses in place of citeproc-py's where
citeproc-py departs from the CSL 1.0.2 specification (or from citeproc-js,
the reference implementation, where the specification is silent). Nothing of
citeproc-py is modified: a style loaded through :mod:`balintbib.cite.engine`
simply gets these classes.

Each correction is one small method or function whose docstring names the
CSL rule it implements and the test-suite fixtures (``processor-tests/humans``)
or the real-style gap (``docs``: csl-engine-gaps) it addresses. The finishing
passes over the rendered entry (:func:`finish`) follow at the end.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from citeproc import model as m
from citeproc.source import VariableError, Date as SourceDate, DateRange, LiteralDate
from citeproc.string import MixedString, NoCase, String, join

from .markup import CLOSE, CLOSERS, MARKERS, OPEN, OPENERS, wrap

CSL_NS = "http://purl.org/net/xbiblio/csl"
NS = {"cs": CSL_NS}

# ----------------------------------------------------------------- formatter


class MarkerFormatter:
    """citeproc-py's formatter interface, producing marker pairs (see markup.py).

    Fix: *text-case on formatted text* — citeproc-py's HTML formatter returns
    plain ``str`` from its tag wrappers, and ``text-case``/``strip-periods`` on
    that ``str`` raise ``AttributeError`` ('str' object has no attribute
    'capitalize_first'); this crashed 203 of 2,858 official styles. Returning
    citeproc's ``String`` keeps every later step working (fixtures
    ``textcase_*`` and the all-styles sweep).
    """

    @staticmethod
    def preformat(text):
        return text

    Italic = staticmethod(lambda t: wrap("italic", t))
    Oblique = staticmethod(lambda t: wrap("oblique", t))
    Bold = staticmethod(lambda t: wrap("bold", t))
    Light = staticmethod(lambda t: String(str(t)))
    Underline = staticmethod(lambda t: wrap("underline", t))
    Superscript = staticmethod(lambda t: wrap("sup", t))
    Subscript = staticmethod(lambda t: wrap("sub", t))
    SmallCaps = staticmethod(lambda t: wrap("smallcaps", t))


FORMATTER = MarkerFormatter()


# ------------------------------------------------------------------ helpers

def _segments(text):
    """Flatten citeproc's (Mixed)String into (str, protected) segments."""
    if isinstance(text, MixedString):
        for part in text:
            yield from _segments(part)
    else:
        yield str(text), isinstance(text, NoCase)


def _rebuild(chars: list[str], protected: list[bool]):
    """Inverse of _segments: runs of protected chars become NoCase again."""
    parts, buf, state = [], [], None
    for ch, prot in zip(chars, protected):
        if state is not None and prot != state:
            parts.append(NoCase("".join(buf)) if state else String("".join(buf)))
            buf = []
        buf.append(ch)
        state = prot
    if buf:
        parts.append(NoCase("".join(buf)) if state else String("".join(buf)))
    if not parts:
        return String("")
    return parts[0] if len(parts) == 1 else MixedString(parts)


# Words citeproc-js keeps in lower case in title case (CSL 1.0.2 "Title case
# conversion": stop words, plus the prepositions citeproc-js adds).
STOP_WORDS = frozenset("""
a an and as at but by down for from in into nor of on onto or over so the till to up via
with yet about above across after against along amid among around before behind below
beneath beside between beyond during except inside like near off out per since than
through toward towards under until upon versus vs v within without de d' von van
""".split())

_WORD_RE = re.compile(r"[^\s\-\u2010\u2013\u2014/]+")


def _latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


def _letters(chars, start, end, protected):
    return [i for i in range(start, end) if chars[i].isalpha() and not protected[i]]


class TextCaseMixin:
    """CSL 1.0.2 "Text-case" on any rendered text, formatted or not."""

    def case(self, text, language=None):
        """Fix: ``text-case`` following the specification.

        * never crashes on plain ``str`` (styles with ``text-case`` on
          formatted macros: the all-styles sweep);
        * skips formatting markers and ``nocase`` spans (``textcase_NoCase*``);
        * ``sentence``: upper-case strings are lowered, otherwise only the first
          character is capitalized (``textcase_SentenceCapitalization``);
        * ``title``: lower-case words are capitalized except stop words unless
          first, last or after a colon; all-caps strings are lowered first;
          hyphenated parts count as words ("Self-Care"); only for English items
          (``textcase_TitleCase*``, APA/Chicago "Physician-Patient" gap).
        """
        text_case = self.get("text-case")
        if text_case is None or text is None:
            return text
        if isinstance(text, (int, float)):
            text = String(str(text))
        segs = list(_segments(text))
        chars = [c for s, p in segs for c in s]
        protected = [p or c in MARKERS for s, p in segs for c in s]
        n = len(chars)
        if text_case in ("lowercase", "uppercase"):
            conv = str.lower if text_case == "lowercase" else str.upper
            chars = [c if protected[i] else conv(c) for i, c in enumerate(chars)]
        elif text_case == "capitalize-first":
            letters = _letters(chars, 0, n, protected)
            if letters and self._word_start(chars, letters[0]):
                chars[letters[0]] = chars[letters[0]].upper()
        elif text_case == "capitalize-all":
            for match in _WORD_RE.finditer("".join(chars)):
                letters = _letters(chars, match.start(), match.end(), protected)
                if letters and letters[0] == self._first_alnum(chars, match.start(), match.end()):
                    chars[letters[0]] = chars[letters[0]].upper()
        elif text_case == "sentence":
            plain = [c for i, c in enumerate(chars) if not protected[i] and c.isalpha()]
            if plain and all(c.isupper() for c in plain):
                chars = [c if protected[i] else c.lower() for i, c in enumerate(chars)]
            letters = _letters(chars, 0, n, protected)
            if letters:
                chars[letters[0]] = chars[letters[0]].upper()
        elif text_case == "title":
            if language not in (None, "", "en"):
                return text
            chars = self._title_case(chars, protected)
        return _rebuild(chars, [p and c not in MARKERS for c, p in zip(chars, protected)]) \
            if any(protected) else String("".join(chars))

    @staticmethod
    def _word_start(chars, index):
        return index == 0 or not chars[index - 1].isalnum()

    @staticmethod
    def _first_alnum(chars, start, end):
        for i in range(start, end):
            if chars[i].isalnum():
                return i
        return -1

    @staticmethod
    def _title_case(chars, protected):
        text = "".join(chars)
        words = list(re.finditer(r"[^\s]+", text))
        for wi, wmatch in enumerate(words):
            word_text = "".join(c for i, c in enumerate(chars[wmatch.start():wmatch.end()])
                                if c not in MARKERS)
            bare = word_text.strip("\"'“”‘’([{").lower().rstrip(".,;:!?)]}\"'“”‘’")
            prev = words[wi - 1].group() if wi else ""
            after_colon = wi == 0 or prev.rstrip(CLOSERS + "\"'”’").endswith((":", "?", "!", ".", "\u2013"))
            is_last = wi == len(words) - 1
            if bare in STOP_WORDS and not after_colon and not is_last:
                # stop words are lowered (unless protected or mixed case)
                seg = range(wmatch.start(), wmatch.end())
                if all(chars[i].islower() or not chars[i].isalpha() or protected[i] for i in seg[1:]):
                    for i in seg:
                        if not protected[i]:
                            chars[i] = chars[i].lower()
                continue
            for part in _WORD_RE.finditer(text, wmatch.start(), wmatch.end()):
                sub = [i for i in range(part.start(), part.end()) if chars[i] not in MARKERS]
                letters = [i for i in sub if chars[i].isalpha()]
                if not letters:
                    continue
                part_bare = "".join(chars[i] for i in letters).lower()
                if part.start() != wmatch.start() and (part_bare in STOP_WORDS or len(letters) == 1):
                    continue
                if not _latin(chars[letters[0]]):
                    continue
                if protected[letters[0]]:
                    continue
                if all(chars[i].islower() for i in letters) and letters[0] == sub[0] or \
                        (all(chars[i].islower() for i in letters) and
                         all(not chars[i].isalnum() for i in sub[:sub.index(letters[0])])):
                    chars[letters[0]] = chars[letters[0]].upper()
        return chars


class StripPeriodsMixin:
    def strip_periods(self, string):
        """``strip-periods`` on any string type (citeproc-py needs ``String``)."""
        if self.get("strip-periods", "false").lower() == "true" and string is not None:
            if isinstance(string, (MixedString, String)):
                return string.replace(".", "")
            return String(str(string).replace(".", ""))
        return string


class DisplayMixin:
    def wrap(self, string):
        """CSL 1.0.2 "display": ``block``, ``left-margin``, ``right-inline``,
        ``indent`` become markers around the affixed output (citeproc-py ignores
        the attribute; fixtures ``display_*``, ``bugreports_DisplayBlock*``)."""
        string = super().wrap(string)
        display = self.get("display")
        if string is not None and display in ("block", "left-margin", "right-inline", "indent"):
            return wrap(display, string)
        return string


class QuoteMixin:
    def quote(self, string):
        """``quotes="true"``: quote markers, resolved at the end to the locale's
        marks with outer/inner alternation, so that punctuation-in-quote and
        nesting can be applied (fixtures ``quotes_*``, ``flipflop_*``)."""
        if self.get("quotes", "false").lower() == "true" and string:
            return wrap("quote", string)
        return string


# ----------------------------------------------------------------- elements

# Counters of variable-calling renderings for cs:group suppression.
VAR_CALLS = {"calls": 0, "hits": 0}


class VariableCallMixin:
    """Count each rendering of an element that calls a variable, and whether it
    produced output, so that ``cs:group`` can apply its implicit condition."""

    def render(self, *args, **kwargs):
        if "variable" not in self.attrib or self.get("variable") == "year-suffix":
            return super().render(*args, **kwargs)
        VAR_CALLS["calls"] += 1
        result = super().render(*args, **kwargs)
        if result is not None and str(result) != "":
            VAR_CALLS["hits"] += 1
        return result

class Style(m.Style):
    def set_locale_list(self, output_locale, validate=False):
        """Locale fallback (CSL 1.0.2 "Locale Fallback"): in-style locale for the
        dialect, the language, then none; locale files for the dialect, the
        primary dialect of the language, then en-US. Locale files are parsed
        with our safe parser and element classes."""
        from citeproc import LANGUAGE_NAMES, PRIMARY_DIALECTS

        self.locales = []
        added = set()
        language = output_locale.split("-")[0]
        for code in (output_locale, language, None):
            expr = ('./cs:locale[@xml:lang="{}"]'.format(code) if code
                    else "./cs:locale[not(@xml:lang)]")
            for found in self.xpath_search(expr):
                if found not in self.locales:
                    self.locales.append(found)
        for code in (output_locale if output_locale in LANGUAGE_NAMES else None,
                     PRIMARY_DIALECTS.get(language), "en-US"):
            if code and code not in added:
                root = load_locale_root(code)
                if root is not None:
                    self.locales.append(root)
                    added.add(code)
        for locale in self.locales:
            locale.style = self


@lru_cache(maxsize=64)
def _locale_bytes(code: str) -> bytes | None:
    from .styles import locales_dir
    path = Path(locales_dir()) / f"locales-{code}.xml"
    return path.read_bytes() if path.is_file() else None


def load_locale_root(code: str):
    data = _locale_bytes(code)
    if data is None:
        return None
    from lxml import etree
    return etree.fromstring(data, make_parser())


NUMERIC_VARIABLES = {"volume", "issue", "number", "edition", "chapter-number",
                     "collection-number", "number-of-pages", "number-of-volumes"}
_RANGE = re.compile(r"^((?:\S*\D)?)(\d+)\s*(?:-+|\u2013)\s*((?:\S*\D)?)(\d+)$")
_ROMAN_RANGE = re.compile(r"^([ivxlcdm]+)\s*(?:-+|\u2013)\s*([ivxlcdm]+)$", re.I)


class NumericRangeMixin:
    def _process(self, value, variable):
        """Numbers and ranges (CSL 1.0.2 "Page Ranges", "Number"): a range of
        two numbers with the same (or no) prefix gets the range delimiter and,
        for ``page``, the style's ``page-range-format``; anything else is left
        exactly as written ("N110-5", "3-B"); ``\\-`` is a literal hyphen;
        lists keep their ", " and " & " (fixtures ``page_*``, ``number_*``)."""
        text = str(value)
        if variable == "page-first":
            match = re.match(r"\s*([^\s,&\-\u2013]+)", text)
            return String(match.group(1)) if match else String(text)
        delimiter = "\u2013"
        if variable in ("page", "locator") or variable in NUMERIC_VARIABLES:
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
            if match and match.group(1) == match.group(3):
                prefix, first, last = match.group(1), match.group(2), match.group(4)
                last_prefix = prefix if range_format in (None, "expanded") else ""
                last = format_page_range_end(range_format, first, last) if range_format else last
                out.append(f"{prefix}{self.format_number(first)}{delimiter}"
                           f"{last_prefix}{self.format_number(last)}")
            elif roman:
                out.append(f"{roman.group(1)}{delimiter}{roman.group(2)}")
            elif match:
                # different prefixes: kept as written, spaces around a hyphen
                # dropped (citeproc-js "N110 - 5" -> "N110-5"; page_Expand*, page_Minimal)
                glue = "-" if re.search(r"\d\s*-+\s*\D*\d+$", part.strip()) else None
                out.append(f"{match.group(1)}{match.group(2)}{glue}{match.group(3)}{match.group(4)}"
                           if glue else part.strip())
            else:
                out.append(self.format_number(part.replace("\\-", "-")) if part.strip().isdigit()
                           else part.replace("\\-", "-"))
        return String("".join(str(o) for o in out))


class Text(NumericRangeMixin, VariableCallMixin, DisplayMixin, QuoteMixin, TextCaseMixin, StripPeriodsMixin, m.Text):
    NUMERIC_VARIABLES = NUMERIC_VARIABLES

    def _variable(self, item, context):
        """Substituted variables are suppressed in the rest of the output
        (CSL 1.0.2 "Substitute"); numeric ranges in number variables get an en
        dash (citeproc-js; gap "53(1-2)"); ``year-suffix`` renders only when
        assigned."""
        variable = self.get("variable")
        if variable in _suppressed(context):
            return None
        if variable == "year-suffix":
            return item.reference.get("year_suffix") or None
        if variable in ("page", "page-first") and "page" not in item.reference:
            raise VariableError
        if variable == "locator":
            return self._process(item.locator.identifier, "locator")
        text = super()._variable(item, context)
        if variable in self.NUMERIC_VARIABLES and text is not None:
            s = str(text)
            if re.fullmatch(r"\s*\d+\s*[-\u2013]\s*\d+\s*", s):
                a, b = re.split(r"\s*[-\u2013]\s*", s.strip())
                delimiter = str(self.get_single_term("page-range-delimiter") or "\u2013")
                return String(a + delimiter + b)
        return text

    def _format_last_page(self, first, last):
        return format_page_range_end(self.get_root().get_option("page-range-format"), first, last)

    def _term(self, item):
        """Remember the first term a cite prints, for :func:`_capitalize_first_term`."""
        text = super()._term(item)
        if text and RENDER_STATE.get("first_term") is None:
            RENDER_STATE["first_term"] = str(text)
        return text

    def process(self, item, context=None, **kwargs):
        if context is None:
            context = self
        if "macro" in self.attrib and kwargs.get("sort_options"):
            # sort keys: the name options reach names inside nested macros
            # (citeproc-py drops them at the first cs:text macro)
            text = self.get_macro(self.get("macro")).render(
                item, context, sort_options=kwargs["sort_options"])
            language = _item_language(self, item)
            return text, language
        if "macro" in self.attrib:
            # a macro call acts like a group (citeproc-js): terms in it are not
            # printed when every variable it calls is empty (group_SuppressTermInMacro)
            calls, hits = VAR_CALLS["calls"], VAR_CALLS["hits"]
            text, language = super().process(item, context=context, **kwargs)
            called, rendered = VAR_CALLS["calls"] - calls, VAR_CALLS["hits"] - hits
            VAR_CALLS["calls"], VAR_CALLS["hits"] = calls, hits
            if called and not rendered:
                VAR_CALLS["calls"] += 1
                return None, language
            if called:
                VAR_CALLS["calls"] += 1
                VAR_CALLS["hits"] += 1
            return text, language
        text, language = super().process(item, context=context, **kwargs)
        if "variable" in self.attrib and text:
            _record_rendered(context, self.get("variable"))
        return text, language


class Number(NumericRangeMixin, VariableCallMixin, DisplayMixin, TextCaseMixin, StripPeriodsMixin,
             m.Number):
    # (page ranges: see Text._format_last_page)
    def process(self, item, context=None, **kwargs):
        variable = self.get("variable")
        if variable in _suppressed(context if context is not None else self):
            return None
        return super().process(item, context=context, **kwargs)

    def format_number(self, number):
        """Ordinals: ``long-ordinal`` above 10 falls back to ``ordinal``; roman
        numerals in lower case (CSL 1.0.2 "Number")."""
        form = self.get("form", "numeric")
        try:
            value = int(number)
        except ValueError:
            return number
        if form == "ordinal" or (form == "long-ordinal" and value > 10):
            return ordinal(value, self)
        if form == "long-ordinal":
            return self.get_single_term(name="long-ordinal-{:02}".format(value))
        if form == "roman":
            return m.romanize(value).lower()
        return str(value)

    def _format_last_page(self, first, last):
        return format_page_range_end(self.get_root().get_option("page-range-format"), first, last)


def ordinal(number: int, element) -> str:
    """CSL 1.0.2 "Ordinal Suffixes": the first locale in the fallback chain
    that defines ordinal terms decides; ``ordinal-10``..``ordinal-99`` match
    the last two digits (or the whole number), ``ordinal-00``..``09`` the last
    digit, ``ordinal`` is the default (German "2." not "2nd"; French "2ᵉ")."""
    root = element.get_root()
    locales = root.style.locales if isinstance(root, m.Locale) else root.locales
    for locale in locales:
        terms = locale.find("cs:terms", NS)
        if terms is None:
            continue
        table = {}
        for term in terms.findall("cs:term", NS):
            name = term.get("name", "")
            if name == "ordinal" or re.fullmatch(r"ordinal-\d\d", name):
                if term.get("form") in (None, "long"):
                    table[name] = (term.findtext("cs:single", default=None, namespaces=NS)
                                   or term.text or "", term.get("match"))
        if not table:
            continue
        two = "ordinal-{:02}".format(number % 100)
        if two in table and number % 100 >= 10:
            text, match = table[two]
            if match != "whole-number" or number == number % 100:
                return f"{number}{text}"
        one = "ordinal-{:02}".format(number % 10)
        if one in table:
            text, match = table[one]
            if match in (None, "last-digit") or (match == "whole-number" and number < 10) or \
                    (match == "last-two-digits" and number % 100 < 10):
                return f"{number}{text}"
        if "ordinal" in table:
            return f"{number}{table['ordinal'][0]}"
    return str(number)


def _day_ordinal(number, context) -> str:
    """Day ordinals of text dates follow the same rule as numbers: citeproc-py's
    own ``to_ordinal`` searched every locale term by term, so a German date
    borrowed English "nd" from the en-US fallback ("22nd November"; citeproc-js:
    "22. November")."""
    try:
        return ordinal(int(number), context)
    except (TypeError, ValueError):
        return str(number)


#: citeproc-py's date parts call the module function ``to_ordinal`` (there is no
#: method to override); it is the one place fidelity replaces a function.
m.to_ordinal = _day_ordinal


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
                if key not in item.reference or variable in _suppressed(context if context is not None else self):
                    return None
                if variable in ("page", "number-of-pages") and plural is None:
                    plural = _is_plural_value(str(item.reference[key]))
        return super().process(item, variable=variable, plural=plural, context=context, **kwargs)

    def _is_plural(self, item):
        variable = self.get("variable")
        if variable and variable.startswith("number-of"):
            try:
                return int(str(item.reference[variable.replace("-", "_")])) > 1
            except (ValueError, VariableError):
                return False
        return super()._is_plural(item)


def _is_plural_value(value: str) -> bool:
    return re.search(r"\w*\d+\w*\s*(?:[-\u2013,&]|and)\s*\w*\d+", value) is not None


class Group(DisplayMixin, m.Group):
    def process(self, item, context=None, **kwargs):
        """CSL 1.0.2 "Group": the group is suppressed when at least one of its
        rendering elements calls a variable and every called variable is
        empty; the test looks at what was actually rendered, through
        ``cs:choose`` branches and macros (citeproc-py looks at every branch:
        APA "(Publication)" for a thesis; fixtures ``group_*``)."""
        calls, hits = VAR_CALLS["calls"], VAR_CALLS["hits"]
        delimiter = self.get("delimiter", "")
        output = []
        for child in self.iterchildren():
            try:
                if isinstance(child, m.Choose):
                    text = child.render(item, context=context, delimiter=delimiter, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                continue
            if text is not None and str(text) != "":
                output.append(text)
        called = VAR_CALLS["calls"] - calls
        rendered = VAR_CALLS["hits"] - hits
        # a nested group is one unit to its parent (citeproc-js): rendered, it
        # counts as a variable that printed, even if it printed only terms
        # (IEEE "[Online]. Available: …"); suppressed, as an empty variable
        # (NLM "Located at", APA "(Original work published)")
        VAR_CALLS["calls"], VAR_CALLS["hits"] = calls, hits
        if output and (called == 0 or rendered > 0):
            VAR_CALLS["calls"] += 1
            VAR_CALLS["hits"] += 1
            return self.join(output)
        if called:
            VAR_CALLS["calls"] += 1
        raise VariableError


# What is being rendered right now (an engine renders one entry at a time,
# under its lock): the item, and whether its implicit year suffix was printed.
RENDER_STATE = {"item": None, "suffix_done": False, "add_names": {}, "disambiguate": set(),
                "givenname": {}, "first_names": None, "shown_names": None}


class If(m.If):
    def render(self, item, context=None, delimiter="", **kwargs):
        """Conditions (CSL 1.0.2 "Choose"), adding ``disambiguate="true"``:
        true only for items the disambiguation step flagged (citeproc-py
        ignored it, so the condition always held: MLA printed titles in every
        citation; fixtures ``disambiguate_*``, ``condition_*``)."""
        results = []
        if "type" in self.attrib:
            results += self._type(item)
        if "variable" in self.attrib:
            results += self._variable(item)
        if "is-numeric" in self.attrib:
            results += self._is_numeric(item)
        if "is-uncertain-date" in self.attrib:
            results += self._is_uncertain_date(item)
        if "locator" in self.attrib:
            results += self._locator(item)
        if "position" in self.attrib:
            results += self._position(item, context)
        if "disambiguate" in self.attrib:
            flagged = getattr(item, "key", None) in RENDER_STATE["disambiguate"]
            results.append(flagged == (self.get("disambiguate") == "true"))
        match = self.get("match", "all")
        if match == "any":
            passed = any(results)
        elif match == "none":
            passed = not any(results)
        else:
            passed = all(results)
        if not passed:
            raise m.ConditionFailed
        return self.render_children(item, context=context, delimiter=delimiter, **kwargs)

    def _type(self, item):
        """One test for the whole ``type`` attribute: the item is ANY of its
        types.  Styles write ``type="book thesis report"`` without
        ``match="any"`` and mean "one of these"; citeproc-js reads the values
        of ``type`` that way whatever ``match`` says (citeproc-py required an
        item to be all of them at once, so 73 official styles left out
        entries that citeproc-js prints: Chicago notes, New Hart's Rules,
        Oxford notes, MHRA, wikipedia-fr-templates...)."""
        memo = self.__dict__.get("_types")
        if memo is None:
            memo = self._types = frozenset(self.get("type").lower().split())
        return [dict.get(item.reference, "type") in memo]

    def _variable(self, item):
        out = []
        for variable in self.get("variable").split():
            if variable == "locator":
                out.append("locator" in item)
            elif variable == "year-suffix":
                out.append(bool(item.reference.get("year_suffix")))
            else:
                value = item.reference.get(variable.replace("-", "_"))
                out.append(value is not None and str(value) != "" if not isinstance(value, list)
                           else bool(value))
        return out


class Else_If(If):
    pass


class Date(VariableCallMixin, DisplayMixin, m.Date):
    def process(self, item, variable=None, show_parts=None, context=None, **kwargs):
        RENDER_STATE["item"] = item
        var = variable or self.get("variable")
        if var and var in _suppressed(context if context is not None else self):
            return None
        return super().process(item, variable=variable, show_parts=show_parts,
                               context=context, **kwargs)

    def render_single_date(self, date, show_parts=None, context=None):
        """A localized date (CSL 1.0.2 "Localized Date Formats") keeps the
        delimiter of the locale's ``cs:date`` unless the calling ``cs:date``
        sets one (NLM "2015 Jun", not "2015Jun")."""
        if context is not None and context is not self:
            parts = self.parts(date, show_parts, context)
        else:
            parts = self.parts(date, show_parts)
        if not parts:
            return None
        if self.is_locale_date() and context is not None and context.get("delimiter") is not None:
            return context.join(parts)
        return self.join(parts)


class Date_Part(TextCaseMixin, StripPeriodsMixin, m.Date_Part):
    def process(self, date, context=None):
        """The first rendered year carries the item's year suffix when the style
        does not render ``year-suffix`` itself (citeproc-js behaviour;
        ``disambiguate_YearSuffix*``, Elsevier-Harvard "2018a")."""
        text = super().process(date, context)
        if self.get("name") == "year" and text:
            item = RENDER_STATE["item"]
            if item is not None and not RENDER_STATE["suffix_done"]:
                suffix = item.reference.get("year_suffix")
                style_root = self.get_root()
                if isinstance(style_root, m.Locale):
                    style_root = style_root.style
                if suffix and not _style_has_year_suffix(style_root):
                    RENDER_STATE["suffix_done"] = True
                    return str(text) + str(suffix)
        return text


def _style_has_year_suffix(root) -> bool:
    cached = root.__dict__.get("_has_year_suffix")  # (getattr would search the XML)
    if cached is None:
        cached = bool(root.xpath(".//cs:text[@variable='year-suffix']", namespaces=NS))
        root._has_year_suffix = cached
    return cached


class Name_Part(TextCaseMixin, m.Name_Part):
    pass


class Layout(DisplayMixin, m.Layout):
    def render_bibliography(self, citation_items):
        """``second-field-align`` (CSL 1.0.2 "Whitespace"): the first field goes
        into a left-margin block, the rest into a right-inline block (citeproc-js
        markup; plain text gets one space). Each entry starts with a fresh
        suppression list."""
        bibliography = self.getparent()
        align = bibliography.get("second-field-align")
        output = []
        for item in citation_items:
            self.repressed = {}
            self._rendered_vars = set()
            self._first_names_done = False
            RENDER_STATE.update(item=item, suffix_done=False)
            if align:
                text = self._render_aligned(item)
            else:
                text = self.render_children(item)
                text = self.format(self.wrap(text)) if text is not None else None
            output.append(text)
        return output

    def _render_aligned(self, item):
        parts = []
        for child in self.iterchildren():
            try:
                if isinstance(child, m.Choose):
                    rendered = child.render(item, delimiter="")
                else:
                    rendered = child.render(item)
            except VariableError:
                continue
            if rendered is not None and str(rendered) != "":
                parts.append(rendered)
        if not parts:
            return None
        first, rest = parts[0], parts[1:]
        body = join(rest, self.get("delimiter", "")) if rest else String("")
        prefix, suffix = self.get("prefix", ""), self.get("suffix", "")
        body = String(str(body)) + suffix if str(body) else body
        return self.format(String(prefix) + wrap("left-margin", first) + wrap("right-inline", body))

    def render_citation(self, citation, callback):
        """A citation cluster, with CSL 1.0.2 "Citation-specific options":
        cite grouping and collapsing (``collapse="citation-number"``, ``year``,
        ``year-suffix``, ``year-suffix-ranged``; ``cite-group-delimiter``,
        ``year-suffix-delimiter``, ``after-collapse-delimiter``; fixtures
        ``collapse_*``, "(Aalto 2000a, b; Banda 1999)")."""
        bibliography = citation.bibliography
        good = [cite for cite in citation.cites if not cite.is_bad()]
        bad = [cite for cite in citation.cites if cite.is_bad()]
        owner = self.getparent()
        if owner.find("cs:sort", NS) is not None:
            good.sort(key=lambda cite: cite.number)  # ties keep bibliography order
            good = owner.find("cs:sort", NS).sort(good, self)
        pieces = []
        collect = RENDER_STATE["shown_names"]
        for cite in good:
            RENDER_STATE["first_names"] = None
            if collect is not None:
                collect[cite.key] = []  # the names this cite shows, for disambiguation
            RENDER_STATE["first_term"] = None
            try:
                output = self.render_children(cite)
            except VariableError:
                output = None
            if output is None:
                continue
            if RENDER_STATE["first_term"]:
                output = _capitalize_first_term(output, cite, self.get_root(), not pieces)
            text = cite.get("prefix", "") + output + cite.get("suffix", "")
            pieces.append((cite, String(str(text)), RENDER_STATE["first_names"]))
            owner.cites.append(cite)
        delimiter = self.get("delimiter", "")
        collapse = owner.get("collapse")
        if collapse == "citation-number":
            text = _collapse_numbers(pieces, delimiter, owner)
        elif collapse in ("year", "year-suffix", "year-suffix-ranged"):
            text = _collapse_years(pieces, delimiter, owner, collapse)
        else:
            if owner.get("cite-group-delimiter") is not None and len(pieces) > 1:
                pieces = _group_cites(pieces, owner.get("cite-group-delimiter"))
            text = String("")
            for index, (cite, piece_text, _) in enumerate(pieces):
                # a cite prefix starting with punctuation replaces the delimiter
                # (citeproc-js; magic_SuppressLayoutDelimiterIfPrefixComma)
                if index and not str(cite.get("prefix", "")).startswith((",", ";", ":", ".")):
                    text = String(str(text) + delimiter)
                text = String(str(text) + str(piece_text))
        for cite in bad:
            value = callback(cite)
            text = join([text, String(value or "{}?".format(cite.key))], delimiter) \
                if str(text) else String(value or "{}?".format(cite.key))
        return self.format(self.wrap(text))

    def render_children(self, item, **kwargs):
        RENDER_STATE.update(item=item, suffix_done=False)
        self.repressed = {}
        self._rendered_vars = set()
        return super().render_children(item, **kwargs)


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
    if prefix and not re.search(r"[.!?][\"'\u201d\u2019)\]]*$", markup_strip(prefix)):
        return output
    text = str(output)
    term = RENDER_STATE["first_term"]
    start = 0
    while start < len(text) and text[start] in MARKERS:
        start += 1
    if not text.startswith(term, start) or not text[start:start + 1].islower():
        return output
    return String(text[:start] + text[start].upper() + text[start + 1:])


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
    from .markup import strip_markers
    cite, text, _ = piece
    plain = strip_markers(str(text)).strip()
    match = re.fullmatch(r"\D*?(\d+)\D*", plain)
    if match and int(match.group(1)) == cite.number and not cite.get("locator") \
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
        for group in groups:  # cites with the same names move together (also cites
            # printing no names, when year suffixes collapse: "(1965a,b)"; magic_ImplicitYearSuffix*)
            if group[0][2] == names and (names or collapse != "year"):
                group.append(piece)
                break
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
        if any(seg[2] for seg in segments) and len(segments) > 1:
            joined = delimiter.join(rendered)  # cites with locators: "Wong 1999, 328; 2000, 475"
        else:
            joined = group_delimiter.join(rendered)
        parts.append((String(joined), len(group) > 1))
    return _join_collapsed(parts, delimiter, after)


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


# ------------------------------------------------------------------- names

def _attr(element, name, default=None):
    """A Python attribute stored on an lxml element proxy (``getattr`` would
    fall through to citeproc-py's child-element lookup and return None)."""
    return element.__dict__.get(name, default)


def _item_language(element, item):
    try:
        return str(item.reference.language)[:2]
    except VariableError:
        return element.get_root().get("default-locale", "en")[:2]


def _suppressed(context) -> set:
    """Variables suppressed by an earlier ``cs:substitute`` in this entry."""
    try:
        layout = context.get_layout()
    except (IndexError, AttributeError):
        return set()
    repressed = _attr(layout, "repressed", None) or {}
    return repressed.get("__vars__", set())


def _record_rendered(context, variable):
    try:
        layout = context.get_layout()
    except (IndexError, AttributeError):
        return
    rendered = _attr(layout, "_rendered_vars", None)
    if rendered is not None:
        rendered.add(variable)


class Names(VariableCallMixin, DisplayMixin, m.Names):
    def process(self, item, names_context=None, context=None, **kwargs):
        """Name lists of several variables, each with its label; the
        ``cs:names`` delimiter between them; suppression of substituted
        variables; ``editortranslator`` when both lists are equal; the first
        name list of a bibliography entry is compared with the previous entry's
        for ``subsequent-author-substitute`` (CSL 1.0.2 "Names", "Substitute",
        "Reference Grouping")."""
        if context is None:
            context = self
        names_parent = kwargs.pop("names_parent", None)
        if names_context is None:
            names_context = self
            if names_parent is not None and self.find("cs:name", NS) is None:
                names_context = names_parent  # CSL 1.0.2: a bare cs:names in cs:substitute
        suppressed = _suppressed(context)
        roles = [r for r in self.get("variable", "").split() if r not in suppressed]
        ref = item.reference
        present = [r for r in roles if r.replace("-", "_") in ref and ref[r.replace("-", "_")]]
        if ({"editor", "translator"} <= set(present)
                and _same_names(ref["editor"], ref["translator"])
                and str(self.get_single_term("editortranslator") or "") != ""):
            present = [r for r in present if r != "translator"]
            ed_trans = True
        else:
            ed_trans = False

        name_elem = names_context.find("cs:name", NS)
        label_elem = names_context.find("cs:label", NS)
        children = list(names_context)
        label_first = (label_elem is not None and name_elem is not None
                       and children.index(label_elem) < children.index(name_elem))
        outputs = []
        count = 0
        for role in present:
            names = ref[role.replace("-", "_")]
            if name_elem is None:
                rendered = render_name_list(None, names, context, item, **kwargs)
            else:
                rendered = name_elem.render_list(names, context, item, **kwargs)
                if rendered is not None and not isinstance(rendered, int):
                    # formatting and affixes of cs:name apply to the whole list
                    rendered = name_elem.wrap(name_elem.format(rendered))
            if isinstance(rendered, int):
                count += rendered
                continue
            if rendered is None:
                continue
            if label_elem is not None and not kwargs.get("sort_options"):
                label_role = "editortranslator" if ed_trans and role == "editor" else role
                label = label_elem.render(item, label_role, len(names) > 1, context=context)
                if label:
                    rendered = label + rendered if label_first else rendered + label
            outputs.append(rendered)
            _record_rendered(context, role)
            if RENDER_STATE.get("substituting"):
                # inside cs:substitute a rendered name variable is suppressed at
                # once, even later in the same macro (substitute_SuppressOrdinaryVariable)
                try:
                    layout = context.get_layout()
                    layout.repressed.setdefault("__vars__", set()).add(role)
                except (IndexError, AttributeError):
                    pass
        if count:
            return String(str(count))
        if outputs:
            delimiter = self.get("delimiter", None)
            if delimiter is None:
                delimiter = self.get_parent_delimiter(context)
            text = join(outputs, delimiter)
            if RENDER_STATE.get("first_names") is None and not kwargs.get("sort_options"):
                RENDER_STATE["first_names"] = str(self.wrap(self.format(text)))
            return self._subsequent_author(text, context, kwargs)
        substitute = self.substitute()
        if substitute is not None:
            text = substitute.render(item, context=context, names_parent=self, **kwargs)
            if text is not None:
                return self._subsequent_author(text, context, kwargs)
        raise VariableError

    def _subsequent_author(self, text, context, kwargs):
        """``subsequent-author-substitute`` (rule ``complete-all``/``complete-each``):
        the first name list of an entry equal to the previous entry's is replaced
        (fixtures ``sort_*SubsequentAuthor*``; MHRA "———" gap)."""
        if kwargs.get("sort_options"):
            return text
        try:
            layout = context.get_layout()
        except (IndexError, AttributeError):
            return text
        bibliography = layout.getparent()
        if bibliography.tag != f"{{{CSL_NS}}}bibliography" or _attr(layout, "_first_names_done", True):
            return text
        layout._first_names_done = True
        previous = _attr(bibliography, "_previous_names", None)
        core = RENDER_STATE.get("names_core") or str(text)
        bibliography._previous_names = core
        substitute = bibliography.get("subsequent-author-substitute")
        if substitute is None or previous != core:
            return text
        return String(substitute)

    def markup(self, text):
        if text is None or str(text) == "":
            return None
        return self.wrap(self.format(text))


def _same_names(a, b) -> bool:
    return [dict(x) for x in a] == [dict(x) for x in b]


class Substitute(m.Substitute):
    def render(self, item, context=None, names_parent=None, **kwargs):
        """CSL 1.0.2 "Substitute": the first child that renders replaces the
        names; a bare ``cs:names`` child inherits the parent's ``cs:name`` and
        ``cs:label``; every variable the substitute rendered is suppressed in
        the rest of the entry (fixtures ``substitute_*``; APA/Chicago edited
        books printing the editors twice)."""
        layout = None
        try:
            layout = (context if context is not None else self).get_layout()
        except (IndexError, AttributeError):
            pass
        for child in self.iterchildren():
            before = set(_attr(layout, "_rendered_vars", set())) if layout is not None else set()
            if layout is not None:
                layout._rendered_vars = set()
            RENDER_STATE["substituting"] = RENDER_STATE.get("substituting", 0) + 1
            try:
                if isinstance(child, m.Names):
                    text = child.render(item, context=context, names_parent=names_parent, **kwargs)
                elif isinstance(child, m.Choose):
                    text = child.render(item, context=context, names_parent=names_parent, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                text = None
            finally:
                RENDER_STATE["substituting"] -= 1
            rendered = set(_attr(layout, "_rendered_vars", set())) if layout is not None else set()
            if layout is not None:
                layout._rendered_vars = before | rendered
            if text is not None and str(text) != "":
                if layout is not None:
                    if isinstance(child, m.Names):
                        rendered |= set(child.get("variable", "").split())
                    layout.repressed.setdefault("__vars__", set()).update(rendered)
                return text
        return None


class Name(DisplayMixin, m.Name):
    def render_list(self, names, context, item, sort_options=None, **kwargs):
        return render_name_list(self, names, context, item, sort_options=sort_options)

    def process(self, item, variable, context=None, sort_options=None, **kwargs):
        names = item.reference.get(variable.replace("-", "_"), [])
        return render_name_list(self, names, context, item, sort_options=sort_options)


_OPTION_DEFAULTS = {
    "and": None, "delimiter-precedes-et-al": "contextual",
    "delimiter-precedes-last": "contextual", "et-al-min": None, "et-al-use-first": None,
    "et-al-use-last": "false", "initialize": "true", "initialize-with": None,
    "name-as-sort-order": None, "sort-separator": ", ", "form": "long", "delimiter": ", ",
    "initialize-with-hyphen": "true", "demote-non-dropping-particle": "display-and-sort",
}


def _owner(element):
    """The cs:citation or cs:bibliography an element belongs to (None inside
    a macro); remembered per element (speed: asked for every name option)."""
    memo = element.__dict__
    if "_owner" not in memo:
        memo["_owner"] = _owner_uncached(element)
    return memo["_owner"]


def _owner_uncached(element):
    node = element
    while node is not None:
        if node.tag in (f"{{{CSL_NS}}}citation", f"{{{CSL_NS}}}bibliography"):
            return node
        parent = node.getparent()
        if parent is None:
            return None
        if node.tag == f"{{{CSL_NS}}}macro":
            return None
        node = parent
    return None


def _opt(name_elem, context, option, sort_options=None):
    if sort_options and option in sort_options:
        return sort_options[option]
    if name_elem is not None and option in name_elem.attrib:
        return name_elem.get(option)
    owner = _owner(context) if context is not None else None
    if owner is None and name_elem is not None:
        owner = _owner(name_elem)
    inherited = {"form": "name-form", "delimiter": "name-delimiter"}.get(option, option)
    if owner is not None and inherited in owner.attrib:
        return owner.get(inherited)
    root = (name_elem if name_elem is not None else context).getroottree().getroot()
    if inherited in root.attrib:
        return root.get(inherited)
    return _OPTION_DEFAULTS.get(option)


def initialize_given(given: str, initialize_with: str, initialize: bool, hyphen: bool) -> str:
    """CSL 1.0.2 "initialize-with" / "initialize": given names become initials
    followed by ``initialize-with``; with ``initialize="false"`` full given
    names stay and only existing initials get the punctuation (citeproc-py
    initialized them anyway: Chicago/MLA "Kjeldmand, D." gap;
    ``name_InitializeWith*``). Hyphenated names keep the hyphen ("M.-J.")
    when ``initialize-with-hyphen`` is true; lower-case particles stay."""
    tokens = [t for t in re.split(r"\s+|(?<=\.)(?=[^\s.])", given.strip()) if t]
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
                piece = core[0] + initialize_with
            initial = True
        else:
            piece, initial = token, False
        if out and not out.endswith(" ") and not (previous_initial and initial):
            out += " "
        out += piece
        previous_initial = initial
    return out.strip()


_ROMANESQUE = re.compile(r"^[\u0000-\u024F\u1E00-\u1EFF\u0370-\u03FF\u0400-\u052F\u0590-\u05FF"
                         r"\u0600-\u06FF\u2000-\u206F'\s\-\.]*$")


def render_name_list(name_elem, names, context, item, sort_options=None):
    """Render one variable's name list (CSL 1.0.2 "Name": et-al rules, "and",
    delimiters, name order, particles, suffixes, initials, ``form``)."""
    def opt(name):
        return _opt(name_elem, context, name, sort_options)

    form = opt("form")
    and_ = opt("and")
    delimiter = opt("delimiter")
    try:
        et_al_min = int(opt("et-al-min") or 0)
        et_al_use_first = int(opt("et-al-use-first") or 0)
    except ValueError:
        et_al_min = et_al_use_first = 0
    et_al_use_last = str(opt("et-al-use-last")).lower() == "true"
    dp_et_al = opt("delimiter-precedes-et-al")
    dp_last = opt("delimiter-precedes-last")
    nso = opt("name-as-sort-order")
    sort_sep = opt("sort-separator")
    init_with = opt("initialize-with")
    initialize = str(opt("initialize")).lower() != "false"
    hyphen = str(_opt(None, context if context is not None else name_elem,
                      "initialize-with-hyphen") if name_elem is None else
                 _opt(name_elem, context, "initialize-with-hyphen")).lower() != "false"
    root = (name_elem if name_elem is not None else context).getroottree().getroot()
    demote = root.get("demote-non-dropping-particle", "display-and-sort")

    names = list(names)
    total = len(names)
    truncated = bool(et_al_min and et_al_use_first and total >= et_al_min and total > et_al_use_first)
    extra = RENDER_STATE["add_names"].get(getattr(item, "key", None)) if item is not None else None
    if truncated and extra and extra > et_al_use_first and sort_options is None:
        et_al_use_first = extra  # disambiguate-add-names (CSL 1.0.2 "Disambiguation", step 1)
        truncated = total > extra
    shown = names[:et_al_use_first] if truncated else names
    if form == "count":
        return len(shown)
    if not shown:
        return None

    name_parts = {}
    if name_elem is not None:
        for part in name_elem.findall("cs:name-part", NS):
            name_parts[part.get("name")] = part

    def fmt_part(kind, text):
        part = name_parts.get(kind)
        if part is None or not text:
            return text
        return str(part.wrap(part.format(part.case(String(text)))))

    levels = RENDER_STATE["givenname"].get(getattr(item, "key", None)) \
        if sort_options is None and item is not None else None
    collect = RENDER_STATE.get("shown_names") if sort_options is None and item is not None \
        else None
    if collect is not None:
        collect.setdefault(item.key, []).extend(
            (name, form, init_with, initialize, index) for index, name in enumerate(shown))
    rendered = []
    inverted_flags = []
    for index, name in enumerate(shown):
        inverted = (nso == "all" or (nso == "first" and index == 0)) and "literal" not in name
        level = levels.get(person_id(name)) if levels else None
        text = _render_one_name(name, "long" if level and form == "short" else form, inverted,
                                sort_sep, init_with, initialize and level != 2, hyphen,
                                demote, fmt_part, sort_options is not None)
        if text:
            rendered.append(text)
            inverted_flags.append(inverted)
    if not rendered:
        return None

    def use_delimiter(rule, count_before):
        if rule == "always":
            return True
        if rule == "never":
            return False
        if rule == "after-inverted-name":
            return inverted_flags[count_before - 1] if count_before else False
        return count_before >= 2  # contextual

    if truncated:
        if et_al_use_last and et_al_use_first <= et_al_min - 2 and total > et_al_use_first + 1:
            last = _render_one_name(names[-1], form, nso == "all", sort_sep, init_with,
                                    initialize, hyphen, demote, fmt_part, sort_options is not None)
            text = String(delimiter.join(str(r) for r in rendered) if False else "")
            text = join(rendered, delimiter)
            return text + String(delimiter + "\u2026 ") + last
        et_al = _et_al(name_elem, context)
        text = join(rendered, delimiter)
        RENDER_STATE["names_core"] = str(text)
        if not et_al or sort_options is not None:
            return text
        if use_delimiter(dp_et_al, len(rendered)):
            return text + String(delimiter) + et_al
        return text + String(" ") + et_al
    RENDER_STATE["names_core"] = None
    if and_ and len(rendered) > 1:
        if "literal" in shown[-1] and len(rendered) > 2:
            dp_last = "always"  # citeproc-js: "Gosling, R., & others"
        term_source = name_elem if name_elem is not None else context
        term = term_source.get_single_term("and") if and_ == "text" else String("&")
        head = join(rendered[:-1], delimiter)
        if use_delimiter(dp_last, len(rendered) - 1):
            return head + String(delimiter) + String(str(term) + " ") + rendered[-1]
        return head + String(" " + str(term) + " ") + rendered[-1]
    return join(rendered, delimiter)


def person_id(name) -> tuple:
    """Who a name denotes, for name disambiguation: all its parts."""
    return tuple(str(name.get(k) or "") for k in (
        "family", "given", "non-dropping-particle", "dropping-particle", "suffix", "literal"))


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


def given_level(name, opts, rivals, max_level: int) -> int:
    """The smallest level (1 or 2, at most `max_level`) at which `name`
    prints differently from every rival name (other people printed alike);
    0 when no allowed level separates them."""
    form, init_with, initialize = opts
    for level in range(1, max_level + 1):
        mine = name_key(name, level, form, init_with, initialize)
        if all(name_key(other, level, *other_opts) != mine for other, other_opts in rivals):
            return level
    return 0


def _et_al(name_elem, context):
    if name_elem is None:
        return (context.get_single_term("et-al") or None) if context is not None else None
    node = name_elem.getnext()
    while node is not None and not (isinstance(node.tag, str) and node.tag == f"{{{CSL_NS}}}et-al"):
        node = node.getnext()
    if node is not None:
        term = node.get("term", "et-al")
        text = node.get_single_term(term)
        return node.wrap(node.format(text)) if text else None
    text = name_elem.get_single_term("et-al")
    return text or None


def _is_romanesque(name) -> bool:
    return all(_ROMANESQUE.match(str(name.get(k) or "")) for k in ("family", "given"))


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
    if not family and given:
        family, given = given, ""
    if given and init_with is not None:
        given = initialize_given(given, init_with, initialize, hyphen)
        if "." not in init_with and initialize:
            # initials without periods: citeproc-js prints "Nease DE Jr" (AMA, NLM)
            suffix = suffix.replace(".", "")
    if not _is_romanesque(name):
        # East Asian names: family then given, no space (CSL 1.0.2 "Name-part order")
        if form == "short":
            return String(fmt_part("family", family))
        return String(fmt_part("family", family) + fmt_part("given", given))

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


# ----------------------------------------------------------------- sorting

def collation_key(value: str):
    """Unicode-aware sort key: accents and case matter only to break ties,
    like the ICU collation citeproc-js uses (``Šapić`` between S and T, not
    after Z; ``sort_*``)."""
    from .markup import strip_markers
    text = strip_markers(value)
    text = text.replace("\u2019", "'").strip()
    text = re.sub(r"^[\"'“”‘’\[\(]+", "", text)
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    primary = re.sub(r"[^\w\s]", "", base.casefold())
    return (primary, base.casefold(), text)


class Sort(m.Sort):
    def sort(self, items, context):
        """Stable multi-key sort where empty keys go last in both directions
        (CSL 1.0.2 "Sorting"), strings by :func:`collation_key`, numbers and
        dates numerically."""
        keys = self.findall("cs:key", NS)
        return _sort_by_keys(list(items), keys, context)


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


class Key(m.Key):
    def sort_keys(self, items, context):
        """Sort keys per CSL 1.0.2 "Sorting": name variables as sort-order name
        lists with particles demoted unless ``demote-non-dropping-particle`` is
        ``never``; dates as zero-padded Y-M-D; numbers as integers; macros
        rendered with names in sort order and the key's ``names-*`` overrides."""
        if "variable" in self.attrib:
            variable = self.get("variable")
            attr = variable.replace("-", "_")
            keys = []
            for item in items:
                ref = item.reference
                if variable == "citation-number":
                    keys.append((item.number,))
                    continue
                if attr not in ref or ref[attr] in (None, ""):
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
                    keys.append(collation_key(str(text)) if text else None)
                elif attr in m.DATES:
                    keys.append(_date_key(value))
                elif attr in m.NUMBERS:
                    match = re.search(r"\d+", str(value))
                    keys.append((0, int(match.group()), str(value)) if match else (1, 0, str(value)))
                else:
                    keys.append(collation_key(str(value)))
            return keys
        macro = self.get_macro(self.get("macro"))
        layout = context.get_layout()
        # names in sort keys: sort order, no "and" term, no delimiters (the
        # collation ignores punctuation): "Parker Stephen D" < "Parker Stephen"
        sort_options = {"name-as-sort-order": "all", "and": None, "delimiter": " ",
                        "delimiter-precedes-last": "never"}
        for option in ("names-min", "names-use-first", "names-use-last"):
            if option in self.attrib:
                sort_options[option.replace("names", "et-al")] = self.get(option)
        keys = []
        for item in items:
            layout.repressed = {}
            layout._rendered_vars = set()
            dates = _macro_date_only(macro)
            if dates:
                keys.append(_macro_date_key(dates, item))
                continue
            text = macro.render(item, context=context, sort_options=sort_options)
            if text is None or str(text) == "":
                keys.append(None)
            elif _macro_is_numeric(macro):
                s = str(text)
                match = re.search(r"\d+", s)
                keys.append((0, int(match.group()), s) if match else collation_key(s))
            else:
                keys.append(collation_key(str(text)))
        return keys


def _date_key(value):
    if isinstance(value, DateRange):
        begin = _date_key(value.begin)
        return begin + (_date_key(value.end) if value.get("end") else ())
    if isinstance(value, LiteralDate):
        return (99999, 0, 0)
    try:
        return (int(value.year), int(value.get("month", 0) or 0), int(value.get("day", 0) or 0))
    except (TypeError, ValueError, VariableError):
        return None


def _macro_date_only(macro):
    """If a sort macro only renders date variables, sort on the dates themselves
    (citeproc-js compares dates numerically, not as rendered text)."""
    memo = macro._memo("date_only") if isinstance(macro, MemoMixin) else {}
    if macro.get("name") not in memo:
        memo[macro.get("name")] = _macro_date_only_uncached(macro)
    return memo[macro.get("name")]


def _macro_date_only_uncached(macro):
    texts = macro.xpath(".//cs:text[@variable]|.//cs:names|.//cs:number|.//cs:label", namespaces=NS)
    dates = macro.xpath(".//cs:date/@variable", namespaces=NS)
    if dates and not texts and not macro.xpath(".//cs:text[@macro]", namespaces=NS):
        return list(dict.fromkeys(dates))
    return None


def _macro_date_key(variables, item):
    for variable in variables:
        value = item.reference.get(variable.replace("-", "_"))
        if value:
            return _date_key(value)
    return None


def _macro_is_numeric(macro):
    memo = macro._memo("is_numeric") if isinstance(macro, MemoMixin) else {}
    name = macro.get("name")
    if name not in memo:
        memo[name] = _macro_is_numeric_uncached(macro)
    return memo[name]


def _macro_is_numeric_uncached(macro):
    return bool(macro.xpath(".//cs:number|.//cs:text[@variable='citation-number']", namespaces=NS)) \
        and not macro.xpath(".//cs:names|.//cs:text[@variable='title']", namespaces=NS)


# ------------------------------------------------------------ class lookup



_NO_LAYOUT = object()
_FORMAT_ATTRIBUTES = ("font-style", "font-variant", "font-weight", "text-decoration", "vertical-align")
_BASE_METHODS = {"format": {m.Formatted.format}, "wrap": {m.Affixed.wrap, DisplayMixin.wrap}}


@lru_cache(maxsize=None)
def _only_base_method(cls, name) -> bool:
    """Whether `cls` (below MemoMixin) has `name` only from citeproc-py's
    Formatted/Affixed and our DisplayMixin, so the fast paths are exact."""
    found = {klass.__dict__[name] for klass in cls.__mro__[cls.__mro__.index(MemoMixin) + 1:]
             if name in klass.__dict__}
    return bool(found) and found <= _BASE_METHODS[name]


class MemoMixin:
    """Speed: citeproc-py answers the same XPath questions (which macro,
    which layout, which term) for every item; the answers never change for a
    parsed style, so they are remembered on the root element. Remembering
    the element proxies also keeps the Python state citeproc-py stores on
    them (``repressed``, ``cites``) attached to one object."""

    def _memo(self, table):
        memo = self.__dict__.get("_root_memo")  # (the engine keeps proxies alive)
        if memo is None:
            root = self.getroottree().getroot()
            memo = root.__dict__.get("_memo_tables")
            if memo is None:
                memo = root._memo_tables = {}
            self._root_memo = memo
        found = memo.get(table)
        if found is None:
            found = memo[table] = {}
        return found

    def get_root(self):
        memo = self.__dict__.get("_root")
        if memo is None:
            memo = self._root = self.getroottree().getroot()
        return memo

    def get_macro(self, name):
        macros = self._memo("macros")
        found = macros.get(name)
        if found is None:
            found = macros[name] = super().get_macro(name)
        return found

    def get_layout(self):
        found = self.__dict__.get("_layout")  # (the engine keeps proxies alive)
        if found is not None:
            return found
        layouts = self._memo("layouts")
        found = layouts.get(self)
        if found is None:
            try:
                found = super().get_layout()
            except IndexError:  # not inside a layout (a macro): remembered too
                found = _NO_LAYOUT
            layouts[self] = found
        if found is _NO_LAYOUT:
            raise IndexError("no cs:layout above this element")
        self._layout = found
        return found

    def format(self, string):
        """Speed: an element without formatting attributes returns the text
        as citeproc-py's five formatting steps would (unchanged)."""
        plain = self.__dict__.get("_plain_format")
        if plain is None:
            plain = self._plain_format = _only_base_method(type(self), "format") and not any(
                name in self.attrib for name in _FORMAT_ATTRIBUTES)
        if plain:
            return str(string) if isinstance(string, (int, float)) else string
        return super().format(string)

    def wrap(self, string):
        """Speed: an element without affixes or ``display`` returns the text
        unchanged, as citeproc-py's affixing would."""
        plain = self.__dict__.get("_plain_wrap")
        if plain is None:
            plain = self._plain_wrap = _only_base_method(type(self), "wrap") and not any(
                name in self.attrib for name in ("prefix", "suffix", "display"))
        if plain:
            return string
        return super().wrap(string)

    def _remember(self, table, compute):
        memo = self._memo(table)
        if self in memo:
            return memo[self]
        value = memo[self] = compute()
        return value

    def get_formatter(self):
        return FORMATTER  # the engine always renders through the marker formatter

    def is_locale_date(self):
        return self._remember("is_locale_date", super().is_locale_date)

    def substitute(self):
        return self._remember("substitute", super().substitute)

    def get_parent_delimiter(self, context=None):
        if context is not None and context is not self:
            memo = self._memo("parent_delimiter_of")
            if context not in memo:
                memo[context] = super().get_parent_delimiter(context)
            return memo[context]
        return self._remember("parent_delimiter", super().get_parent_delimiter)


class Locale(MemoMixin, m.Locale):
    def get_term(self, name, form=None, zero_padded=False):
        terms = self._memo("terms")
        key = (name, form, zero_padded)
        if key not in terms:
            try:
                terms[key] = super().get_term(name, form, zero_padded)
            except IndexError:
                terms[key] = None
        if terms[key] is None:
            raise IndexError(name)
        return terms[key]

    def get_date(self, form):
        dates = self._memo("dates")
        if form not in dates:
            try:
                dates[form] = super().get_date(form)
            except IndexError:
                dates[form] = None
        if dates[form] is None:
            raise IndexError(form)
        return dates[form]


OVERRIDES = [Locale, If, Else_If, Style, Text, Number, Label, Group, Date, Date_Part, Name_Part, Layout, Names, Name,
             Substitute, Sort, Key]


def element_classes() -> dict[str, type]:
    classes = {cls.__name__.replace("_", "-").lower(): cls
               for cls in m.CitationStylesElement.__subclasses__()}
    for cls in OVERRIDES:
        classes[cls.__name__.replace("_", "-").lower()] = cls
    # every element class gets the memoization in front of its MRO
    return {tag: (cls if issubclass(cls, MemoMixin) else _with_memo(cls))
            for tag, cls in classes.items()}


@lru_cache(maxsize=None)
def _with_memo(cls):
    return type(cls.__name__, (MemoMixin, cls), {"__module__": __name__})


def make_parser():
    from lxml import etree

    from .styles import safe_parser
    lookup = etree.ElementNamespaceClassLookup()
    namespace = lookup.get_namespace(CSL_NS)
    namespace[None] = m.CitationStylesElement
    namespace.update(element_classes())
    parser = safe_parser(encoding="UTF-8")
    parser.set_element_class_lookup(lookup)
    return parser


# ------------------------------------------------------------ finishing

# citeproc-js's table for punctuation meeting punctuation (A then B, with
# only formatting between): B is dropped, or A is replaced by B; other pairs
# stay (fixtures punctuation_FullMonty*: "question?." -> "question?").
_DROP_SECOND = {(":", ":"), (";", ":"), ("!", ":"), ("?", ":"), (":", "."), (".", "."),
                (";", "."), ("!", "."), ("?", "."), (";", ";"), ("!", "!"), ("?", "?"),
                (",", ",")}
_DROP_FIRST = {(":", "!"), (";", "!"), (":", "?"), (";", "?")}
_PUNCT_PAIR = re.compile(f"(?<![.])([.,;:!?])([{MARKERS}]*)([.,;:!?])(?![.])")
_Q_CLOSE = CLOSE["quote"]
_PIQ = re.compile(f"({_Q_CLOSE}[{CLOSERS}]*)([.,!?])")
_SPACES = re.compile(r"  +")


def finish(text: str, punctuation_in_quote: bool) -> str:
    """Finishing passes over a rendered entry (still with markers).

    * ``punctuation-in-quote`` (CSL 1.0.2 locale option): a period or comma
      right after a closing quote moves inside it (en-US: "Training.";
      fixtures ``quotes_Punctuation*``, 165 gap entries).
    * Doubled punctuation across formatting and affixes: "?." / "!." / ".."
      collapse, ",," ";;" "::" too (citeproc-js; ``punctuation_*``, 59 gap
      entries "doctors?. Libyan").
    * Double spaces collapse; empty formatting pairs vanish.
    """
    if punctuation_in_quote:
        text = _PIQ.sub(lambda mt: mt.group(2) + mt.group(1), text)
    for _ in range(2):
        text = _PUNCT_PAIR.sub(_merge_punctuation, text)
    text = _SPACES.sub(" ", text)
    for kind in OPEN:
        text = text.replace(OPEN[kind] + CLOSE[kind], "")
    return text


def _merge_punctuation(match) -> str:
    first, between, second = match.group(1), match.group(2), match.group(3)
    if (first, second) in _DROP_SECOND:
        return first + between
    if (first, second) in _DROP_FIRST:
        return between + second
    return match.group(0)


def typographic(value: str) -> str:
    """Straight apostrophes in data become typographic ones (citeproc-js: O’Reilly,
    doctor’s, in ’t; 165 gap entries in 44 of 48 styles). A ' at the start of a
    word opens a single quotation only when a closing ' follows a later word."""
    if "'" not in value:
        return value
    chars = list(value)
    for i, ch in enumerate(chars):
        if ch != "'":
            continue
        before = chars[i - 1] if i else " "
        after = chars[i + 1] if i + 1 < len(chars) else " "
        if not before.isalnum() and after.isalnum():
            closing = re.search(r"\w'(?!\w)", value[i + 1:])
            chars[i] = "\u2018" if closing else "\u2019"
        else:
            chars[i] = "\u2019"
    return "".join(chars)
