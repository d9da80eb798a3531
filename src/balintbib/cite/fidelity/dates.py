"""Dates (CSL 1.0.2 "Date", "Date-part", "Date Ranges"): date rendering,
date ranges, seasons, literal dates, date parts, and the implicit year suffix
after the year."""

from __future__ import annotations

from citeproc import model as m
from citeproc.source import LiteralDate, VariableError

from .formatting import DisplayMixin, NS, StripPeriodsMixin, TextCaseMixin
from .state import RENDER_STATE, VariableCallMixin, _suppressed
from .numbers import ordinal, term_gender

_RANGE_ORDER = ("year", "month", "day")


class Date(VariableCallMixin, DisplayMixin, m.Date):
    def process(self, item, variable=None, show_parts=None, context=None, **kwargs):
        RENDER_STATE["item"] = item
        var = variable or self.get("variable")
        if var and var in _suppressed(context if context is not None else self):
            return None
        if kwargs.get("sort_options") is not None:  # a date in a sort key (sorting.py)
            from .sorting import date_sort_text
            return date_sort_text(self, item, var)
        if self.is_locale_date() or self.get("form") is None:
            value = _date_value(item, var)
            if isinstance(value, LiteralDate):
                return self.render_literal(value, show_parts, context)
        return super().process(item, variable=variable, show_parts=show_parts,
                               context=context, **kwargs)

    def _delimiter(self, context) -> str:
        if self.is_locale_date() and context is not None and context.get("delimiter") is not None:
            return context.get("delimiter")
        return self.get("delimiter", "")

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

    def render_literal(self, date, show_parts=None, context=None):
        """A literal date (``{"literal": "Summer 2001"}``) prints as written,
        where the date prints its year, with the year date-part's formatting
        and affixes, inside the date's affixes (citeproc-js; a date without a
        year part, ``date-parts="month-day"``, prints nothing)."""
        show_parts = _RANGE_ORDER if show_parts is None else show_parts
        if "year" not in show_parts or not str(date.text).strip():
            return None
        year = next((part for part in self.iterchildren() if part.get("name") == "year"), None)
        if year is None:
            return None
        text = m.String(str(date.text)) if not isinstance(date.text, m.String) else date.text
        if context is not None and context is not self:
            _merge_override(year, context)
        text = year.wrap(year.format(text))
        style_context = context if (self.is_locale_date() and context is not None) else self
        return style_context.wrap(text)

    def render_date_range(self, date_range, show_parts=None, context=None):
        """Date ranges as citeproc-js prints them (CSL 1.0.2 "Date Ranges").

        The largest part that differs between the two dates, and every smaller
        part, print twice; the parts both dates share print once: "January
        2–4, 1999", "January 2–March 4, 1999", "January 2, 1999–March 4,
        2000", "2–4 January 1999", "September–October 1996". The start's last
        doubled part loses its suffix and the end's first its prefix; between
        them comes the ``range-delimiter`` of the date-part of the largest
        differing part (default en dash): ``1999/2000`` with
        ``<date-part name="year" range-delimiter="/"/>``. Seasons range like
        months ("Spring 1999–Summer 2001"). A range whose two dates are equal
        in the printed parts prints as one date; an open range (end year 0)
        prints "1987–". citeproc-py crashed on
        month ranges of localized dates (``context.join`` of a date that is
        not the caller; IEEE printed no bibliography at all) and printed
        "2–4January 1999" elsewhere."""
        show_parts = list(_RANGE_ORDER) if show_parts is None else list(show_parts)
        begin, end = date_range.begin, date_range.get("end")
        if end is None:
            return self.render_single_date(begin, show_parts, context)
        if end.is_nil():  # an open range, "1987–"
            ranged, first = ["year"], 0
        else:
            ranged = [name for name in _RANGE_ORDER
                      if name in show_parts and _part_value(end, name) is not None]
            first = next((i for i, name in enumerate(ranged)
                          if _part_value(begin, name) != _part_value(end, name)), None)
        if first is None:
            return self.render_single_date(begin, show_parts, context)
        doubled = set(ranged[first:])
        caller = context if (context is not None and context is not self) else None
        rendered = []  # (name, part element, begin pieces, end pieces or None, doubled)
        for part in self.iterchildren():
            name = part.get("name")
            if name not in show_parts:
                continue
            twice = name in doubled
            suffix_done = RENDER_STATE["suffix_done"]
            if name == "year" and twice and not end.is_nil():
                # the implicit year suffix goes on the end of a year range
                # (citeproc-js: Elsevier Harvard "1984–1986a", not "1984a–1986")
                RENDER_STATE["suffix_done"] = True
            start = _pieces(part, begin, caller)
            RENDER_STATE["suffix_done"] = suffix_done
            if start is None:
                continue
            stop = _pieces(part, end, caller) if twice and not end.is_nil() else None
            rendered.append((name, part, start, stop, twice))
        last = max((i for i, entry in enumerate(rendered) if entry[4]), default=None)
        if last is None:
            return self.render_single_date(begin, show_parts, context)
        delimiter = self._delimiter(context)
        range_delimiter = next((part.get("range-delimiter") for name, part, *_ in rendered
                                if name == ranged[first] and part.get("range-delimiter")), "\u2013")
        out, ends = [], []
        for index, (name, part, start, stop, twice) in enumerate(rendered):
            if index != last:
                out.append(_joined(start))
                if twice and stop is not None and index < last:
                    ends.append(stop)
                continue
            if stop is not None:
                ends.append(stop)
            tail = [_joined(ends[0], prefix=False)] + [_joined(p) for p in ends[1:]] if ends else []
            out.append(_joined(start, suffix=False) + range_delimiter + (_join(tail, delimiter) or ""))
        return _join(out, delimiter)


