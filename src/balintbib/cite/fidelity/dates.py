"""Dates (CSL 1.0.2 "Date", "Date-part", "Date Ranges"): date rendering,
date parts, and the implicit year suffix after the year."""

from __future__ import annotations

from citeproc import model as m

from .formatting import DisplayMixin, NS, StripPeriodsMixin, TextCaseMixin
from .state import RENDER_STATE, VariableCallMixin, _suppressed
from .numbers import ordinal

class Date(VariableCallMixin, DisplayMixin, m.Date):
    def process(self, item, variable=None, show_parts=None, context=None, **kwargs):
        RENDER_STATE["item"] = item
        var = variable or self.get("variable")
        if var and var in _suppressed(context if context is not None else self):
            return None
        if kwargs.get("sort_options") is not None:  # a date in a sort key (sorting.py)
            from .sorting import date_sort_text
            return date_sort_text(self, item, var)
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
