"""Layout (CSL 1.0.2 "Layout", "Text", "Group", "Choose", "Affixes",
"Delimiter"): cs:text, cs:group, cs:choose, cs:layout for citations and
bibliographies. The passes over a rendered entry (punctuation, quotes,
apostrophes) are in :mod:`.punctuation`."""

from __future__ import annotations

import re
from typing import NamedTuple

from citeproc import model as m
from citeproc.source import VariableError
from citeproc.string import String, join

from ..markup import CLOSE, OPEN, wrap
from .punctuation import SEAL, decorated, mark_own_punctuation, seal_after_decorated, split_leading_punctuation
from .formatting import DisplayMixin, NS, QuoteMixin, StripPeriodsMixin, TextCaseMixin, climb_kept_space
from .state import (RENDER_STATE, VAR_CALLS, VariableCallMixin, _item_language, _record_rendered,
                    MemoMixin, _only_base_method, _suppressed, children)
from .numbers import (NUMERIC_VARIABLES, NumericRangeMixin, format_page_range_end, number_variable_ranges,
                      written_en_dash)
from .positions import first_reference_note, positions
from .disambiguation import _capitalize_first_term, _collapse_numbers, _collapse_years, _group_cites
from .sorting import cite_authorstrings, macro_sort_text, number_in_macro_key, uses_grouped_sort

# two numbers or roman numerals ("53(1-2)", "61-I"): citeproc-js joins them
# with the range delimiter
_NUMERIC_RANGE = re.compile(r"\s*(?:\d+|[ivxlcdmIVXLCDM]+)\s*[-\u2013]\s*(?:\d+|[ivxlcdmIVXLCDM]+)\s*")


_DISPLAY_KINDS = ("block", "left-margin", "right-inline", "indent")
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