def _date_value(item, variable):
    try:
        return item.reference[variable.replace("-", "_")]
    except (VariableError, KeyError, AttributeError):
        return None


def _part_value(date, name):
    """The value a date part compares by in a range (a season stands for the
    month where there is none)."""
    value = date.get(name)
    if name == "month" and not value:
        value = date.get("season")
    return value or None


def _merge_override(part, context) -> None:
    try:
        override = context.xpath_search('./cs:date-part[@name="{}"]'.format(part.get("name")))
    except AttributeError:
        return
    if override:
        part.attrib.update(dict(override[0].attrib))


def _pieces(part, date, context):
    """(prefix, text, suffix) of one date part of one date, or None."""
    try:
        text = part.process(date, context)
    except VariableError:
        return None
    if text is None or str(text) == "":
        return None
    text = part.format(part.case(part.strip_periods(text)))
    return part.get("prefix", ""), text, part.get("suffix", "")


def _joined(pieces, prefix=True, suffix=True):
    before, text, after = pieces
    return (before if prefix else "") + text + (after if suffix else "")


def _join(strings, delimiter):
    out = None
    for string in strings:
        out = string if out is None else out + delimiter + string
    return out


class Date_Part(TextCaseMixin, StripPeriodsMixin, m.Date_Part):
    def process(self, date, context=None):
        """The first rendered year carries the item's year suffix when the style
        does not render ``year-suffix`` itself (citeproc-js behaviour;
        ``disambiguate_YearSuffix*``, Elsevier-Harvard "2018a")."""
        if self.get("name") == "month":
            text = self.month_or_season(date, context)
        else:
            RENDER_STATE["ordinal_date"] = date  # (the day's ordinal agrees with the month)
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

    def month_or_season(self, date, context=None):
        """The month part (CSL 1.0.2 "Seasons"; citeproc-js's reading of
        CSL-JSON): months 1-12 print as usual; 13-16 (and 17-24, counted
        down by four) are the seasons, printed as the ``season-01``..``04``
        terms in the long and short forms and not at all in the numeric
        forms ("Spring 1999", numeric "1999"); other numbers (0, 25…) print
        nothing (fixture ``date_VariousInvalidDates``).
        Without a month, the date's ``season`` prints in every form: 1-4 as
        the season term, other text as written ("Spring", "Autumn 1996",
        numeric "Autumn/1996"). citeproc-py failed an assertion on a season
        in a numeric date and looked up the term ``month-13``."""
        if context is None:
            context = self
        _merge_override(self, context) if context is not self else None
        form = self.get("form", "long")
        month = date.get("month")
        if month:
            number = int(month) if str(month).lstrip("-").isdigit() else 0
            if 1 <= number <= 12:
                if form in ("long", "short"):
                    return context.get_single_term("month-{:02}".format(number),
                                                   form="short" if form == "short" else None)
                return str(number) if form == "numeric" else "{:02}".format(number)
            while 16 < number <= 24:
                number -= 4
            if 13 <= number <= 16 and form in ("long", "short"):
                return context.get_single_term("season-{:02}".format(number - 12))
            return None
        season = date.get("season")
        if season in (None, "", 0):
            raise VariableError("month")
        if str(season).strip() in ("1", "2", "3", "4"):
            return context.get_single_term("season-{:02}".format(int(season)))
        return m.String(str(season))


def _style_has_year_suffix(root) -> bool:
    cached = root.__dict__.get("_has_year_suffix")  # (getattr would search the XML)
    if cached is None:
        cached = bool(root.xpath(".//cs:text[@variable='year-suffix']", namespaces=NS))
        root._has_year_suffix = cached
    return cached


def _day_ordinal(number, context) -> str:
    """Day ordinals of text dates follow the same rule as numbers: citeproc-py's
    own ``to_ordinal`` searched every locale term by term, so a German date
    borrowed English "nd" from the en-US fallback ("22nd November"; citeproc-js:
    "22. November"). The suffix agrees with the month's gender (Italian "1º
    gen.", the month terms are masculine)."""
    try:
        date = RENDER_STATE.get("ordinal_date")
        month = date.get("month") if date is not None else None
        gender = term_gender(context, "month-{:02}".format(int(month))) \
            if str(month or "").isdigit() and 1 <= int(month) <= 12 else None
        return ordinal(int(number), context, gender)
    except (TypeError, ValueError):
        return str(number)


#: citeproc-py's date parts call the module function ``to_ordinal`` (there is no
#: method to override); it is the one place fidelity replaces a function.
m.to_ordinal = _day_ordinal
