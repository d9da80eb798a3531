"""cs:text (CSL 1.0.2 "Text", "Affixes", "Display", "Quotes"): what a text
element prints, variable, macro, term or value, and how its affixes and
markup are applied. The passes over a rendered entry (punctuation, quotes,
apostrophes) are in :mod:`.punctuation`."""

from __future__ import annotations

import re
from typing import NamedTuple

from citeproc import model as m
from citeproc.source import VariableError
from citeproc.string import String

from .punctuation import (SEAL, decorated, mark_own_punctuation, seal_after_decorated,
                          split_leading_punctuation)
from .formatting import DisplayMixin, QuoteMixin, StripPeriodsMixin, TextCaseMixin, climb_kept_space
from .state import (RENDER_STATE, VAR_CALLS, VariableCallMixin, _item_language, _record_rendered, MemoMixin,
                    _only_base_method, _suppressed)
from .numbers import (NUMERIC_VARIABLES, NumericRangeMixin, format_page_range_end, number_variable_ranges,
                      written_en_dash)
from .positions import first_reference_note
from .sorting import macro_sort_text, number_in_macro_key

# two numbers or roman numerals ("53(1-2)", "61-I"): citeproc-js joins them
# with the range delimiter
_NUMERIC_RANGE = re.compile(r"\s*(?:\d+|[ivxlcdmIVXLCDM]+)\s*[-\u2013]\s*(?:\d+|[ivxlcdmIVXLCDM]+)\s*")
_DASH_ONLY = re.compile(r"\s*[-\u2013\u2014]+\s*")


