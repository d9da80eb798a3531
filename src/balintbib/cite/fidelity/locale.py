"""Locale (CSL 1.0.2 "Locale", "Locale Fallback"): the style's locale list,
locale files parsed with our safe parser, and memoized term and date lookups."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from citeproc import model as m

from .state import MemoMixin

class Style(m.Style):
    def set_locale_list(self, output_locale, validate=False):
        """Locale fallback (CSL 1.0.2 "Locale Fallback"): in-style locale for the
        dialect, the language, then none; locale files for the dialect, the
        primary dialect of the language, then en-US. Locale files are parsed
        with our safe parser and element classes."""
        from citeproc import LANGUAGE_NAMES, PRIMARY_DIALECTS

        self.locales = []
        self.sort_locale = output_locale  # the collation of sort keys (sorting.py)
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
            if locale.getparent() is self:  # in-style locales (files are done when loaded)
                typeset_terms(locale)

    def typeset_values(self) -> None:
        """``cs:text value="…"`` strings as citeproc-js prints them; see
        :func:`typeset`. Affixes and delimiters are left as written, and
        spaces written twice in an affix stay two: a seal between them keeps
        the finishing pass from merging them (citeproc-js merges spaces only
        where pieces meet: engineered-regeneration ``prefix=",  "`` prints
        "n.d.,  pp. 55–65")."""
        from .punctuation import SEAL
        for element in self.iter("{%s}text" % _CSL):
            value = element.get("value")
            if value:
                element.set("value", typeset(value))
        for element in self.iter():
            if not isinstance(element.tag, str):
                continue  # comments
            for name in ("prefix", "suffix"):
                affix = element.get(name)
                if affix and "  " in affix:
                    element.set(name, affix.replace("  ", " " + SEAL + " "))


@lru_cache(maxsize=64)
def _locale_bytes(code: str) -> bytes | None:
    from ..styles import locales_dir
    path = Path(locales_dir()) / f"locales-{code}.xml"
    return path.read_bytes() if path.is_file() else None


def load_locale_root(code: str):
    data = _locale_bytes(code)
    if data is None:
        return None
    from lxml import etree

    from . import make_parser
    return typeset_terms(etree.fromstring(data, make_parser()))


_CSL = "http://purl.org/net/xbiblio/csl"


def typeset(text: str) -> str:
    """A term or a ``cs:text`` value the way citeproc-js prints every string
    it outputs (field data gets the same in the engine): a straight apostrophe
    becomes a typographic one ("disponible à l’adresse" for the French term
    "disponible à l'adresse"), a space before ``: ; ! ?`` and ``»`` (after
    ``«``) becomes a narrow no-break space ("Adresse\u202f:"), and
    punctuation written twice stays as written (a style's et-al term
    "et al.." prints "et al..", it is not merged with itself)."""
    from ..prepare import _seal_punctuation
    from .punctuation import thin_spaces, typographic
    return _seal_punctuation(thin_spaces(typographic(text)))


def typeset_terms(root):
    """Apply :func:`typeset` to the text of every term of a ``cs:locale``."""
    for term in root.iter("{%s}term" % _CSL):
        for element in (term, *term):
            if element.text and element.text.strip():
                element.text = typeset(element.text)
    return root


_FORM_FALLBACK = {"verb-short": "verb", "symbol": "short", "verb": None, "short": None}


class Term(m.Term):
    """A locale term; its singular and plural text read once (speed: lxml's
    path cache is too small for a style's many lookups, so every ``find`` of
    ``cs:single`` was compiled again)."""

    @property
    def single(self):
        found = self.__dict__.get("_single")
        if found is None:
            found = self._single = m.Term.single.fget(self)
        return found

    @property
    def multiple(self):
        found = self.__dict__.get("_multiple")
        if found is None:
            found = self._multiple = m.Term.multiple.fget(self)
        return found


class Locale(MemoMixin, m.Locale):
    def get_term(self, name, form=None, zero_padded=False):
        """Term forms fall back (CSL 1.0.2 "Terms"): "verb-short" -> "verb" ->
        long, "symbol" -> "short" -> long, "short" -> long, so a style's
        ``<text term="in" form="short"/>`` prints "in" where the locale has no
        short form. As in citeproc-js, which merges the locale chain first, the
        asked-for form in any locale of the chain wins over a fallback form."""
        try:
            return self._exact_term(name, form, zero_padded)
        except IndexError:
            if form not in _FORM_FALLBACK:
                raise
        chain = getattr(getattr(self, "style", None), "locales", None) or [self]
        while form in _FORM_FALLBACK:
            for locale in chain:
                try:
                    return locale._exact_term(name, form, zero_padded)
                except (IndexError, AttributeError):
                    continue
            form = _FORM_FALLBACK[form]
        for locale in chain:
            try:
                return locale._exact_term(name, form, zero_padded)
            except (IndexError, AttributeError):
                continue
        raise IndexError(name)

    def _exact_term(self, name, form=None, zero_padded=False):
        terms = self._memo("terms")
        # per locale: a style's in-style locales share one memo table (its root)
        key = (self, name, form, zero_padded)
        if key not in terms:
            terms[key] = self._find_term(name, form, zero_padded)
        if terms[key] is None:
            raise IndexError(name)
        return terms[key]

    def _find_term(self, name, form=None, zero_padded=False):
        """The term of this locale with that name and form. A locale that
        defines a term twice means the last one, as in citeproc-js (a
        Brazilian style's ``editor`` short form "ed", then "org": "(Org.)");
        a term without ``gender-form`` comes before gendered ones, and of
        these the feminine, as citeproc-js takes them when no gender is asked
        for."""
        terms = self.find("{%s}terms" % _CSL)
        if terms is None:
            return None
        found = [term for term in terms.iterfind("{%s}term" % _CSL)
                 if term.get("name") == name and term.get("form") == form
                 and not (zero_padded and term.get("match") in ("whole-number", "last-two-digits"))]
        for gender in (None, "feminine", "masculine"):
            same = [term for term in found if term.get("gender-form") == gender]
            if same:
                return same[-1]
        return found[-1] if found else None

    def get_date(self, form):
        dates = self._memo("dates")
        key = (self, form)  # per locale, as for terms
        if key not in dates:
            try:
                dates[key] = super().get_date(form)
            except IndexError:
                dates[key] = None
        if dates[key] is None:
            raise IndexError(form)
        return dates[key]