class Group(DisplayMixin, m.Group):
    def process(self, item, context=None, **kwargs):
        """CSL 1.0.2 "Group": the group is suppressed when at least one of its
        rendering elements calls a variable and every called variable is
        empty; the test looks at what was actually rendered, through
        ``cs:choose`` branches and macros (citeproc-py looks at every branch:
        APA "(Publication)" for a thesis; fixtures ``group_*``)."""
        calls, hits = VAR_CALLS["calls"], VAR_CALLS["hits"]
        printed = RENDER_STATE.get("entry_printed")
        delimiter = self.__dict__.get("_group_delimiter")
        if delimiter is None:  # (speed: read once)
            delimiter = self._group_delimiter = self.get("delimiter", "")
        output = []
        formatted = []  # whether each printed child is formatted (citeproc-js: decorated)
        for child, choose in children(self):
            try:
                if choose:
                    text = child.render(item, context=context, delimiter=delimiter, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                continue
            if text is not None and (text != "" if isinstance(text, str) else str(text) != ""):
                if formatted and formatted[-1] and not delimiter:
                    # the next child's prefix after a formatted child
                    output[-1] = seal_after_decorated(output[-1], str(text), False)
                output.append(text)
                formatted.append(not choose and child.get("quotes") != "true" and decorated(child))
        if delimiter and any(formatted[:-1]):
            output = [seal_after_decorated(text, delimiter, True) if flag else text
                      for text, flag in zip(output[:-1], formatted)] + output[-1:]
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
            if type(self).join is not m.Delimited.join:
                return climb_kept_space(self, self.join(output))
            try:  # citeproc-py's Delimited.join, with the delimiter read once (speed)
                return climb_kept_space(self, join(output, delimiter))
            except Exception:  # noqa: BLE001 - as citeproc-py's
                return String("")
        if called and self._calls_directly():
            VAR_CALLS["calls"] += 1
        RENDER_STATE["entry_printed"] = printed  # a suppressed group printed nothing
        raise VariableError

    def _calls_directly(self) -> bool:
        """Whether this group calls a variable itself (a child, or a child of
        its cs:choose), not only through macros. Suppressed, a group whose
        variables are all behind macros does not count as an empty variable
        to its parent: citeproc-js prints NLM's "In" of a chapter with no
        container ("In. p. 191-5")."""
        found = self.__dict__.get("_direct")
        if found is None:
            found = self._direct = bool(self.xpath(
                "./cs:*[@variable]|./cs:choose/*/cs:*[@variable]|./cs:choose/*/cs:group", namespaces=NS)) \
                or bool(self.xpath("./cs:group", namespaces=NS))
        return found


_CONDITIONS = ("type", "variable", "is-numeric", "is-uncertain-date", "locator", "position",
               "disambiguate")


class Choose(m.Choose):
    def render(self, item, context=None, delimiter="", **kwargs):
        """citeproc-py's: the first branch whose condition holds, over the
        remembered children; our conditions are tested without raising
        ``ConditionFailed`` for each branch not taken (speed)."""
        branches = self.__dict__.get("_branches")
        if branches is None:
            branches = self._branches = tuple(
                (child, isinstance(child, If) and type(child).render is If.render)
                for child, _ in children(self))
        for child, condition in branches:
            if condition:
                if child.holds(item, context):
                    return child.render_children(item, context=context, delimiter=delimiter,
                                                 **kwargs)
                continue
            try:
                return child.render(item, context=context, delimiter=delimiter, **kwargs)
            except m.ConditionFailed:
                continue
        return None


class If(m.If):
    def render(self, item, context=None, delimiter="", **kwargs):
        """Conditions (CSL 1.0.2 "Choose"), adding ``disambiguate="true"``:
        true only for items the disambiguation step flagged (citeproc-py
        ignored it, so the condition always held: MLA printed titles in every
        citation; fixtures ``disambiguate_*``, ``condition_*``)."""
        if not self.holds(item, context):
            raise m.ConditionFailed
        return self.render_children(item, context=context, delimiter=delimiter, **kwargs)

    def holds(self, item, context=None) -> bool:
        """Whether the condition holds for the item (:meth:`render`)."""
        tests, match = self.__dict__.get("_tests") or self._compile_tests()
        results = []
        for test in tests:
            if test == "type":
                results += self._type(item)
            elif test == "variable":
                results += self._variable(item)
            elif test == "is-numeric":
                results += self._is_numeric(item)
            elif test == "is-uncertain-date":
                results += self._is_uncertain_date(item)
            elif test == "locator":
                results += self._locator(item)
            elif test == "position":
                results += self._position(item, context)
            else:
                flagged = getattr(item, "key", None) in RENDER_STATE["disambiguate"]
                results.append(flagged == (self.get("disambiguate") == "true"))
        if match == "any":
            return any(results)
        if match == "none":
            return not any(results)
        return all(results)

    def _compile_tests(self):
        """Speed: the condition's tests (in the order they are evaluated) and
        its ``match``, read from the element once."""
        attrib = self.attrib
        self._tests = found = (tuple(test for test in _CONDITIONS if test in attrib),
                               self.get("match", "all"))
        return found

    def _position(self, item, context):
        """``position`` (CSL 1.0.2 "Choose") with note numbers and locators
        compared by value (:func:`.positions.positions`); always false in
        the bibliography."""
        if context is None:
            context = self
        owner = context.get_layout().getparent()
        if owner.tag != f"{{{NS['cs']}}}citation":
            return [False]
        return positions(item, owner.cites, self.get("position").split(),
                         int(owner.get("near-note-distance", "5")))

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

    def _is_numeric(self, item):
        """``is-numeric`` also for the cite's ``locator`` (CSL 1.0.2 "Choose":
        any number variable, and the locator is one); citeproc-py looked for
        it in the reference only, so APA printed "(2014, 3)" for chapter 3
        where citeproc-js prints "(2014, Chapter 3)"; a locator range is
        numeric as in citeproc-js: "(1964, Chapters 3–5)", and so is a roman
        numeral: "(1964, Chapter iv)")."""
        out = []
        from .numbers import is_numeric_value
        for variable in self.get("is-numeric").split():
            if variable == "locator":
                value = item.get("locator") if isinstance(item, dict) else None
                if value is not None and hasattr(value, "identifier"):
                    value = value.identifier
                # a range or list of numbers is numeric too ("3-5": APA "Chapters
                # 3–5"), and so is a roman numeral ("Chapter iv")
                out.append(value is not None and (is_numeric_value(str(value)) or bool(
                    re.fullmatch(r"[ivxlcdm]+(?:\s*[-\u2013]\s*[ivxlcdm]+)?", str(value).strip(), re.I))))
            else:
                key = variable.replace("-", "_")
                out.append(key in item.reference and is_numeric_value(item.reference[key]))
        return out

    def _variable(self, item):
        names = self.__dict__.get("_variables")
        if names is None:  # (speed: the names split once)
            names = self._variables = tuple((variable, variable.replace("-", "_"))
                                            for variable in self.get("variable").split())
        out = []
        for variable, key in names:
            if variable == "locator":
                out.append("locator" in item)
            elif variable == "year-suffix":
                out.append(bool(item.reference.get("year_suffix")))
            elif variable == "page-first":
                out.append(bool(_page_first(item.reference)))
            else:
                value = item.reference.get(key)
                out.append(value is not None and str(value) != "" if not isinstance(value, list)
                           else bool(value))
        return out


class Else_If(If):
    pass


def _page_first(reference) -> str:
    """``page-first`` as citeproc-js sets it when it reads an item: the first
    part of ``page`` when there is one (before "&", ", ", "-" or "–"),
    whatever ``page-first`` says; so ``<if variable="page-first">`` holds for
    any item with pages (azr-…-rechtsquellen "TUGboat 9, 261" where "TUGboat
    9/3" was printed)."""
    page = dict.get(reference, "page")
    if page:
        first = re.split(r"\s*(?:&|, |-|\u2013)\s*", str(page))[0]
        return str(page) if first.endswith("\\") else first
    return str(dict.get(reference, "page_first") or "")


class Layout(DisplayMixin, m.Layout):
    def render_bibliography(self, citation_items):
        """``second-field-align`` (CSL 1.0.2 "Whitespace"): the first field goes
        into a left-margin block, the rest into a right-inline block (citeproc-js
        markup; plain text gets one space). Each entry starts with a fresh
        suppression list."""
        bibliography = self.getparent()
        align = bibliography.get("second-field-align")
        output = []
        try:
            for item in citation_items:
                self.repressed = {}
                self._rendered_vars = set()
                self._first_names_done = False
                RENDER_STATE.update(item=item, suffix_done=False, entry_printed=False,
                                    entry_start=VAR_CALLS["hits"])
                if align:
                    text = self._render_aligned(item)
                elif self._uses_display():
                    text = self._render_display_entry(item)
                    text = self.format(text) if text is not None else None
                else:
                    text = climb_kept_space(self, self.render_children(item))
                    text = self.format(self._wrap_entry(text)) if text is not None else None
                output.append(text)
        finally:
            RENDER_STATE["entry_start"] = None  # citations and sort keys: not an entry
        return output

    def _wrap_entry(self, text):
        """The layout's affixes around a bibliography entry."""
        return self.wrap(text)

    def _uses_display(self) -> bool:
        """Whether citeproc-js renders this bibliography layout in its
        ``display`` mode: the layout's first element has a ``display``
        attribute (citeproc-js sets its ``using_display`` flag only for the
        first rendering element of the bibliography's layout; a block further
        down, or inside a group, leaves the layout suffix at the end)."""
        found = self.__dict__.get("_display_mode")
        if found is None:
            first = next((child for child in self.iterchildren() if isinstance(child.tag, str)), None)
            found = self._display_mode = first is not None and first.get("display") in _DISPLAY_KINDS
        return found

    def _top_elements(self) -> frozenset:
        """The layout's top-level rendering elements: its children and, through
        ``cs:choose``, the children of its branches (a choose adds no level)."""
        found = self.__dict__.get("_tops")
        if found is None:
            out, todo = set(), [self]
            while todo:
                for child in todo.pop().iterchildren():
                    if not isinstance(child.tag, str):
                        continue
                    if isinstance(child, m.Choose):
                        todo.extend(branch for branch in child.iterchildren() if isinstance(branch.tag, str))
                    else:
                        out.add(child)
            found = self._tops = frozenset(out)
        return found

    def _render_display_entry(self, item):
        """A bibliography entry whose layout starts with a ``display``
        element: citeproc-js gives the layout suffix to the entry's LAST
        top-level piece, in place of that piece's own suffix; when that piece
        is a ``display`` element, the suffix goes inside its block, after the
        element's own suffix. CSL 1.0.2 says nothing of a layout suffix with
        display blocks; the result is what citeproc-js prints
        (``bugreports_SmallCapsEscape``: "…Here</span>.</div>";
        latin-american-perspectives, no layout suffix, the last group's "."
        dropped: "Smith\n2005 “A title.” Journal" where ". " joins the parts;
        Fishery Bulletin: the entry ends with the last piece's text, its
        suffix replaced by the layout's "."). The layout prefix goes on the
        first piece, inside its block when it is one."""
        RENDER_STATE.update(item=item, suffix_done=False)
        self.repressed = {}
        self._rendered_vars = set()
        suffix = self.get("suffix", "")
        alternatives = {}
        RENDER_STATE["suffix_swap"] = (self._top_elements(), suffix, alternatives)
        try:
            pieces = self._display_pieces(self, item, [])
        finally:
            RENDER_STATE["suffix_swap"] = None
        if not any(str(text) for _, text in pieces):
            return None
        element, last = pieces[-1]
        body = str(last)
        close = max((body.rfind(CLOSE[kind]) for kind in _DISPLAY_KINDS), default=-1) \
            if element.get("display") in _DISPLAY_KINDS else -1
        if close >= 0:
            last = String(body[:close] + suffix + body[close:])
        elif not body:
            pass  # an empty macro call: the suffix is lost with it
        elif element in alternatives:
            last = alternatives[element]
        last = climb_kept_space(self, last)
        text = str(join([piece for _, piece in pieces[:-1]] + [last], ""))
        prefix = self.get("prefix", "")
        if prefix and pieces[0][0].get("display") in _DISPLAY_KINDS:
            # the layout prefix goes on the first piece, inside its block
            opened = next((len(OPEN[kind]) for kind in _DISPLAY_KINDS if text.startswith(OPEN[kind])), 0)
            return String(text[:opened] + prefix + text[opened:])
        return String(prefix + text)

    def _display_pieces(self, parent, item, pieces):
        """(element, text) for each top-level element that printed, in order,
        going through the ``cs:choose`` branch that holds."""
        for child in parent.iterchildren():
            if not isinstance(child.tag, str):
                continue
            if isinstance(child, m.Choose):
                for branch in child.iterchildren():
                    if isinstance(branch.tag, str) and (
                            not isinstance(branch, If) or branch.holds(item)):
                        self._display_pieces(branch, item, pieces)
                        break
                continue
            try:
                text = child.render(item)
            except VariableError:
                text = None
            if text is not None and str(text) != "":
                pieces.append((child, text))
            elif child.get("macro") is not None:
                # a macro call that prints nothing still takes the layout
                # suffix (citeproc-js keeps its empty group: Fishery Bulletin
                # "TUGboat 10:153–156" ends without the layout's ".")
                pieces.append((child, String("")))
        return pieces

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
        # without a layout suffix, the right-inline block ends without the
        # space of a last ". " affix (citeproc-js trims the entry's end;
        # fixtures variables_ContainerTitleShort*); before a suffix it stays
        # (The Lancet "operator. .")
        if str(body):
            body = String(str(body) if suffix else str(body).rstrip(" ")) + suffix
        return self.format(String(prefix) + wrap("left-margin", first) + wrap("right-inline", body))

    def render_citation(self, citation, callback):
        """A citation cluster, with CSL 1.0.2 "Citation-specific options":
        cite grouping and collapsing (``collapse="citation-number"``, ``year``,
        ``year-suffix``, ``year-suffix-ranged``; ``cite-group-delimiter``,
        ``year-suffix-delimiter``, ``after-collapse-delimiter``; fixtures
        ``collapse_*``, "(Aalto 2000a, b; Banda 1999)")."""
        good = [cite for cite in citation.cites if not cite.is_bad()]
        bad = [cite for cite in citation.cites if cite.is_bad()]
        owner = self.getparent()
        sort = owner.find("cs:sort", NS)
        if sort is not None:  # ties keep the cluster's order
            names = cite_authorstrings(self, good) if len(good) > 1 \
                and RENDER_STATE.get("grouped_sort", True) and uses_grouped_sort(owner) else None
            good = sort.sort(good, self, authorstrings=names)
        pieces = []
        collect = RENDER_STATE["shown_names"]
        for cite in good:
            RENDER_STATE["first_names"] = None
            if collect is not None:
                collect[cite.key] = []  # the names this cite shows, for disambiguation
            RENDER_STATE["first_term"] = None
            RENDER_STATE["cite_mode"] = cite.get("mode")
            RENDER_STATE["author_suppressed"] = False
            try:
                output = climb_kept_space(self, self.render_children(cite))
            except VariableError:
                output = None
            finally:
                RENDER_STATE["cite_mode"] = None
            if output is not None and cite.get("mode") == "author-only":
                output = _author_only(output)
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
        if good and all(cite.get("mode") == "author-only" for cite in good):
            return self.format(text)  # names in running text: no layout affixes
        return self.format(self.wrap(text))

    def render_children(self, item, **kwargs):
        RENDER_STATE.update(item=item, suffix_done=False, namesets=0)
        self.repressed = {}
        self._rendered_vars = set()
        return super().render_children(item, **kwargs)


def _author_only(output):
    """A cite marked ``author-only`` (citeproc-js's cite flag, the name part
    of pandoc's ``@key`` in text): only the first name list the cite
    rendered, or what substituted for it; the whole cite when it renders no
    names (a numeric style prints its number)."""
    names = RENDER_STATE.get("first_names")
    return String(names) if names else output