class Text(NumericRangeMixin, VariableCallMixin, DisplayMixin, QuoteMixin, TextCaseMixin, StripPeriodsMixin, m.Text):
    NUMERIC_VARIABLES = NUMERIC_VARIABLES

    def _variable(self, item, context):
        """Substituted variables are suppressed in the rest of the output
        (CSL 1.0.2 "Substitute"); numeric ranges in number variables get an en
        dash (citeproc-js; gap "53(1-2)", also with a roman numeral: "61–I");
        ``year-suffix`` renders only when assigned."""
        variable = self.get("variable")
        if variable in _suppressed(context):
            return None
        if variable == "year-suffix":
            return item.reference.get("year_suffix") or None
        if variable in ("page", "page-first") and "page" not in item.reference:
            raise VariableError
        if variable == "locator":
            return self._locator(item)
        if variable == "citation-label":
            return self._citation_label(item, context)
        if variable == "first-reference-note-number":
            return self._first_reference_note(item, context)
        text = self._number_variable(item, context)
        if RENDER_STATE.get("macro_key") and text is not None:
            text = number_in_macro_key(variable, dict.get(item.reference, variable.replace("-", "_"), ""),
                                       text)
        return text

    def _number_variable(self, item, context):
        variable = self.get("variable")
        text = super()._variable(item, context)
        if variable in self.NUMERIC_VARIABLES and text is not None:
            s = str(text)
            if written_en_dash(s, variable):
                return String(s.strip())
            if _NUMERIC_RANGE.fullmatch(s):
                a, b = re.split(r"\s*[-\u2013]\s*", s.strip())
                # an en dash written in the data stays (citeproc-js: AMA "2(1–2)"
                # from BibTeX "1--2", but "53(1-2)" from "1-2")
                delimiter = "\u2013" if "\u2013" in s else \
                    str(self.get_single_term("page-range-delimiter") or "\u2013")
                return String(a + delimiter + b)
            if "-" in s and "\u2013" not in s:
                changed = number_variable_ranges(
                    s, str(self.get_single_term("page-range-delimiter") or "\u2013"))
                if changed != s:
                    return String(changed)
        return text

    def _locator(self, item):
        """The cite's locator as a number; a page locator follows the
        style's ``page-range-format`` as the ``page`` variable does
        (citeproc-js: "427-30" -> "427–430" with "expanded"; fixture
        ``label_CollapsedPageNumberPluralDetection``)."""
        locator = item.locator
        kind = "page" if getattr(locator, "label", "page") in (None, "page") else "locator"
        return self._process(locator.identifier, kind)

    def _citation_label(self, item, context):
        """``citation-label`` carries the item's year suffix, which then is
        not printed after the year (citeproc-js: "[RoNo78a]" … "1978.";
        fixtures ``magic_CitationLabelIn*``, ``disambiguate_Trigraph``)."""
        text = super()._variable(item, context)
        suffix = item.reference.get("year_suffix")
        if text is None or not suffix or RENDER_STATE["suffix_done"]:
            return text
        RENDER_STATE["suffix_done"] = True
        return String(str(text) + str(suffix))

    def _first_reference_note(self, item, context):
        """``first-reference-note-number`` in a citation: the note of the
        item's first cite (:func:`.positions.first_reference_note`)."""
        owner = (context if context is not None else self).get_layout().getparent()
        cites = getattr(owner, "cites", None)
        number = first_reference_note(item, cites) if cites else None
        if number is None:
            raise VariableError
        return String(str(number))

    def _format_last_page(self, first, last):
        return format_page_range_end(self.get_root().get_option("page-range-format"), first, last)

    def wrap(self, string):
        """A value or term that ends with a space keeps its own suffix's
        space too: ``<text value="in " suffix=" "/>`` prints "in  "
        (citeproc-js removes doubled spaces only where pieces of the
        rendering meet; Les Mondes du Travail "», in  J. Appl. Phys.").
        A seal between the two keeps the finishing pass from merging them.
        Not for a macro: its trailing space is an inner suffix, a piece that
        meets this one, and citeproc-js prints one space
        (american-journal-of-climate-change "(2014) Influence", 1000 of 1000
        entries differed)."""
        if string is not None and str(string).endswith(" ") and self.get("macro") is None \
                and self.get("suffix", "").startswith(" "):
            string = String(str(string) + SEAL)
        if string is not None and self.get("suffix") and self.get("quotes") != "true" and decorated(self):
            # the element's own suffix after its formatting: "Why?." (:func:`.seal_after_decorated`)
            string = seal_after_decorated(string, self.get("suffix"), True)
        return super().wrap(string)

    def render(self, item, *args, **kwargs):
        """A page that is only a dash ("-", "–": an article in press) prints
        nothing, affixes and all, yet counts as a variable that rendered:
        the page label stays (citeproc-js: MLA "vol. 10, 2014, p.", AMA
        "2014;10." where "2014;10:-." was printed)."""
        shape = self.__dict__.get("_shape") or self._read_shape()
        if shape.page and hasattr(item, "reference") \
                and _DASH_ONLY.fullmatch(str(dict.get(item.reference, "page", "x"))):
            VAR_CALLS["calls"] += 1
            VAR_CALLS["hits"] += 1
            return None
        if not shape.direct:
            return super().render(item, *args, **kwargs)
        # (speed) what VariableCallMixin.render and citeproc-py's Text.render do
        if shape.counted:
            VAR_CALLS["calls"] += 1
        text, language = self.process(item, *args, **kwargs)
        result = self.markup(text, language)
        if shape.counted and result is not None and (
                result != "" if isinstance(result, str) else str(result) != ""):
            VAR_CALLS["hits"] += 1
        return result

    def _term(self, item):
        """Remember the first term a cite prints, for :func:`_capitalize_first_term`;
        a term that opens a bibliography entry starts with a capital
        (:func:`_opening_term`)."""
        text = super()._term(item)
        if text and RENDER_STATE.get("first_term") is None:
            RENDER_STATE["first_term"] = str(text)
        return _opening_term(text)

    def _read_shape(self) -> "_TextShape":
        """Speed: what the element is, read from its attributes once."""
        attrib = self.attrib
        kind = next((name for name in ("variable", "macro", "term", "value") if name in attrib), None)
        cls = type(self)
        known = (cls.case is TextCaseMixin.case and cls.strip_periods is StripPeriodsMixin.strip_periods
                 and cls.quote is QuoteMixin.quote and cls.markup is Text.markup
                 and _defined(cls, "wrap") <= _TEXT_WRAPS)
        plain = known and _only_base_method(cls, "format") and not any(
            name in attrib for name in _MARKUP_ATTRIBUTES)
        direct = _defined(cls, "render") == {Text.render, VariableCallMixin.render, m.Text.render,
                                             m.CitationStylesElement.render}
        self._shape = shape = _TextShape(
            "macro" in attrib, kind, self.get("variable") in ("page", "page-first"),
            "variable" in attrib, plain, direct,
            "variable" in attrib and self.get("variable") != "year-suffix")
        return shape

    def markup(self, text, language):
        """citeproc-py's (case, strip periods, format, quote, affixes); an
        element with none of these attributes returns the text as they would
        (speed).

        Punctuation opening what a variable, value or term prints goes
        outside its formatting and quotation marks, after the prefix, as
        citeproc-js moves it (:func:`.punctuation.split_leading_punctuation`:
        Harvard ': “a new beamer class”'). With ``text-case`` citeproc-js
        cases the whole string again, so the run prints twice (Chicago
        "1986a. : : The Program" for the title ": The Program"). A value or
        term that is only punctuation merges with nothing before it
        (:func:`.punctuation.mark_own_punctuation`)."""
        shape = self.__dict__.get("_shape") or self._read_shape()
        if text and shape.kind in ("value", "term"):
            text = mark_own_punctuation(text)
        if shape.plain:
            if not text:
                return None
            return str(text) if isinstance(text, (int, float)) else text
        if text and not shape.macro:
            run, rest = split_leading_punctuation(text)
            if run:
                twice = self.get("text-case") is not None
                content = text if twice else rest
                formatted = self.format(self.case(self.strip_periods(content), language))
                # the run and the cased string do not merge (".NET": "..NET")
                return self.wrap(String(run + SEAL if twice else run) + self.quote(formatted))
        return super().markup(text, language)

    def process(self, item, context=None, **kwargs):
        if context is None:
            context = self
        shape = self.__dict__.get("_shape") or self._read_shape()
        if shape.macro and kwargs.get("sort_options"):
            # sort keys: the name options reach names inside nested macros
            # (citeproc-py drops them at the first cs:text macro)
            macro = self.get_macro(self.get("macro"))
            nested = RENDER_STATE.get("macro_key")
            RENDER_STATE["macro_key"] = True
            try:
                text = macro_sort_text(macro, macro.render(
                    item, context, sort_options=kwargs["sort_options"]))
            finally:
                RENDER_STATE["macro_key"] = nested
            language = _item_language(self, item)
            return text, language
        if shape.macro:
            # a macro call acts like a group (citeproc-js): terms in it are not
            # printed when every variable it calls is empty (group_SuppressTermInMacro)
            calls, hits = VAR_CALLS["calls"], VAR_CALLS["hits"]
            printed = RENDER_STATE.get("entry_printed")
            text, language = self._text(item, context, **kwargs)
            called, rendered = VAR_CALLS["calls"] - calls, VAR_CALLS["hits"] - hits
            VAR_CALLS["calls"], VAR_CALLS["hits"] = calls, hits
            if called and not rendered:
                VAR_CALLS["calls"] += 1
                RENDER_STATE["entry_printed"] = printed
                return None, language
            if called or _printed_terms_only(text):
                VAR_CALLS["calls"] += 1
                VAR_CALLS["hits"] += 1
            return climb_kept_space(self, text), language
        text, language = self._text(item, context, **kwargs)
        if shape.records and text:
            _record_rendered(context, self.get("variable"))
        elif "value" in self.attrib and text:
            RENDER_STATE["entry_printed"] = True
        return text, language

    def _text(self, item, context, **kwargs):
        """citeproc-py's ``Text.process`` (the text and the item's language),
        with the language read without an exception per item (speed)."""
        kind = (self.__dict__.get("_shape") or self._read_shape()).kind
        if kind == "variable":
            text = self._variable(item, context)
        elif kind == "macro":
            text = self.get_macro(self.get("macro")).render(item, context)
        elif kind == "term":
            text = self._term(item)
        elif kind == "value":
            text = String(self.preformat(self.get("value")))
        else:
            return super().process(item, context=context, **kwargs)
        return text, _item_language(self, item)


