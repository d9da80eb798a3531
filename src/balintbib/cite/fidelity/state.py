"""What the element classes share while one entry is rendered: the
per-rendering state (``RENDER_STATE``), the variable-call counters of
``cs:group`` suppression, the suppression of substituted variables, and the
memoization every element class gets in front of its MRO (speed)."""

from __future__ import annotations

from functools import lru_cache

from citeproc import model as m
from citeproc.source import VariableError
from citeproc.string import join

from .formatting import DisplayMixin, FORMATTER

# ---------------------------------------------------- variable calls

# Counters of variable-calling renderings for cs:group suppression.
VAR_CALLS = {"calls": 0, "hits": 0}


class VariableCallMixin:
    """Count each rendering of an element that calls a variable, and whether it
    produced output, so that ``cs:group`` can apply its implicit condition."""

    def render(self, *args, **kwargs):
        counted = self.__dict__.get("_counted")
        if counted is None:  # (speed: read from the element once)
            counted = self._counted = "variable" in self.attrib and self.get("variable") != "year-suffix"
        if not counted:
            return super().render(*args, **kwargs)
        VAR_CALLS["calls"] += 1
        result = super().render(*args, **kwargs)
        if result is not None and str(result) != "":
            VAR_CALLS["hits"] += 1
        return result


# What is being rendered right now (an engine renders one entry at a time,
# under its lock): the item, and whether its implicit year suffix was printed.
RENDER_STATE = {"item": None, "suffix_done": False, "add_names": {}, "disambiguate": set(),
                "givenname": {}, "first_names": None, "shown_names": None, "names_full": None,
                "cite_mode": None, "author_suppressed": False, "grouped_sort": True,
                "suffix_swap": None, "namesets": 0, "entry_start": None, "entry_printed": False,
                "macro_key": False}


# ------------------------------------------------ suppressed variables

def _attr(element, name, default=None):
    """A Python attribute stored on an lxml element proxy (``getattr`` would
    fall through to citeproc-py's child-element lookup and return None)."""
    return element.__dict__.get(name, default)


def _item_language(element, item):
    """The item's language (two letters), else the style's default locale;
    read with dict.get (speed: citeproc-py's attribute lookup raises and
    catches an exception for every item without a language, in every
    cs:text)."""
    language = dict.get(item.reference, "language")
    if language is None:
        found = element.__dict__.get("_default_language")
        if found is None:
            found = element._default_language = element.get_root().get("default-locale", "en")[:2]
        return found
    return str(language)[:2]


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


# ------------------------------------------------------------ memoization

def children(element) -> tuple:
    """Speed: an element's children, each with whether it is a ``cs:choose``
    (which gets the delimiter of the enclosing element), remembered on the
    element: a parsed style never changes shape, and lxml's ``iterchildren``
    builds an iterator and finds each child's proxy on every call."""
    kids = element.__dict__.get("_kid_list")
    if kids is None:
        kids = element._kid_list = tuple((child, isinstance(child, m.Choose))
                                         for child in element.iterchildren())
    return kids


def render_children(self, item, delimiter="", **kwargs):
    """citeproc-py's ``Parent.render_children`` over the remembered
    children (:func:`children`); given to every element class that would
    run citeproc-py's (:func:`balintbib.cite.fidelity._with_memo`)."""
    output = []
    for child, choose in children(self):
        try:
            if choose:
                text = child.render(item, delimiter=delimiter, **kwargs)
            else:
                text = child.render(item, **kwargs)
            if text is not None:
                output.append(text)
        except VariableError:
            pass
    if output:
        return join(output, delimiter)
    return None



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

    def xpath_search(self, expression):
        """Speed: citeproc-py's XPath questions (a localized date's
        ``cs:date-part`` for every date part rendered, the macros, the
        layout) answered once per element: the parsed style never changes
        shape. A new list each time (callers may change it)."""
        memo = self.__dict__.get("_xpaths")
        if memo is None:
            memo = self._xpaths = {}
        found = memo.get(expression)
        if found is None:
            found = memo[expression] = super().xpath_search(expression)
        return list(found)

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
        swap = RENDER_STATE["suffix_swap"]
        if swap is not None and self in swap[0] and string is not None:
            swap[2][self] = self._wrap_with_suffix(string, swap[1])
        if plain:
            return string
        return super().wrap(string)

    def _wrap_with_suffix(self, string, suffix):
        """The affixed text as it would be with `suffix` in place of the
        element's own (the layout suffix of a bibliography with ``display``
        blocks replaces the suffix of the entry's last piece:
        :meth:`.layout.Layout._render_display_entry`)."""
        old = self.get("suffix")
        self.set("suffix", suffix)
        try:
            return super().wrap(string)
        finally:
            if old is None:
                del self.attrib["suffix"]
            else:
                self.set("suffix", old)

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