class _TextShape(NamedTuple):
    macro: bool  # calls a macro
    kind: str | None  # what it prints: variable, macro, term or value
    page: bool  # prints page or page-first
    records: bool  # has a variable (recorded when it renders)
    plain: bool  # its markup returns the text unchanged
    direct: bool  # rendered by Text.render alone (the steps of its MRO known)
    counted: bool  # counted for cs:group suppression (VariableCallMixin)


def _defined(cls, name) -> set:
    """The functions named `name` along the class's MRO."""
    return {klass.__dict__[name] for klass in cls.__mro__ if name in klass.__dict__}


# the affixing steps that leave a text unchanged without affixes or display
_TEXT_WRAPS = {MemoMixin.wrap, Text.wrap, DisplayMixin.wrap, m.Affixed.wrap}
# attributes that make citeproc-py's markup of a cs:text change the text
_MARKUP_ATTRIBUTES = ("text-case", "strip-periods", "font-style", "font-variant", "font-weight",
                      "text-decoration", "vertical-align", "quotes", "prefix", "suffix", "display")


def _opening_term(text):
    """A term printed before anything else of a bibliography entry (no
    variable, value or term printed yet; affixes do not count) gets
    ``capitalize-first``, as citeproc-js capitalizes a term without a
    predecessor: an entry without author or date opens with APA's "(N.d.)",
    Chicago's "N.d.", Harvard's "(No date)". Citations are left to
    :func:`_capitalize_first_term`. Example: APA, an item with only a
    publisher, prints "(N.d.). Macmillan." where it printed "(n.d.)"."""
    start = RENDER_STATE.get("entry_start")
    if not text or start is None or RENDER_STATE.get("entry_printed"):
        return text
    RENDER_STATE["entry_printed"] = True
    value = str(text)
    if VAR_CALLS["hits"] != start or not value[:1].islower():
        return text
    word = value.split(" ", 1)[0]
    if word != word.lower():  # citeproc-js leaves a word with capitals alone
        return text
    return String(value[0].upper() + value[1:])


def _printed_terms_only(text) -> bool:
    """A macro that calls no variable but prints (a term, a value) is one
    printed unit to the group around it, as a nested group is: citeproc-js
    prints Chicago's "Anon." from a macro beside an empty author list
    ("(Anon.; Anon.; Manstein 1982)": fixture
    ``bugreports_ChicagoAuthorDateLooping``)."""
    return text is not None and str(text) != ""
